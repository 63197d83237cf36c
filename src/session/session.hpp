#pragma once
// One call's state machine (RFC 2661 §7.4 incoming calls, §7.5 outgoing calls), for the LAC and the
// LNS side. Pure: the tunnel feeds it messages and commands and sends what it returns.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/time.hpp"
#include "session/call_text.hpp"
#include "wire/control_message.hpp"

namespace hl2tp::session {

enum class Role : std::uint8_t { lac, lns };
enum class Direction : std::uint8_t { incoming, outgoing };  // ICRQ calls, OCRQ calls

enum class State : std::uint8_t {
  wait_tunnel,     // requested locally, the tunnel is not established yet
  wait_reply,      // sent ICRQ (LAC) or OCRQ (LNS)
  wait_connect,    // sent ICRP (LNS incoming) or got OCRP (LNS outgoing): waiting for ICCN/OCCN
  wait_cs_answer,  // LAC outgoing: sent OCRP, the bearer is being answered
  established,
  closed,  // cleaned up; the tunnel removes it
};

std::string_view name(State state);

// The rows of the RFC's tables (call_table.hpp).
enum class Event : std::uint8_t;
enum class Action : std::uint8_t;

// The call's parameters as carried by ICRQ/ICCN/OCRQ/OCCN (RFC 2661 §6.6–6.11).
struct CallParameters {
  std::uint32_t call_serial_number = 0;
  std::uint32_t bearer_type = 0;
  std::uint32_t framing_type = 1;  // synchronous
  std::uint32_t tx_connect_speed = 0;
  std::uint32_t rx_connect_speed = 0;
  std::uint32_t minimum_bps = 0;
  std::uint32_t maximum_bps = 0;
  std::optional<std::uint32_t> physical_channel_id;
  bool sequencing_required = false;

  std::string_view calling_number() const { return text.get(CallText::Field::calling_number); }
  std::string_view called_number() const { return text.get(CallText::Field::called_number); }
  std::string_view sub_address() const { return text.get(CallText::Field::sub_address); }
  void set_calling_number(std::string_view v) { text.set(CallText::Field::calling_number, v); }
  void set_called_number(std::string_view v) { text.set(CallText::Field::called_number, v); }
  void set_sub_address(std::string_view v) { text.set(CallText::Field::sub_address, v); }

  CallText text;
};

// What a step asks the tunnel to do: a message to send on this session, and whether the session
// just became established or ended (with the result for the operator).
struct Step {
  std::optional<wire::ControlMessage> send;
  bool established = false;
  std::optional<wire::ResultCode> ended;  // set when the session ended; its own CDN is in `send`
};

class Session {
 public:
  Session(std::uint16_t local_id, Role role, Direction direction, CallParameters parameters);

  // The tunnel is established: a locally requested call sends its request (ICRQ or OCRQ).
  Step start();
  // A session-scoped message from the peer, in order.
  Step receive(const wire::ControlMessage& message);
  // A local close (or a refusal): CDN with `result`, unless nothing was ever sent.
  Step close(wire::ResultCode result);
  // LAC outgoing call: the bearer answered; sends OCCN (§7.5.1).
  Step answer();

  std::uint16_t local_id() const { return local_id_; }
  std::uint16_t peer_id() const { return peer_id_; }
  Role role() const { return role_; }
  Direction direction() const { return direction_; }
  State state() const { return state_; }
  // Whether the call reached established at some point (and so is in the checkpointed database).
  bool was_established() const { return was_established_; }
  const CallParameters& parameters() const { return parameters_; }
  // When the call became established, in the caller's time; unknown for a call restored from a
  // store written before this was kept.
  std::optional<Time> established_at() const { return established_at_; }
  void set_established_at(Time at) { established_at_ = at; }

  // An established call as the store kept it, for a restarted endpoint.
  static Session restored(std::uint16_t local_id, std::uint16_t peer_id, Role role,
                          Direction direction, CallParameters parameters,
                          std::optional<Time> established_at);

  // A session created by the peer's ICRQ (we are the LNS) or OCRQ (we are the LAC): adopts its
  // Assigned Session ID and parameters and answers with ICRP (§7.4.2) or OCRP (§7.5.1).
  Step accept_request(const wire::ControlMessage& request);

 private:
  struct Input;
  // The row of this call's table for its state and `event` (call_table.hpp): its action, then
  // its new state.
  Step perform(Event event, Input input);
  void act(Action action, Input& input, Step& step);
  void check_invariants() const;
  wire::ControlMessage connected_message(wire::MessageType type) const;  // ICCN or OCCN
  void take_connect_facts(const wire::ControlMessage& connected);        // of ICCN or OCCN

  std::uint16_t local_id_;
  std::uint16_t peer_id_ = 0;
  Role role_;
  Direction direction_;
  State state_ = State::wait_tunnel;
  bool was_established_ = false;
  CallParameters parameters_;
  std::optional<Time> established_at_;
};

// The parameters carried by an ICRQ or OCRQ.
CallParameters parameters_of_request(const wire::ControlMessage& request);

}  // namespace hl2tp::session

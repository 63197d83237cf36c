#pragma once
// One negotiating protocol (LCP, later each NCP): the RFC 1661 §4 automaton with its Restart timer
// and counters (§4.6), performing the table of automaton_table.hpp. Sans-IO: the caller hands it
// the time and one input (a received packet, the lower layer's Up or Down, an administrative Open
// or Close, the timer's expiry) and gets back one NegotiationOutput: the packets to send, the next
// deadline and the layer events, in the order produced. What to request and how to judge the peer's
// request is the NegotiationPolicy the caller passes down with each input.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/bytes.hpp"
#include "base/time.hpp"
#include "ppp/automaton_table.hpp"
#include "ppp/control_packet.hpp"
#include "ppp/negotiation_policy.hpp"

namespace hl2tp::ppp {

// §4.6, with the RFC's defaults.
struct NegotiationConfig {
  std::uint16_t protocol = kLcpProtocol;  // LCP also handles codes 8–11 (§5.7–§5.9)
  Duration restart_interval = std::chrono::seconds(3);
  unsigned max_terminate = 2;   // Terminate-Requests sent without a Terminate-Ack
  unsigned max_configure = 10;  // Configure-Requests sent without a valid reply
  unsigned max_failure = 5;     // Configure-Naks sent without a Configure-Ack
  bool passive = false;         // the [p] option of §4.2 Stopped (automaton_table.hpp)
};

// The This-Layer actions of §4.4, for the layers above (up, down) and below (started, finished).
enum class LayerEvent : std::uint8_t {
  up,        // tlu: entering Opened
  down,      // tld: leaving Opened
  started,   // tls: the lower layer is needed
  finished,  // tlf: the lower layer is no longer needed
};

// Why an input changed nothing. Peer input is judged and discarded, never asserted.
enum class Discard : std::uint8_t {
  none,
  malformed,         // a length that does not fit (§5, §6), or a packet too short for its code
  lower_layer_down,  // a packet in Initial or Starting, where the table has '-'
  illegal_event,     // Up or Down where the table has '-': no transition (§4.4 Illegal-Event)
  stale_reply,       // an Ack, Nak or Reject not for our outstanding request, or a second reply
                     // to it: a duplicate (§5.2–§5.4; the [x] cells, automaton_table.hpp)
  reply_mismatch,    // an Ack not exactly our request, a Reject not a subset of it (§5.2, §5.4)
  not_opened,        // a Protocol-Reject outside Opened (§5.7)
};

struct NegotiationOutput {
  std::vector<Bytes> send;               // packets (Information fields) on our protocol, in order
  std::vector<LayerEvent> layer_events;  // in order (§4.1: a cell's actions in any order)
  std::optional<Time> deadline;          // when timeout() is due; none while the timer is stopped
  // RXJ+ from a Protocol-Reject: the caller must stop sending this protocol (§5.7).
  std::optional<std::uint16_t> rejected_protocol;
  Discard discarded = Discard::none;
  std::optional<DecodeError> decode_error;  // when discarded as malformed by the codec
  // The policy gave up on an option the peer refused, or on the peer's request after answering
  // it, and the layer was closed (Continuation).
  bool gave_up = false;
};

class Negotiation {
 public:
  explicit Negotiation(NegotiationConfig config);
  // A negotiation already Opened, as a restarted process takes it back from a checkpoint (or the
  // LNS from the LAC's proxied LCP, RFC 2661 §4.4.5): no packet is sent and no layer event given,
  // since the peer is Opened already and sees nothing change. `next_identifier` continues the
  // Identifiers of the negotiation it resumes (§5.1), so a request of ours after the resume does
  // not repeat one the peer just saw. The policy must hold the agreement (its own resumed form).
  static Negotiation resumed_opened(NegotiationConfig config, std::uint8_t next_identifier);
  // A negotiation not yet begun (Initial) whose Identifiers continue from a checkpoint: an NCP that
  // was not Opened when the process stopped starts again without reusing an Identifier the peer
  // may have just seen on one of its requests (§5.1).
  static Negotiation resumed_initial(NegotiationConfig config, std::uint8_t next_identifier);

  NegotiationOutput up(Time now, NegotiationPolicy& policy);
  NegotiationOutput down(Time now, NegotiationPolicy& policy);
  NegotiationOutput open(Time now, NegotiationPolicy& policy);
  NegotiationOutput close(Time now, NegotiationPolicy& policy);
  // The timer's expiry: TO+ or TO- if the deadline has passed, else nothing.
  NegotiationOutput timeout(Time now, NegotiationPolicy& policy);
  // A packet of our protocol, the PPP Information field as received.
  NegotiationOutput receive(Time now, std::span<const std::byte> information,
                            NegotiationPolicy& policy);
  // LCP only: a frame of a protocol we do not run arrived; a Protocol-Reject is sent if Opened
  // (§5.7), truncated to the peer's MRU.
  NegotiationOutput reject_protocol(std::uint16_t protocol, std::span<const std::byte> information,
                                    const NegotiationPolicy& policy);

  State state() const { return state_; }
  std::optional<Time> deadline() const { return deadline_; }
  unsigned restart_count() const { return restart_count_; }
  // The Identifier our next request will carry: what a checkpoint keeps.
  std::uint8_t next_identifier() const { return next_identifier_; }
  const NegotiationConfig& config() const { return config_; }

 private:
  // What a packet brought to the cell that answers it.
  struct Received {
    const ControlPacket* packet = nullptr;
    const std::vector<ConfigOption>* options = nullptr;  // of a Configure-Request
    const RequestVerdict* verdict = nullptr;             // on it, where it is answered
  };
  // Our Configure-Request, until the next one (§5.1 Identifier).
  struct Request {
    bool sent = false;
    bool answered = false;  // a valid reply came: a second is a duplicate (§5.2–§5.4)
    std::uint8_t identifier = 0;
    Bytes options;  // as sent, for retransmission and to match an Ack (§5.2)
  };

  std::optional<Event> classify(const ControlPacket& packet, Received& received,
                                RequestVerdict& verdict, std::vector<ConfigOption>& options,
                                NegotiationPolicy& policy, NegotiationOutput& out);
  std::optional<Event> classify_reply(const ControlPacket& packet,
                                      const std::vector<ConfigOption>& options,
                                      NegotiationPolicy& policy, NegotiationOutput& out);
  void apply(Time now, Event event, const Received& received, NegotiationPolicy& policy,
             NegotiationOutput& out);
  void perform(Action action, Time now, Event event, State next, const Received& received,
               NegotiationPolicy& policy, NegotiationOutput& out);
  void send(Code code, std::uint8_t identifier, Bytes data, NegotiationOutput& out) const;
  void start_timer(Time now) { deadline_ = now + config_.restart_interval; }
  void count_transmission();
  NegotiationOutput finished(NegotiationOutput out) const;
  bool is_lcp() const { return config_.protocol == kLcpProtocol; }

  NegotiationConfig config_;
  State state_ = State::initial;
  unsigned restart_count_ = 0;
  std::optional<Time> deadline_;
  std::uint8_t next_identifier_ = 1;
  Request request_;
  std::uint8_t terminate_identifier_ = 0;
  unsigned naks_sent_ = 0;  // since the last Configure-Ack (Max-Failure, §4.6)
};

}  // namespace hl2tp::ppp

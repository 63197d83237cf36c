#pragma once
// The control connection's state table, RFC 2661 §7.2.1, as data: rows of (state, event) →
// (action, new state) in the RFC's columns (connection_table.cpp), which Tunnel looks up for every
// local request and every message the channel delivers (tunnel.cpp).
//
// Our states are the RFC's, with three for what the RFC calls "Clean up → idle": `closing` (our
// StopCCN is on its way), `stopped` (StopCCN exchanged, the state kept a full retransmission cycle
// to acknowledge the peer's copies, §5.7) and `dead` (to be removed).
#include <cstdint>
#include <string_view>

#include "base/enum_set.hpp"

namespace hl2tp::tunnel {

enum class State : std::uint8_t {
  idle,            // recipient, before its SCCRQ is processed
  wait_ctl_reply,  // originator: SCCRQ sent
  wait_ctl_conn,   // recipient: SCCRP sent
  established,
  closing,  // our StopCCN is on its way
  stopped,  // StopCCN exchanged: kept only to re-ack retransmissions (§5.7)
  dead,     // to be removed
};

std::string_view name(State state);

// The RFC's "Event" column. Whether a set-up message is acceptable is judged before the row is
// looked up (Tunnel::classify): its version (§4.4.3 Protocol Version), and the Challenge and
// Challenge Response of tunnel authentication (§5.1.1).
enum class ConnectionEvent : std::uint8_t {
  local_open_request,  // Tunnel::open()
  admin_tunnel_close,  // Tunnel::close(): the operator, or the engine
  receive_sccrq_acceptable,
  receive_sccrq_not_acceptable,
  receive_sccrp_acceptable,
  receive_sccrp_not_acceptable,
  receive_scccn_acceptable,
  receive_scccn_not_acceptable,
  receive_stopccn,
  // Not in the RFC's table, which covers establishment only:
  receive_hello,          // §5.5: it needs only its acknowledgement
  receive_call_message,   // ICRQ to CDN, WEN, SLI: for the calls' own tables (§7.4, §7.5)
  receive_session_query,  // FSQ, FSR: for the recovery (RFC 4951 §3.3)
  // A message an RFC 4951 recovery tunnel does not carry once set up (§3.2.1): acked, ignored.
  receive_beyond_recovery,
};

// The RFC's "Action" column.
enum class ConnectionAction : std::uint8_t {
  none,                   // the channel's acknowledgement is all
  send_sccrq,             // "Send SCCRQ"
  send_sccrp,             // "Send SCCRP", having taken the peer's tunnel ID, window and name
  send_scccn_open_calls,  // "Send SCCCN, Send tunnel-open event to waiting sessions"
  open_calls,             // "Send tunnel-open event to waiting sessions"
  refuse,                 // "Send StopCCN, Clean up", saying why it was not acceptable
  stop,                   // "Send StopCCN, Clean up" on a local close
  refuse_out_of_place,    // "Send StopCCN, Clean up" for a message the state does not allow
  clean_up,               // "Clean up" on the peer's StopCCN (acknowledged by the channel)
  to_call,                // to the call's table (tunnel_calls.cpp)
  to_recovery,            // to the tunnel's recovery (failover/tunnel_recovery.hpp)
};

struct ConnectionRow {
  EnumSet<State> state;
  EnumSet<ConnectionEvent> event;
  ConnectionAction action;
  // The RFC's "idle" after a clean-up is `closing` after our StopCCN (or `dead` at once when the
  // peer never told us its tunnel ID, so that no StopCCN can reach it) and `stopped` after its.
  State next;
};

// The row for a state and an event; every pair has one (checked when the table is compiled).
const ConnectionRow& connection_row(State state, ConnectionEvent event);

}  // namespace hl2tp::tunnel

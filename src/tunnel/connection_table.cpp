// RFC 2661 §7.2.1, row for row in the RFC's order, then the rows it does not write, each with its
// reason. A cell of several states or events is a row of the RFC's that names several.
#include "tunnel/connection_table.hpp"

#include "base/invariant.hpp"

namespace hl2tp::tunnel {
namespace {

using enum State;
using enum ConnectionEvent;
using enum ConnectionAction;

// Every message the channel can deliver to the table, and the set-up messages among them.
constexpr EnumSet<ConnectionEvent> kReceivedButStopCcn{receive_sccrq_acceptable,
                                                       receive_sccrq_not_acceptable,
                                                       receive_sccrp_acceptable,
                                                       receive_sccrp_not_acceptable,
                                                       receive_scccn_acceptable,
                                                       receive_scccn_not_acceptable,
                                                       receive_hello,
                                                       receive_call_message,
                                                       receive_session_query,
                                                       receive_beyond_recovery};
constexpr EnumSet<ConnectionEvent> kSccrq{receive_sccrq_acceptable, receive_sccrq_not_acceptable};
constexpr EnumSet<ConnectionEvent> kSccrp{receive_sccrp_acceptable, receive_sccrp_not_acceptable};
constexpr EnumSet<ConnectionEvent> kScccn{receive_scccn_acceptable, receive_scccn_not_acceptable};
// What only an established tunnel carries.
constexpr EnumSet<ConnectionEvent> kEstablishedOnly{receive_hello, receive_call_message,
                                                    receive_session_query, receive_beyond_recovery};

// clang-format off
constexpr ConnectionRow kRows[] = {
  // State            Event                          Action                  New State
  {idle,              local_open_request,            send_sccrq,             wait_ctl_reply},
  {idle,              receive_sccrq_acceptable,      send_sccrp,             wait_ctl_conn},
  {idle,              receive_sccrq_not_acceptable,  refuse,                 closing},
  // "idle, Receive SCCRP → Send StopCCN, Clean up" and "Receive SCCCN → Clean up": a recipient's
  // tunnel is made for an SCCRQ (Endpoint::on_tunnel_zero) and an originator's in idle has sent
  // nothing, so neither can happen; without the peer's tunnel ID no StopCCN can go either.
  {idle,              kSccrp | kScccn,               refuse_out_of_place,    closing},
  {wait_ctl_reply,    receive_sccrp_acceptable,      send_scccn_open_calls,  established},
  {wait_ctl_reply,    receive_sccrp_not_acceptable,  refuse,                 closing},
  // "wait-ctl-reply, Receive SCCRQ, lose tie-breaker → Clean up, Re-queue SCCRQ for idle state":
  // the SCCRQ comes on tunnel 0, and the engine weighs it against ours (Endpoint::resolve_tie),
  // discarding this tunnel when we lose. One that names this tunnel is out of place.
  {wait_ctl_reply,    kSccrq | kScccn,               refuse_out_of_place,    closing},
  {wait_ctl_conn,     receive_scccn_acceptable,      open_calls,             established},
  {wait_ctl_conn,     receive_scccn_not_acceptable,  refuse,                 closing},
  {wait_ctl_conn,     kSccrp | kSccrq,               refuse_out_of_place,    closing},
  // "established, Local Open request (new call)" is Tunnel::open_session: a call, not this table.
  {established,       admin_tunnel_close,            stop,                   closing},
  {established,       kSccrq | kSccrp | kScccn,      refuse_out_of_place,    closing},
  {{idle,
    wait_ctl_reply,
    wait_ctl_conn,
    established},     receive_stopccn,               clean_up,               stopped},

  // Not in the RFC's table.
  // A tunnel closed before it was set up sends its StopCCN if it can (§5.7).
  {{idle,
    wait_ctl_reply,
    wait_ctl_conn},   admin_tunnel_close,            stop,                   closing},
  {established,       receive_hello,                 none,                   established},
  {established,       receive_call_message,          to_call,                established},
  {established,       receive_session_query,         to_recovery,            established},
  {established,       receive_beyond_recovery,       none,                   established},
  // Before establishment only set-up messages and StopCCN belong (§7.2.1's rows say as much).
  {{idle,
    wait_ctl_reply,
    wait_ctl_conn},   kEstablishedOnly,              refuse_out_of_place,    closing},
  // Our StopCCN is out: only the channel's acks matter now, and the peer's StopCCN crossing ours
  // ends it as its acknowledgement would.
  {closing,           receive_stopccn,               clean_up,               stopped},
  {closing,           kReceivedButStopCcn,           none,                   closing},
  {closing,           admin_tunnel_close,            none,                   closing},
  {stopped,           admin_tunnel_close,            none,                   stopped},
};
// clang-format on

// How many rows a state and an event have (by their underlying values).
constexpr unsigned rows_for(unsigned state, unsigned event) {
  unsigned n = 0;
  for (const ConnectionRow& row : kRows)
    n += row.state.contains_value(state) && row.event.contains_value(event) ? 1 : 0;
  return n;
}

// Where the engine can call or the channel deliver, exactly one row, and none elsewhere: a dead
// tunnel is only removed, a stopped one delivers nothing more (Tunnel::receive), and only an idle
// one is opened.
consteval bool every_pair_has_its_row() {
  for (unsigned s = 0; s <= static_cast<unsigned>(dead); ++s) {
    for (unsigned e = 0; e <= static_cast<unsigned>(receive_beyond_recovery); ++e) {
      const auto state = static_cast<State>(s);
      const auto event = static_cast<ConnectionEvent>(e);
      const bool can_happen =
          state != dead &&
          (event == local_open_request   ? state == idle
           : event == admin_tunnel_close ? true
                                         : state != stopped);  // receive() stops at stopped
      if (rows_for(s, e) != (can_happen ? 1u : 0u)) return false;
    }
  }
  return true;
}
static_assert(every_pair_has_its_row());

// Only StopCCN-sending actions lead to closing from elsewhere, only clean_up to stopped, and
// established is entered only by the actions that complete a set-up.
consteval bool actions_match_new_states() {
  for (const ConnectionRow& row : kRows) {
    const bool stops =
        row.action == refuse || row.action == stop || row.action == refuse_out_of_place;
    if (stops != (row.next == closing && !row.state.contains(closing))) return false;
    if ((row.action == clean_up) != (row.next == stopped && !row.state.contains(stopped))) {
      return false;
    }
    const bool completes = row.action == send_scccn_open_calls || row.action == open_calls;
    if (completes != (row.next == established && !row.state.contains(established))) return false;
  }
  return true;
}
static_assert(actions_match_new_states());

}  // namespace

const ConnectionRow& connection_row(State state, ConnectionEvent event) {
  for (const ConnectionRow& row : kRows) {
    if (row.state.contains(state) && row.event.contains(event)) return row;
  }
  HL2TP_INVARIANT(false && "no row of RFC 2661 §7.2.1 for this state and event");
  return kRows[0];
}

std::string_view name(State state) {
  switch (state) {
    case State::idle:
      return "idle";
    case State::wait_ctl_reply:
      return "wait-ctl-reply";
    case State::wait_ctl_conn:
      return "wait-ctl-conn";
    case State::established:
      return "established";
    case State::closing:
      return "closing";
    case State::stopped:
      return "stopped";
    case State::dead:
      return "dead";
  }
  return "?";
}

}  // namespace hl2tp::tunnel

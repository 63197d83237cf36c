#pragma once
// The call state tables of RFC 2661 §7.4.1, §7.4.2, §7.5.1 and §7.5.2 as data: rows of
// (state, event) → (action, new state) in the RFC's columns, so that each table reads beside its
// section (incoming_call_tables.cpp, outgoing_call_tables.cpp). A Session finds the row for its
// table, its state and the event, performs the action and takes the new state (session.cpp).
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>

#include "base/enum_set.hpp"
#include "base/invariant.hpp"
#include "session/session.hpp"

namespace hl2tp::session {

// The RFC's "Event" column, as the events reach a Session.
enum class Event : std::uint8_t {
  // What the tunnel asks.
  tunnel_open,          // start(): "tunnel-open"
  local_close_request,  // close(): "Local close request", and "Bearer line drop" and "Bearer
                        // failure": our bearer is virtual and ends only this way
  bearer_answer,        // answer(): "Bearer answer, framing detected"
  // accept_request(): a call request the tunnel found acceptable. Refusing one takes no session
  // (Tunnel::refuse_call sends the "not acceptable" rows' CDN).
  receive_icrq_acceptable,
  receive_ocrq_acceptable,
  // receive(): one event per call message from the peer (§6.6–§6.12). Where the RFC tells an
  // acceptable ICRP or ICCN from one that is not, every one that reaches a session is acceptable:
  // the decoder refused those without their required AVPs (wire/required_avps.cpp), and nothing
  // else in them is judged. Tunnel::on_call_request takes every ICRQ and OCRQ, so receive_icrq and
  // receive_ocrq are here for the rows the RFC writes.
  receive_icrq,
  receive_icrp,
  receive_iccn,
  receive_ocrq,
  receive_ocrp,
  receive_occn,
  receive_cdn,
};

// The RFC's "Action" column.
enum class Action : std::uint8_t {
  none,               // "none"; also a message ignored where the RFC has no row
  clean_up,           // "Clean up": the call ends with the CDN's result, or the local close's
  send_cdn_clean_up,  // "Send CDN, Clean up": with the local close's result, or a General Error
                      // for a message out of place (§4.4.2)
  send_icrq,          // "Send ICRQ", with the call's facts (§6.6)
  send_ocrq,          // "Send OCRQ" (§6.9)
  send_icrp,          // "Send ICRP", having taken the ICRQ's Assigned Session ID and facts
  send_ocrp,          // "Send OCRP, Open bearer": likewise for the OCRQ; the tunnel answers the
                      // bearer at once (answer())
  send_iccn,          // "Send ICCN", having taken the ICRP's Assigned Session ID
  send_occn,          // "Send OCCN"
  learn_peer_id,      // the RFC's "none" on an OCRP: but its Assigned Session ID is the ID every
                      // later message of the call carries (§3.1, §6.10), so it is taken
  prepare_for_data,   // "Prepare for data": the connect facts of the ICCN or OCCN are taken; the
                      // RFC's "none" on an OCCN does the same, the OCCN carrying the same facts
};

// A set of states or events: the RFC writes several in one cell where the rest of a row is shared.
template <typename E>
using Set = EnumSet<E>;

// Every call message the peer can send: in each state it can be in while the peer knows it, a
// call answers each of them, because peer input is refused, never asserted (base/invariant.hpp).
inline constexpr Set<Event> kPeerEvents{
    Event::receive_icrq, Event::receive_icrp, Event::receive_iccn, Event::receive_ocrq,
    Event::receive_ocrp, Event::receive_occn, Event::receive_cdn};

// One line of an RFC table. The RFC's "idle" after a clean-up is `closed` here: the tunnel forgets
// the session at once (Tunnel::apply), so closed has no rows.
struct Row {
  Set<State> state;
  Set<Event> event;
  Action action;
  State next;
};

// A call the peer requests starts in the RFC's idle, and takes its first row (receive an
// acceptable ICRQ or OCRQ) as soon as the tunnel makes its Session. A Session has no state of its
// own for that instant: every new one is in wait_tunnel, "nothing sent yet", which the tables of
// such calls (§7.4.2, §7.5.1) call idle.
inline constexpr State idle = State::wait_tunnel;

struct CallTable {
  std::string_view section;  // the RFC section it transcribes, for the reader
  Role role;
  Direction direction;
  bool placed_by_us;  // starts in wait_tunnel, waiting for the tunnel; else in idle (see above)
  std::span<const Row> rows;
};

// The row for a state and an event; null where the table has none.
constexpr const Row* find_row(const CallTable& table, State state, Event event) {
  for (const Row& row : table.rows) {
    if (row.state.contains(state) && row.event.contains(event)) return &row;
  }
  return nullptr;
}

// Whether a table has rows for a state: the states a call of the table can be in, but closed.
constexpr bool has_rows(const CallTable& table, State state) {
  for (const Row& row : table.rows) {
    if (row.state.contains(state)) return true;
  }
  return false;
}

// What every table must be, checked when it is compiled (static_assert beside each table).

// How many rows a table has for a state and an event (by their underlying values).
constexpr unsigned rows_for(const CallTable& table, unsigned state, unsigned event) {
  unsigned n = 0;
  for (const Row& row : table.rows)
    n += row.state.contains_value(state) && row.event.contains_value(event) ? 1 : 0;
  return n;
}

// At most one row for a state and an event: the machine is deterministic.
consteval bool deterministic(const CallTable& table) {
  for (unsigned s = 0; s < Set<State>::kCapacity; ++s) {
    for (unsigned e = 0; e < Set<Event>::kCapacity; ++e) {
      if (rows_for(table, s, e) > 1) return false;
    }
  }
  return true;
}

// Each state the peer can find the call in has a row for every message the peer can send: the
// state a call we place starts in (the peer may name its ID while it waits for a recovering
// tunnel), and every state a row leads to but closed. A call the peer places leaves idle at once.
consteval bool answers_the_peer_everywhere(const CallTable& table) {
  Set<State> reachable;
  if (table.placed_by_us) reachable = State::wait_tunnel;
  for (const Row& row : table.rows) {
    if (row.next != State::closed) reachable = reachable | row.next;
  }
  for (unsigned s = 0; s < Set<State>::kCapacity; ++s) {
    for (unsigned e = 0; e < Set<Event>::kCapacity; ++e) {
      if (reachable.contains_value(s) && kPeerEvents.contains_value(e) &&
          rows_for(table, s, e) == 0) {
        return false;
      }
    }
  }
  return true;
}

// A call's first row is tunnel-open where we place the call, an acceptable request where the peer
// does, either only in the state the call starts in; and no row leads back to that state.
consteval bool starts_as_placed(const CallTable& table) {
  for (const Row& row : table.rows) {
    const bool opens = row.event.contains(Event::tunnel_open);
    const bool accepts = row.event.contains(Event::receive_icrq_acceptable) ||
                         row.event.contains(Event::receive_ocrq_acceptable);
    if ((opens && !table.placed_by_us) || (accepts && table.placed_by_us)) return false;
    if ((opens || accepts) && row.state != Set<State>(State::wait_tunnel)) return false;
    if (row.next == State::wait_tunnel && row.state != Set<State>(State::wait_tunnel)) return false;
  }
  return true;
}

// closed has no rows; only the actions that end a call lead to closed, and they lead nowhere else;
// only the actions that complete a call's set-up enter established, which a call enters once (the
// tunnel records it then, Tunnel::apply).
consteval bool actions_match_new_states(const CallTable& table) {
  for (const Row& row : table.rows) {
    if (row.state.contains(State::closed)) return false;
    const bool ends = row.action == Action::clean_up || row.action == Action::send_cdn_clean_up;
    if (ends != (row.next == State::closed)) return false;
    const bool connects = row.action == Action::send_iccn || row.action == Action::send_occn ||
                          row.action == Action::prepare_for_data;
    const bool enters_established =
        row.next == State::established && !row.state.contains(State::established);
    if (connects != enters_established) return false;
    if (row.next == State::established && row.state.contains(State::established)) return false;
  }
  return true;
}

// The four tables (incoming_call_tables.cpp, outgoing_call_tables.cpp).
extern const CallTable kLacIncomingCalls;  // §7.4.1
extern const CallTable kLnsIncomingCalls;  // §7.4.2
extern const CallTable kLacOutgoingCalls;  // §7.5.1
extern const CallTable kLnsOutgoingCalls;  // §7.5.2

// The table of a call of `role` and `direction`.
inline const CallTable& call_table(Role role, Direction direction) {
  const bool incoming = direction == Direction::incoming;
  const CallTable& table = role == Role::lac ? (incoming ? kLacIncomingCalls : kLacOutgoingCalls)
                                             : (incoming ? kLnsIncomingCalls : kLnsOutgoingCalls);
  HL2TP_INVARIANT(table.role == role && table.direction == direction);
  return table;
}

}  // namespace hl2tp::session

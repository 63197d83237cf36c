#pragma once
// The option-negotiation automaton of RFC 1661 §4 as data: the state transition table of §4.1,
// one row per event and one cell per state, each cell either the RFC's "actions/new-state" or its
// '-' (an event that cannot happen in that state). automaton_table.cpp holds the table, written in
// the RFC's layout, and the checks made on it when it is compiled; negotiation.cpp performs it.
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>

#include "base/enum_set.hpp"

namespace hl2tp::ppp {

// §4.2, numbered as the RFC's columns.
enum class State : std::uint8_t {
  initial,   // 0: lower layer Down, no Open
  starting,  // 1: Open, lower layer still Down
  closed,    // 2: lower layer Up, no Open
  stopped,   // 3: Open, waiting for Down after This-Layer-Finished, or after a Terminate-Ack
  closing,   // 4: Terminate-Request sent after a Close
  stopping,  // 5: Terminate-Request sent, Open still in force
  req_sent,  // 6: Configure-Request sent
  ack_rcvd,  // 7: Configure-Request sent and acknowledged
  ack_sent,  // 8: Configure-Request sent, the peer's acknowledged
  opened,    // 9: both acknowledged
};
inline constexpr std::size_t kStateCount = 10;

// §4.3, in the RFC's order (the rows of §4.1).
enum class Event : std::uint8_t {
  up,                // Up: lower layer is Up
  down,              // Down: lower layer is Down
  open,              // Open: administrative Open
  close,             // Close: administrative Close
  timeout_retry,     // TO+: Restart timer expired, counter > 0
  timeout_expired,   // TO-: Restart timer expired, counter expired
  rcr_good,          // RCR+: Configure-Request acceptable
  rcr_bad,           // RCR-: Configure-Request not acceptable
  rca,               // RCA: valid Configure-Ack
  rcn,               // RCN: valid Configure-Nak or Configure-Reject
  rtr,               // RTR: Terminate-Request
  rta,               // RTA: Terminate-Ack
  ruc,               // RUC: unknown Code
  rxj_permitted,     // RXJ+: Code-Reject or Protocol-Reject of something we can do without
  rxj_catastrophic,  // RXJ-: Code-Reject or Protocol-Reject that ends the link
  rxr,               // RXR: Echo-Request, Echo-Reply or Discard-Request
};
inline constexpr std::size_t kEventCount = 16;

// §4.4.
enum class Action : std::uint8_t {
  tlu,  // This-Layer-Up
  tld,  // This-Layer-Down
  tls,  // This-Layer-Started
  tlf,  // This-Layer-Finished
  irc,  // Initialize-Restart-Count
  zrc,  // Zero-Restart-Count
  scr,  // Send-Configure-Request
  sca,  // Send-Configure-Ack
  scn,  // Send-Configure-Nak/Rej
  str,  // Send-Terminate-Request
  sta,  // Send-Terminate-Ack
  scj,  // Send-Code-Reject
  ser,  // Send-Echo-Reply
};

// The letters after a new state in §4.1 and how each is taken (negotiation.cpp):
enum class Footnote : std::uint8_t {
  none,
  // [r] Restart option (§4.3 Open): an Open in Opened, Closing, Stopping or Stopped MAY be taken as
  // Down then Up, to renegotiate. Not taken: the cell is performed as written, and a caller that
  // wants a renegotiation gives Down and Up itself.
  restart,
  // [p] Passive option (§4.2 Stopped): after Max-Configure unanswered requests, wait for the peer
  // without This-Layer-Finished. Taken when NegotiationConfig::passive is set; off by default, as
  // the RFC advises for switched circuits, which an L2TP session is.
  passive,
  // [x] Crossed connection (§4.3 RCA): an Ack or Nak arriving in Ack-Rcvd or Opened, where our
  // request was already answered. Kept in the table as written, but not reached: §4.3 has invalid
  // replies discarded, and a second reply to a request already answered is taken as a duplicate
  // (negotiation.cpp), which on a lossy link it nearly always is; a duplicated Ack must not tear
  // down an Opened link.
  crossed,
};

// The RFC writes at most three actions in a cell ("tld,scr,sca").
inline constexpr std::size_t kMaxActions = 3;

// One cell: the actions in the RFC's order and the new state, or '-'.
class Cell {
 public:
  // "n": no action, new state n.
  constexpr Cell(State next) : can_happen_(true), next_(next) {}  // NOLINT: the table's notation
  // "a,b/n" and "a/np": actions, new state, footnote.
  constexpr Cell(std::initializer_list<Action> actions, State next, Footnote note = Footnote::none)
      : can_happen_(true), next_(next), note_(note) {
    for (Action a : actions) {
      if (count_ < kMaxActions) actions_[count_] = a;
      ++count_;  // more than kMaxActions is refused by the table's checks
    }
  }
  // '-'.
  static constexpr Cell cannot_happen() { return Cell(); }

  constexpr bool can_happen() const { return can_happen_; }
  constexpr std::span<const Action> actions() const {
    return std::span<const Action>(actions_.data(), count_ <= kMaxActions ? count_ : kMaxActions);
  }
  constexpr std::size_t action_count() const { return count_; }
  constexpr bool has(Action a) const {
    for (Action x : actions())
      if (x == a) return true;
    return false;
  }
  constexpr State next() const { return next_; }
  constexpr Footnote note() const { return note_; }

 private:
  constexpr Cell() = default;
  bool can_happen_ = false;
  std::array<Action, kMaxActions> actions_{};
  std::size_t count_ = 0;
  State next_ = State::initial;
  Footnote note_ = Footnote::none;
};

// One row of §4.1: an event and its cell in each state, in the RFC's column order.
struct Row {
  Event event;
  Cell cells[kStateCount];
};

// The cell of a state and an event.
const Cell& transition(State state, Event event);

// States in which the Restart timer runs: those with TO rows (§4.1, below the table).
inline constexpr EnumSet<State> kTimerStates{State::closing, State::stopping, State::req_sent,
                                             State::ack_rcvd, State::ack_sent};
// States in which a Configure-Request of ours is outstanding or was acknowledged.
inline constexpr EnumSet<State> kConfiguring{State::req_sent, State::ack_rcvd, State::ack_sent};

std::string_view name(State state);
std::string_view name(Event event);
std::string_view name(Action action);

}  // namespace hl2tp::ppp

// RFC 1661 §4.1, row for row and column for column. The RFC's rows are events and its columns
// states; each row here is one event, its cells in the RFC's column order, three states to a line
// and Opened alone on the last. A cell is written as the RFC writes it (the footnotes, and how
// each is taken, are in automaton_table.hpp):
//   n                 "n"        no action, new state n
//   {{a, b}, n}       "a,b/n"    actions in the RFC's order, new state n
//   {{a}, n, p}       "a/np"     the same with the footnote letter after the new state
//   dash              "-"        cannot happen
#include "ppp/automaton_table.hpp"

#include "base/invariant.hpp"

namespace hl2tp::ppp {
namespace {

using enum State;
using enum Action;

constexpr Cell dash = Cell::cannot_happen();
constexpr Footnote r = Footnote::restart;
constexpr Footnote p = Footnote::passive;
constexpr Footnote x = Footnote::crossed;

// clang-format off
constexpr Row kTable[] = {
  // Event
  //   0 Initial                     1 Starting                    2 Closed
  //   3 Stopped                     4 Closing                     5 Stopping
  //   6 Req-Sent                    7 Ack-Rcvd                    8 Ack-Sent
  //   9 Opened
  {Event::up,
    {closed,                       {{irc, scr}, req_sent},       dash,
     dash,                         dash,                         dash,
     dash,                         dash,                         dash,
     dash}},
  {Event::down,
    {dash,                         dash,                         initial,
     {{tls}, starting},            initial,                      starting,
     starting,                     starting,                     starting,
     {{tld}, starting}}},
  {Event::open,
    {{{tls}, starting},            starting,                     {{irc, scr}, req_sent},
     {{}, stopped, r},             {{}, stopping, r},            {{}, stopping, r},
     req_sent,                     ack_rcvd,                     ack_sent,
     {{}, opened, r}}},
  {Event::close,
    {initial,                      {{tlf}, initial},             closed,
     closed,                       closing,                      closing,
     {{irc, str}, closing},        {{irc, str}, closing},        {{irc, str}, closing},
     {{tld, irc, str}, closing}}},

  {Event::timeout_retry,
    {dash,                         dash,                         dash,
     dash,                         {{str}, closing},             {{str}, stopping},
     {{scr}, req_sent},            {{scr}, req_sent},            {{scr}, ack_sent},
     dash}},
  {Event::timeout_expired,
    {dash,                         dash,                         dash,
     dash,                         {{tlf}, closed},              {{tlf}, stopped},
     {{tlf}, stopped, p},          {{tlf}, stopped, p},          {{tlf}, stopped, p},
     dash}},

  {Event::rcr_good,
    {dash,                         dash,                         {{sta}, closed},
     {{irc, scr, sca}, ack_sent},  closing,                      stopping,
     {{sca}, ack_sent},            {{sca, tlu}, opened},         {{sca}, ack_sent},
     {{tld, scr, sca}, ack_sent}}},
  {Event::rcr_bad,
    {dash,                         dash,                         {{sta}, closed},
     {{irc, scr, scn}, req_sent},  closing,                      stopping,
     {{scn}, req_sent},            {{scn}, ack_rcvd},            {{scn}, req_sent},
     {{tld, scr, scn}, req_sent}}},
  {Event::rca,
    {dash,                         dash,                         {{sta}, closed},
     {{sta}, stopped},             closing,                      stopping,
     {{irc}, ack_rcvd},            {{scr}, req_sent, x},         {{irc, tlu}, opened},
     {{tld, scr}, req_sent, x}}},
  {Event::rcn,
    {dash,                         dash,                         {{sta}, closed},
     {{sta}, stopped},             closing,                      stopping,
     {{irc, scr}, req_sent},       {{scr}, req_sent, x},         {{irc, scr}, ack_sent},
     {{tld, scr}, req_sent, x}}},

  {Event::rtr,
    {dash,                         dash,                         {{sta}, closed},
     {{sta}, stopped},             {{sta}, closing},             {{sta}, stopping},
     {{sta}, req_sent},            {{sta}, req_sent},            {{sta}, req_sent},
     {{tld, zrc, sta}, stopping}}},
  {Event::rta,
    {dash,                         dash,                         closed,
     stopped,                      {{tlf}, closed},              {{tlf}, stopped},
     req_sent,                     req_sent,                     ack_sent,
     {{tld, scr}, req_sent}}},

  {Event::ruc,
    {dash,                         dash,                         {{scj}, closed},
     {{scj}, stopped},             {{scj}, closing},             {{scj}, stopping},
     {{scj}, req_sent},            {{scj}, ack_rcvd},            {{scj}, ack_sent},
     {{scj}, opened}}},
  {Event::rxj_permitted,
    {dash,                         dash,                         closed,
     stopped,                      closing,                      stopping,
     req_sent,                     req_sent,                     ack_sent,
     opened}},
  {Event::rxj_catastrophic,
    {dash,                         dash,                         {{tlf}, closed},
     {{tlf}, stopped},             {{tlf}, closed},              {{tlf}, stopped},
     {{tlf}, stopped},             {{tlf}, stopped},             {{tlf}, stopped},
     {{tld, irc, str}, stopping}}},

  {Event::rxr,
    {dash,                         dash,                         closed,
     stopped,                      closing,                      stopping,
     req_sent,                     ack_rcvd,                     ack_sent,
     {{ser}, opened}}},
};
// clang-format on

// What the table must be, checked when it is compiled.

constexpr bool is_packet(Event e) {
  return e >= Event::rcr_good;
}
constexpr bool is_timeout(Event e) {
  return e == Event::timeout_retry || e == Event::timeout_expired;
}

// One row per event, in the RFC's order, so that kTable[e] is event e's row. (Each row has exactly
// one cell per state: a missing cell does not compile, Cell having no public default.)
consteval bool rows_in_order() {
  if (std::size(kTable) != kEventCount) return false;
  for (std::size_t e = 0; e < kEventCount; ++e) {
    if (kTable[e].event != static_cast<Event>(e)) return false;
  }
  return true;
}
static_assert(rows_in_order());

// Which events can happen where (§4.2, §4.3): while the lower layer is Down (Initial, Starting)
// only Up, Open and Close, and no packet arrives; with it Up, everything but Up; the Restart timer
// expires only where it runs.
consteval bool dashes_where_the_rfc_has_them() {
  for (std::size_t e = 0; e < kEventCount; ++e) {
    for (std::size_t s = 0; s < kStateCount; ++s) {
      const auto event = static_cast<Event>(e);
      const auto state = static_cast<State>(s);
      const bool lower_down = state == initial || state == starting;
      bool can = true;
      if (event == Event::up) can = lower_down;
      if (event == Event::down || is_packet(event)) can = !lower_down;
      if (is_timeout(event)) can = kTimerStates.contains(state);
      if (kTable[e].cells[s].can_happen() != can) return false;
    }
  }
  return true;
}
static_assert(dashes_where_the_rfc_has_them());

// Each cell's actions agree with its states (§4.4):
consteval bool actions_match_states() {
  for (std::size_t e = 0; e < kEventCount; ++e) {
    const auto event = static_cast<Event>(e);
    for (std::size_t s = 0; s < kStateCount; ++s) {
      const auto from = static_cast<State>(s);
      const Cell& cell = kTable[e].cells[s];
      if (!cell.can_happen()) continue;
      const State to = cell.next();
      // at most three actions, none twice;
      if (cell.action_count() > kMaxActions) return false;
      for (std::size_t i = 0; i < cell.actions().size(); ++i) {
        for (std::size_t j = i + 1; j < cell.actions().size(); ++j) {
          if (cell.actions()[i] == cell.actions()[j]) return false;
        }
      }
      // tlu exactly when entering Opened, tld exactly when leaving it;
      if (cell.has(tlu) != (to == opened && from != opened)) return false;
      if (cell.has(tld) != (from == opened && to != opened)) return false;
      // tls only into Starting, tlf only into Initial, Closed or Stopped;
      if (cell.has(tls) && to != starting) return false;
      if (cell.has(tlf) && to != initial && to != closed && to != stopped) return false;
      // scr only into a configuring state, str and zrc only into Closing or Stopping;
      if (cell.has(scr) && !kConfiguring.contains(to)) return false;
      if ((cell.has(str) || cell.has(zrc)) && to != closing && to != stopping) return false;
      // the Restart timer runs in the new state only if it ran before or a cell starts it
      // (only scr, str and zrc start it, §4.1 below the table);
      const bool starts_timer = cell.has(scr) || cell.has(str) || cell.has(zrc);
      if (kTimerStates.contains(to) && !kTimerStates.contains(from) && !starts_timer) return false;
      if (starts_timer && !kTimerStates.contains(to)) return false;
      // irc only where a counter is then used: a state with the timer, or Opened (§4.4);
      if (cell.has(irc) && !kTimerStates.contains(to) && to != opened) return false;
      // replies answer the packet that asks for them.
      if (cell.has(sca) && event != Event::rcr_good) return false;
      if (cell.has(scn) && event != Event::rcr_bad) return false;
      if (cell.has(sta) && !is_packet(event)) return false;
      if (cell.has(scj) && event != Event::ruc) return false;
      if (cell.has(ser) && event != Event::rxr) return false;
    }
  }
  return true;
}
static_assert(actions_match_states());

constexpr bool same_cell(const Cell& a, const Cell& b) {
  if (a.can_happen() != b.can_happen() || a.next() != b.next() || a.note() != b.note()) {
    return false;
  }
  if (a.action_count() != b.action_count()) return false;
  for (std::size_t i = 0; i < a.actions().size(); ++i) {
    if (a.actions()[i] != b.actions()[i]) return false;
  }
  return true;
}

// RCR+ and RCR- differ only where the request is answered (sca or scn): elsewhere the request need
// not be judged at all (negotiation.cpp judges it only where it is answered).
consteval bool configure_request_judged_only_where_answered() {
  for (std::size_t s = 0; s < kStateCount; ++s) {
    const Cell& good = kTable[static_cast<std::size_t>(Event::rcr_good)].cells[s];
    const Cell& bad = kTable[static_cast<std::size_t>(Event::rcr_bad)].cells[s];
    if (good.has(sca) != bad.has(scn)) return false;
    if (!good.has(sca) && !same_cell(good, bad)) return false;
  }
  return true;
}
static_assert(configure_request_judged_only_where_answered());

}  // namespace

const Cell& transition(State state, Event event) {
  const auto s = static_cast<std::size_t>(state);
  const auto e = static_cast<std::size_t>(event);
  HL2TP_INVARIANT(s < kStateCount && e < kEventCount);
  return kTable[e].cells[s];
}

std::string_view name(State state) {
  static constexpr std::string_view kNames[kStateCount] = {
      "Initial",  "Starting", "Closed",   "Stopped",  "Closing",
      "Stopping", "Req-Sent", "Ack-Rcvd", "Ack-Sent", "Opened"};
  const auto s = static_cast<std::size_t>(state);
  return s < kStateCount ? kNames[s] : "?";
}

std::string_view name(Event event) {
  static constexpr std::string_view kNames[kEventCount] = {
      "Up",  "Down", "Open", "Close", "TO+", "TO-",  "RCR+", "RCR-",
      "RCA", "RCN",  "RTR",  "RTA",   "RUC", "RXJ+", "RXJ-", "RXR"};
  const auto e = static_cast<std::size_t>(event);
  return e < kEventCount ? kNames[e] : "?";
}

std::string_view name(Action action) {
  static constexpr std::string_view kNames[] = {"tlu", "tld", "tls", "tlf", "irc", "zrc", "scr",
                                                "sca", "scn", "str", "sta", "scj", "ser"};
  const auto a = static_cast<std::size_t>(action);
  return a < std::size(kNames) ? kNames[a] : "?";
}

}  // namespace hl2tp::ppp

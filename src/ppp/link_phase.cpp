// RFC 1661 §3.2's diagram, one row per phase and one cell per event, in the enums' order. A cell
// is the next phase, or `no` where the diagram and §3.3-§3.7 have no arrow: the Link asserts that
// it never asks for one.
#include "ppp/link_phase.hpp"

#include "base/invariant.hpp"

namespace hl2tp::ppp {
namespace {

using enum Phase;
constexpr std::optional<Phase> no = std::nullopt;

// clang-format off
constexpr std::optional<Phase> kDiagram[kPhaseCount][kPhaseEventCount] = {
  //                up         opened        success  fail       closing    renegotiate finished down
  /* dead      */ {establish, no,           no,      no,        no,        no,         dead,    dead},
  /* establish */ {no,        authenticate, no,      no,        terminate, no,         dead,    dead},
  /* auth.     */ {no,        no,           network, terminate, terminate, establish,  no,      dead},
  /* network   */ {no,        no,           no,      no,        terminate, establish,  no,      dead},
  /* terminate */ {no,        no,           no,      no,        terminate, no,         dead,    dead},
};
// clang-format on

// The diagram's own arrows are there (§3.2).
static_assert(kDiagram[0][0] == establish);     // Dead --UP--> Establish
static_assert(kDiagram[1][1] == authenticate);  // Establish --OPENED--> Authenticate
static_assert(kDiagram[1][6] == dead);          // Establish --FAIL--> Dead
static_assert(kDiagram[2][2] == network);       // Authenticate --SUCCESS/NONE--> Network
static_assert(kDiagram[2][3] == terminate);     // Authenticate --FAIL--> Terminate
static_assert(kDiagram[3][4] == terminate);     // Network --CLOSING--> Terminate
static_assert(kDiagram[4][7] == dead);          // Terminate --DOWN--> Dead

}  // namespace

std::optional<Phase> next_phase(Phase phase, PhaseEvent event) {
  const auto p = static_cast<std::size_t>(phase);
  const auto e = static_cast<std::size_t>(event);
  HL2TP_INVARIANT(p < kPhaseCount && e < kPhaseEventCount);
  return kDiagram[p][e];
}

EnumSet<State> lcp_states(Phase phase) {
  switch (phase) {
    case Phase::dead:
      return {State::initial, State::starting, State::closed};
    case Phase::establish:
      // Stopped too, with the passive option (§4.2 [p]): waiting for the peer without tlf.
      return kConfiguring | State::stopped;
    case Phase::authenticate:
    case Phase::network:
      return {State::opened};
    case Phase::terminate:
      return {State::closing, State::stopping};
  }
  return {};
}

std::string_view name(Phase phase) {
  static constexpr std::string_view kNames[kPhaseCount] = {"Dead", "Establish", "Authenticate",
                                                           "Network", "Terminate"};
  const auto p = static_cast<std::size_t>(phase);
  return p < kPhaseCount ? kNames[p] : "?";
}

std::string_view name(PhaseEvent event) {
  static constexpr std::string_view kNames[kPhaseEventCount] = {
      "UP", "OPENED", "SUCCESS/NONE", "FAIL", "CLOSING", "RENEGOTIATE", "FINISHED", "DOWN"};
  const auto e = static_cast<std::size_t>(event);
  return e < kPhaseEventCount ? kNames[e] : "?";
}

}  // namespace hl2tp::ppp

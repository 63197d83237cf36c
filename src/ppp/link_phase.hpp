#pragma once
// The phases of one PPP link (RFC 1661 §3.2) and what moves the link between them, as a table:
// the phase diagram's arrows, and those §3.3-§3.7 give in words. link.cpp performs it; what each
// phase allows of the LCP automaton (§3.3-§3.7) is here too, for the Link's invariant.
#include <cstdint>
#include <optional>
#include <string_view>

#include "base/enum_set.hpp"
#include "ppp/automaton_table.hpp"

namespace hl2tp::ppp {

enum class Phase : std::uint8_t {
  dead,          // §3.3: the lower layer is not ready, or the link has ended
  establish,     // §3.4: LCP negotiating
  authenticate,  // §3.5: LCP Opened, the peer proving who it is
  network,       // §3.6: the NCPs run
  terminate,     // §3.7: LCP's Terminate exchange
};
inline constexpr std::size_t kPhaseCount = 5;

enum class PhaseEvent : std::uint8_t {
  up,           // UP: the lower layer is ready (§3.3)
  opened,       // OPENED: LCP entered Opened (§3.4)
  success,      // SUCCESS/NONE: authenticated, or none required (§3.5)
  fail,         // FAIL: authentication refused or timed out (§3.5)
  closing,      // CLOSING: LCP left Opened, or a negotiation, toward termination (§3.7)
  renegotiate,  // an LCP Configure-Request in Opened: back to Establish (§3.4, last paragraph)
  finished,     // LCP's This-Layer-Finished: negotiation failed (FAIL out of Establish) or the
                // Terminate exchange is over (§3.7: "SHOULD proceed to the Link Dead phase")
  down,         // DOWN: the lower layer is gone (§3.3 Implementation Note, §3.7)
};
inline constexpr std::size_t kPhaseEventCount = 8;

// The phase an event leads to; none where the diagram has no such arrow.
std::optional<Phase> next_phase(Phase phase, PhaseEvent event);

// The LCP states a phase allows (§3.3: Dead is LCP Initial or Starting, and, once the link ended,
// Closed; §3.4: Establish is LCP negotiating (or passively waiting); §3.5, §3.6: Opened; §3.7:
// Closing or Stopping).
EnumSet<State> lcp_states(Phase phase);

std::string_view name(Phase phase);
std::string_view name(PhaseEvent event);

}  // namespace hl2tp::ppp

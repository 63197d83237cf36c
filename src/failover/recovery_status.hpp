#pragma once
// How a tunnel's recovery went (docs/failover.md §6): the method used, where it stands, how long it
// took, and what it did to the sessions. Kept per tunnel for `show tunnel`, summed for totals and
// metrics.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/time.hpp"
#include "failover/failover_negotiation.hpp"

namespace hl2tp::failover {

enum class RecoveryState : std::uint8_t {
  none,        // never failed over
  recovering,  // rebuilt after our restart, not yet resynchronized with the peer
  recovered,   // sequence numbers re-established and sessions reconciled
  failed,      // could not be recovered: the tunnel was cleared (see `failure`)
  helping,     // non-failed end: the peer is recovering this tunnel through a recovery tunnel
};

std::string_view name(RecoveryState state);

struct RecoveryStatus {
  RecoveryState state = RecoveryState::none;
  ResyncMethod method = ResyncMethod::none;  // the method actually used (after any fall-back)
  std::optional<Time> started;
  std::optional<Time> finished;
  std::uint32_t probes_sent = 0;       // silent: Hellos sent to learn the peer's sequence state
  std::uint32_t sessions_kept = 0;     // established sessions carried through
  std::uint32_t sessions_cleared = 0;  // cleared by reconciliation (Step I, FSR, collisions)
  std::uint32_t sessions_queried = 0;  // asked about with FSQ
  std::string failure;                 // why, when state == failed or a fall-back happened

  std::optional<Duration> duration() const {
    if (!started || !finished) return std::nullopt;
    return *finished - *started;
  }
};

}  // namespace hl2tp::failover

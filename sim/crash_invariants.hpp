#pragma once
// What a run with crashes must have kept, checked once it has settled against what the run recorded
// as it went (docs/architecture.md §9, invariants 1, 2 and 4): the sessions established before the
// crash, the calls the LAC requested, and each failed end's recoveries. A run without a crash
// records no failed end, and only its calls are checked. Like invariants.hpp, each check returns
// its violations as values; it also returns what it counted, for the campaign's summary.
#include <cstdint>
#include <map>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "sim/invariants.hpp"
#include "sim/simulation.hpp"

namespace hl2tp::sim {

// What the run did that its end state is checked against.
struct RunRecord {
  // (tunnel, session) of every call the LAC requested.
  std::vector<std::pair<std::uint16_t, std::uint16_t>> calls;
  // Calls still pending in the LAC when it crashed: gone with it, so neither kept nor ended.
  std::set<std::pair<std::uint16_t, std::uint16_t>> forgotten;
  // (node, tunnel, session) hung up by a command, or (node, tunnel, 0) cleared by one.
  std::set<std::tuple<NodeId, std::uint16_t, std::uint16_t>> closed_by_command;
  // The ends that crashed, with their `failover-resync` setting and the method each of their
  // tunnels had negotiated (what the store held at the crash).
  std::vector<NodeId> failed;
  std::map<NodeId, failover::FailoverResync> settings;
  std::map<NodeId, std::map<std::uint16_t, failover::ResyncMethod>> methods;
  // Sessions established on both ends when the crash came, as the LAC names them.
  std::set<SessionKey> before_crash;
  // (node, tunnel) of tunnels that died of exhausted retransmissions while the loss was on
  // (RFC 2661 §5.8): up to 20 % loss each way kills a tunnel now and then, crash or not.
  std::set<std::pair<NodeId, std::uint16_t>> died_of_loss;
};

// What the checks counted on the way.
struct CheckCounts {
  std::size_t established_both = 0, refused_or_closed = 0;  // the LAC's calls, as they ended
  std::size_t recovered_protocol = 0, recovered_silent = 0, fallbacks = 0;
  std::size_t documented_failures = 0;  // tunnels that could not recover, and said so
  std::size_t sessions_kept = 0;        // established on both ends before a crash, and after
  std::size_t sessions_lost_to_loss = 0;
  std::vector<double> protocol_ms, silent_ms;  // each recovered tunnel's recovery time

  void add(const CheckCounts& other);
};

struct CheckResult {
  Violations violations;
  CheckCounts counts;
};

// Invariant 4, per failed end: every tunnel either recovered, with the method it negotiated (or
// silent failover after a protocol attempt that failed, where the setting allows it), within the
// bound; or could not, and said why (a recovery_failed event): the documented failures are a tunnel
// that negotiated no method, and a recovery tunnel that failed under failover-protocol.
CheckResult check_recoveries(const Simulation& sim, const RunRecord& record);

// Invariant 1: a session established on both ends before the crash and closed by no command is
// still established, unless its tunnel could not recover and said so or died of the loss.
CheckResult check_sessions_kept(const Simulation& sim, NodeId lac, NodeId lns,
                                const RunRecord& record);

// Invariant 2: every call the LAC requested ended either established or closed with the LAC told
// so, not both and not neither (calls pending in a LAC that crashed excepted).
CheckResult check_calls_ended(const Simulation& sim, NodeId lac, const RunRecord& record);

}  // namespace hl2tp::sim

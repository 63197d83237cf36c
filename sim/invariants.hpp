#pragma once
// What must hold of simulated endpoints at any instant, checked from outside (docs/architecture.md
// §9, invariants 2, 3 and 5). Each check returns what it found wrong, one line per violation, and
// an empty list when the invariant holds: the tests assert on that list, the campaign reports it
// with its seed, and a fuzz target or a benchmark can run the same checks without a test framework.
#include <cstdint>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "engine/endpoint.hpp"
#include "sim/simulation.hpp"

namespace hl2tp::sim {

// One line per violation found; empty when the invariant holds.
using Violations = std::vector<std::string>;

// (our tunnel, our session, peer tunnel, peer session) of an established session.
using SessionKey = std::tuple<std::uint16_t, std::uint16_t, std::uint16_t, std::uint16_t>;

// Every session established in an established tunnel of `endpoint`.
std::set<SessionKey> established_sessions(const engine::Endpoint& endpoint);
// The established sessions an endpoint would rebuild from its checkpoint records alone.
std::set<SessionKey> replayed_sessions(const std::vector<tunnel::Checkpoint>& records);
// The other end's view of the same sessions.
std::set<SessionKey> mirrored(const std::set<SessionKey>& keys);

// Nothing queued, in flight or waiting for an ack on any tunnel of either node: the state every run
// must reach once its faults stop (invariant 5), and what a run waits for before it checks.
bool channels_quiet(const Simulation& sim, NodeId a, NodeId b);

// Invariant 3, at every turn boundary: the node's committed store holds every established tunnel's
// control channel exactly as it is, so that a crash now would lose nothing
// (docs/recovery-design.md). Recovery tunnels (RFC 4951) are transient and never stored.
Violations check_store_holds_channels(const Simulation& sim, NodeId node);

// Invariant 3, once settled: the node's checkpoint records rebuild exactly the sessions it holds.
Violations check_records_rebuild_sessions(const Simulation& sim, NodeId node);
// Invariant 3, once settled: the node's committed store holds exactly the sessions it holds.
Violations check_store_holds_sessions(const Simulation& sim, NodeId node);

// Invariant 2: the LAC's established sessions are exactly the LNS's, pair by pair.
Violations check_ends_agree(const Simulation& sim, NodeId lac, NodeId lns);
// Invariant 2, once settled: no session of the node is left in a state other than established.
Violations check_no_half_open_sessions(const Simulation& sim, NodeId node);

}  // namespace hl2tp::sim

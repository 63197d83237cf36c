#pragma once
// Two endpoints in the simulator: a LAC at 127.0.0.1 and an LNS at 127.0.0.2, both on port 1701,
// with helpers to place calls, count events and compare what the two ends hold. The scenario tests,
// the randomized campaign (campaign.hpp) and anything else that drives a pair share it; it asserts
// nothing itself: a command the endpoint refuses throws, and the checks return values.
#include <cstdint>
#include <string>
#include <vector>

#include "sim/invariants.hpp"
#include "sim/simulation.hpp"

namespace hl2tp::sim {

inline const PeerAddress kLacAddress = PeerAddress::ipv4(0x7F000001, 1701);
inline const PeerAddress kLnsAddress = PeerAddress::ipv4(0x7F000002, 1701);

// A LAC that only places incoming calls, and an LNS that only accepts them.
engine::EndpointConfig lac_config();
engine::EndpointConfig lns_config();

// The endpoint's one tunnel that is not an RFC 4951 recovery tunnel; throws if it has none.
const tunnel::Tunnel& only_tunnel(const engine::Endpoint& endpoint);

struct LacLnsPair {
  explicit LacLnsPair(std::uint64_t seed, engine::EndpointConfig lac_cfg = lac_config(),
                      engine::EndpointConfig lns_cfg = lns_config(),
                      std::size_t trace_capacity = 200);

  // How many events of `kind` the node's endpoint produced so far.
  std::size_t count(NodeId node, engine::EventKind kind) const;

  // A tunnel from `from` to `to`, by its ID at `from`. Throws std::runtime_error if `from`
  // refuses to open it: every caller needs the tunnel, so there is nothing to go on with.
  std::uint16_t open_tunnel(NodeId from, NodeId to);
  // A call on `tunnel_id`, each with its own serial number and calling number; the endpoint's
  // refusal is returned, since tests check it.
  Result<std::uint16_t, std::string> open_session(NodeId node, std::uint16_t tunnel_id,
                                                  session::Direction direction);

  // Nothing queued, in flight or waiting for an ack on any tunnel of either end: the end state.
  bool quiet() const { return channels_quiet(sim, lac, lns); }
  // Each end's checkpoint records rebuild exactly the sessions it holds.
  bool records_match() const;
  // Each end's committed store holds exactly the sessions it holds.
  bool store_matches() const;
  // At a turn boundary each end's committed store holds every established tunnel's control channel
  // exactly as it is (check_store_holds_channels): the first difference found, or "".
  std::string channel_state_mismatch() const;
  // Both ends hold the same established sessions (check_ends_agree).
  bool both_agree() const { return check_ends_agree(sim, lac, lns).empty(); }

  // What a failing check prints: the seed, what each end holds, and the last datagrams, decoded.
  std::string report() const;

  Simulation sim;
  NodeId lac = 0, lns = 0;
  std::uint32_t serial = 0;  // the last call serial number open_session used
};

// The lines of the pair's trace (decoded datagrams) that contain `what`.
std::vector<std::string> trace_lines(const LacLnsPair& pair, const std::string& what);

}  // namespace hl2tp::sim

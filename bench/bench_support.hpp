#pragma once
// What the engine benchmarks share: a LAC and an LNS on loopback addresses, their configuration,
// process CPU time, and whether every control channel is quiet.
#include <time.h>

#include "sim/simulation.hpp"

namespace hl2tp::bench {

inline const tunnel::PeerAddress kLac = tunnel::PeerAddress::ipv4(0x7F000001, 1701);
inline const tunnel::PeerAddress kLns = tunnel::PeerAddress::ipv4(0x7F000002, 1701);

inline engine::EndpointConfig config(bool lac) {
  engine::EndpointConfig c;
  c.tunnel.host_name = lac ? "lac" : "lns";
  c.tunnel.accept_incoming_calls = !lac;
  c.tunnel.place_incoming_calls = lac;
  c.limits.max_tunnels = 16384;
  return c;
}

inline double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

inline bool quiet(const sim::Simulation& s, sim::NodeId a, sim::NodeId b) {
  for (auto node : {a, b}) {
    for (const auto& [id, t] : s.endpoint_view(node).tunnels()) {
      if (!t.channel().quiet()) return false;
    }
  }
  return true;
}

}  // namespace hl2tp::bench

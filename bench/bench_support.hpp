#pragma once
// What the engine benchmarks share: a LAC and an LNS at the simulator pair's addresses
// (sim/lac_lns_pair.hpp) with a configuration of their own, process CPU time, and tunnels opened
// until every control channel is quiet (sim::channels_quiet).
#include <time.h>

#include <algorithm>
#include <vector>

#include "sim/invariants.hpp"
#include "sim/lac_lns_pair.hpp"
#include "sim/simulation.hpp"

namespace hl2tp::bench {

inline const PeerAddress& kLac = sim::kLacAddress;
inline const PeerAddress& kLns = sim::kLnsAddress;

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

// Opens `count` tunnels from the LAC to the LNS and runs until all are established and quiet.
inline std::vector<std::uint16_t> open_tunnels(sim::Simulation& s, sim::NodeId lac, sim::NodeId lns,
                                               int count) {
  using namespace std::chrono_literals;
  std::vector<std::uint16_t> ids;
  for (int i = 0; i < count; ++i) {
    ids.push_back(
        *s.command(lac, [&](engine::Endpoint& e, Time now) { return e.open_tunnel(now, kLns); }));
  }
  s.run_until(
      [&] {
        return s.endpoint(lns).tunnels().size() == ids.size() && sim::channels_quiet(s, lac, lns);
      },
      60s);
  return ids;
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace hl2tp::bench

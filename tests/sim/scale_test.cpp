// Scale in simulation: 10,000 tunnels and 100,000 sessions between two endpoints, all established
// on both ends, and the two ends agreeing.
#include <gtest/gtest.h>

#include "support/lac_lns_pair.hpp"

namespace hl2tp::test {
namespace {

using namespace std::chrono_literals;

TEST(Scale, ten_thousand_tunnels_and_a_hundred_thousand_sessions_between_two_endpoints) {
  constexpr int kTunnels = 10'000, kSessionsPerTunnel = 10;
  EndpointConfig lac_cfg = lac_config(), lns_cfg = lns_config();
  for (EndpointConfig* c : {&lac_cfg, &lns_cfg})
    c->limits.max_tunnels = 16384;
  LacLnsPair p(2661, lac_cfg, lns_cfg);
  std::vector<std::uint16_t> tunnels;
  for (int i = 0; i < kTunnels; ++i)
    tunnels.push_back(p.open_tunnel(p.lac, p.lns));
  for (std::uint16_t tid : tunnels) {
    for (int j = 0; j < kSessionsPerTunnel; ++j) {
      ASSERT_TRUE(p.open_session(p.lac, tid, session::Direction::incoming).has_value());
    }
  }
  ASSERT_TRUE(p.sim.run_until(
      [&] {
        return p.sim.endpoint(p.lns).session_count() == kTunnels * kSessionsPerTunnel && p.quiet();
      },
      120s));
  EXPECT_EQ(p.sim.endpoint(p.lac).tunnels().size(), static_cast<std::size_t>(kTunnels));
  EXPECT_EQ(p.sim.endpoint(p.lns).tunnels().size(), static_cast<std::size_t>(kTunnels));
  const auto lac = established_sessions(p.sim.endpoint(p.lac));
  EXPECT_EQ(lac.size(), static_cast<std::size_t>(kTunnels * kSessionsPerTunnel));
  EXPECT_EQ(lac, mirrored(established_sessions(p.sim.endpoint(p.lns))));
  EXPECT_EQ(p.sim.endpoint(p.lns).stats().decode_errors, 0u);
  // At idle the engine does no work per tunnel per tick: no timer fires before the Hellos are due.
  // The tunnels opened one after another (a round trip each, to one peer: the engine's opening
  // queue), over about 20 s; the first Hellos are due 60 s after the first of them.
  EXPECT_LT(p.sim.now(), Time{} + 30s);
  const auto steps = p.sim.steps();
  p.sim.run_for(Time{} + 59s - p.sim.now());
  EXPECT_EQ(p.sim.steps(), steps) << "no wake-ups while 10,000 tunnels sit idle";
}

}  // namespace
}  // namespace hl2tp::test

// A burst of tunnels to one peer (issue 14, point 2): against a peer that accepts one opening
// tunnel per source at a time (sim::ignores_second_opening), every tunnel and every call of the
// burst comes up, in a round trip per tunnel, without waiting for a retransmission.
#include <gtest/gtest.h>

#include "sim/peer_model.hpp"
#include "support/lac_lns_pair.hpp"

namespace hl2tp::test {
namespace {

using namespace std::chrono_literals;

struct Burst {
  std::vector<std::uint16_t> tunnels;
  std::size_t calls = 0;
};

// `tunnels` opened at once, each with `calls_per_tunnel` calls placed at once too.
Burst open_burst(LacLnsPair& p, int tunnels, int calls_per_tunnel) {
  Burst b;
  for (int i = 0; i < tunnels; ++i) {
    const std::uint16_t id = p.open_tunnel(p.lac, p.lns);
    b.tunnels.push_back(id);
    for (int j = 0; j < calls_per_tunnel; ++j) {
      EXPECT_TRUE(p.open_session(p.lac, id, session::Direction::incoming).has_value());
      ++b.calls;
    }
  }
  return b;
}

bool all_up(const LacLnsPair& p, const Burst& b) {
  const auto& lac = p.sim.endpoint_view(p.lac);
  for (std::uint16_t id : b.tunnels) {
    const auto* t = lac.find_tunnel(id);
    if (t == nullptr || t->state() != tunnel::State::established) return false;
  }
  return established_sessions(lac).size() == b.calls &&
         established_sessions(p.sim.endpoint_view(p.lns)).size() == b.calls && p.quiet();
}

TEST(TunnelBurst, a_hundred_tunnels_with_calls_to_a_peer_that_opens_one_per_source_all_come_up) {
  LacLnsPair p(14);
  p.sim.set_receive_filter(p.lns, sim::ignores_second_opening);
  const Time start = p.sim.now();
  const Burst b = open_burst(p, 100, 2);
  ASSERT_TRUE(p.sim.run_until([&] { return all_up(p, b); }, 120s)) << p.report();
  // A round trip (2 ms over the 1 ms links) per tunnel, one after another, and the calls' own:
  // well under the first retransmission (1 s), so none was needed.
  const auto took = p.sim.now() - start;
  EXPECT_LT(took, 100 * 4ms) << "took " << took.count() / 1000 << " ms";
  const auto lac = p.sim.endpoint(p.lac).stats();
  EXPECT_EQ(lac.channel.retransmitted, 0u);
  EXPECT_EQ(p.sim.ignored(p.lns), 0u) << "no SCCRQ went while another was opening";
  EXPECT_EQ(lac.tunnels_opened_after_waiting, 99u);
  EXPECT_EQ(lac.tunnels_waiting_turn, 0u);
  EXPECT_EQ(p.count(p.lac, EventKind::tunnel_closed), 0u);
  EXPECT_EQ(p.count(p.lac, EventKind::session_closed), 0u);
  EXPECT_TRUE(p.both_agree());
}

TEST(TunnelBurst, tunnels_waiting_their_turn_hold_their_calls_and_can_be_closed_meanwhile) {
  LacLnsPair p(15);
  p.sim.set_receive_filter(p.lns, sim::ignores_second_opening);
  Burst b = open_burst(p, 3, 1);
  EXPECT_EQ(p.sim.endpoint(p.lac).stats().tunnels_waiting_turn, 2u);
  // Only the first SCCRQ is out; the others have not told the peer anything.
  EXPECT_EQ(trace_lines(p, "SCCRQ").size(), 1u);
  const std::uint16_t closed = b.tunnels[1];
  ASSERT_TRUE(p.sim.command(p.lac, [&](engine::Endpoint& e, Time now) {
    return e.close_tunnel(now, closed, {1, std::nullopt, "operator"});
  }));
  EXPECT_EQ(p.sim.endpoint(p.lac).find_tunnel(closed), nullptr) << "gone at once: no StopCCN";
  b.tunnels.erase(b.tunnels.begin() + 1);
  b.calls = 2;
  ASSERT_TRUE(p.sim.run_until([&] { return all_up(p, b); }, 10s)) << p.report();
  EXPECT_EQ(p.sim.endpoint(p.lac).tunnels().size(), 2u);
  EXPECT_EQ(p.sim.endpoint(p.lns).tunnels().size(), 2u);
}

TEST(TunnelBurst, a_burst_under_loss_and_reordering_still_brings_every_tunnel_and_call_up) {
  // The peer may then ignore an SCCRQ that overtook the SCCCN before it, or whose predecessor's
  // SCCCN was lost: the retransmission brings it in. Nothing is lost, only later.
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    LacLnsPair p(1400 + seed);
    p.sim.set_receive_filter(p.lns, sim::ignores_second_opening);
    sim::LinkConfig link;
    link.loss = 0.05;
    link.jitter = 3ms;
    p.sim.set_link(p.lac, p.lns, link);
    p.sim.set_link(p.lns, p.lac, link);
    const Burst b = open_burst(p, 30, 2);
    ASSERT_TRUE(p.sim.run_until([&] { return all_up(p, b); }, 300s)) << p.report();
    EXPECT_EQ(p.count(p.lac, EventKind::tunnel_closed), 0u) << "seed " << seed;
    EXPECT_TRUE(p.both_agree()) << p.report();
  }
}

}  // namespace
}  // namespace hl2tp::test

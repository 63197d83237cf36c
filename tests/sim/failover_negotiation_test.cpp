// Failover capability negotiation at tunnel set-up (RFC 4951 §3.1, docs/failover.md §2) and the
// non-failed endpoint's hold for the peer's Recovery Time (RFC 4951 §5.1, docs/failover.md §4).
#include <gtest/gtest.h>

#include "support/lac_lns_pair.hpp"

namespace hl2tp::test {
namespace {

using namespace std::chrono_literals;
using failover::FailoverResync;
using failover::ResyncMethod;

EndpointConfig with_failover(EndpointConfig c, FailoverResync mode, std::uint32_t recovery_ms) {
  c.tunnel.failover.resync = mode;
  c.tunnel.failover.recovery_time_ms = recovery_ms;
  return c;
}

struct Negotiated {
  ResyncMethod lac, lns;
  std::string trace;
};

Negotiated negotiate(FailoverResync lac_mode, FailoverResync lns_mode) {
  LacLnsPair p(31, with_failover(lac_config(), lac_mode, 60'000),
               with_failover(lns_config(), lns_mode, 60'000));
  p.open_tunnel(p.lac, p.lns);
  p.sim.run_for(1s);
  const auto& lac = p.sim.endpoint(p.lac).tunnels().begin()->second;
  const auto& lns = p.sim.endpoint(p.lns).tunnels().begin()->second;
  EXPECT_EQ(lac.state(), tunnel::State::established);
  return {lac.resync_method(), lns.resync_method(), p.sim.trace().to_string()};
}

TEST(FailoverNegotiation, both_ends_capable_use_the_protocol_and_advertise_it_in_sccrq_and_sccrp) {
  const auto n =
      negotiate(FailoverResync::protocol_then_silent, FailoverResync::protocol_then_silent);
  EXPECT_EQ(n.lac, ResyncMethod::failover_protocol);
  EXPECT_EQ(n.lns, ResyncMethod::failover_protocol);
  const auto sccrq = n.trace.substr(0, n.trace.find('\n'));
  EXPECT_NE(sccrq.find("SCCRQ"), std::string::npos);
  EXPECT_NE(sccrq.find("FailoverCapability=C=1 D=0 recovery 60000 ms"), std::string::npos) << sccrq;
  EXPECT_NE(n.trace.find("SCCRP"), std::string::npos);
}

TEST(FailoverNegotiation, the_default_falls_back_to_silent_failover_with_a_peer_that_cannot) {
  const auto n = negotiate(FailoverResync::protocol_then_silent, FailoverResync::silent);
  EXPECT_EQ(n.lac, ResyncMethod::silent);
  EXPECT_EQ(n.lns, ResyncMethod::silent);
  // The silent end never advertises (disable-failover-protocol, docs/failover.md §2).
  const auto second_line = n.trace.substr(n.trace.find('\n') + 1);
  EXPECT_EQ(second_line.substr(0, second_line.find('\n')).find("FailoverCapability"),
            std::string::npos);
}

TEST(FailoverNegotiation, protocol_only_against_a_silent_peer_cannot_recover) {
  const auto n = negotiate(FailoverResync::protocol, FailoverResync::silent);
  EXPECT_EQ(n.lac, ResyncMethod::none);
  EXPECT_EQ(n.lns, ResyncMethod::silent);
}

TEST(FailoverNegotiation, none_neither_advertises_nor_recovers) {
  const auto n = negotiate(FailoverResync::none, FailoverResync::protocol_then_silent);
  EXPECT_EQ(n.lac, ResyncMethod::none);
  EXPECT_EQ(n.lns, ResyncMethod::silent) << "the LNS may still recover silently on its side";
  EXPECT_EQ(n.trace.substr(0, n.trace.find('\n')).find("FailoverCapability"), std::string::npos);
}

TEST(FailoverNegotiation, the_method_and_the_peers_capability_are_in_the_tunnel_record) {
  LacLnsPair p(32, with_failover(lac_config(), FailoverResync::protocol_then_silent, 60'000),
               with_failover(lns_config(), FailoverResync::protocol_then_silent, 45'000));
  p.open_tunnel(p.lac, p.lns);
  p.sim.run_for(1s);
  const auto& record = std::get<tunnel::TunnelEstablished>(p.sim.checkpoints(p.lac).front());
  EXPECT_EQ(record.resync_method, ResyncMethod::failover_protocol);
  ASSERT_TRUE(record.peer_capability.has_value());
  EXPECT_EQ(record.peer_capability->recovery_time_ms, 45'000u);
}

// The LAC's message goes unanswered from `start`; returns when the LAC cleared the tunnel.
double seconds_until_cleared(std::uint32_t lac_recovery_ms, FailoverResync lns_mode,
                             std::uint32_t lns_recovery_ms) {
  LacLnsPair p(33,
               with_failover(lac_config(), FailoverResync::protocol_then_silent, lac_recovery_ms),
               with_failover(lns_config(), lns_mode, lns_recovery_ms));
  const auto tid = p.open_tunnel(p.lac, p.lns);
  p.sim.run_for(1s);
  p.sim.link(p.lac, p.lns).partitioned = true;
  p.sim.link(p.lns, p.lac).partitioned = true;
  const Time start = p.sim.now();
  EXPECT_TRUE(p.open_session(p.lac, tid, session::Direction::incoming).has_value());
  EXPECT_TRUE(
      p.sim.run_until([&] { return p.count(p.lac, EventKind::tunnel_closed) == 1; }, 10min));
  return std::chrono::duration<double>(p.sim.now() - start).count();
}

TEST(RecoveryTimeHold, a_capable_peer_is_held_for_its_recovery_time_past_the_retransmission_cycle) {
  EXPECT_NEAR(seconds_until_cleared(120'000, FailoverResync::protocol_then_silent, 90'000), 90,
              0.1);
}

TEST(RecoveryTimeHold, the_peers_recovery_time_is_capped_by_ours) {
  EXPECT_NEAR(seconds_until_cleared(50'000, FailoverResync::protocol_then_silent, 90'000), 50, 0.1);
}

TEST(RecoveryTimeHold, a_short_recovery_time_never_shortens_the_retransmission_cycle) {
  EXPECT_NEAR(seconds_until_cleared(120'000, FailoverResync::protocol_then_silent, 5'000), 31, 0.1);
}

TEST(RecoveryTimeHold, a_peer_without_capability_gets_the_plain_cycle) {
  EXPECT_NEAR(seconds_until_cleared(120'000, FailoverResync::silent, 90'000), 31, 0.1);
}

TEST(RecoveryTimeHold, an_ack_during_the_hold_ends_it_and_the_tunnel_lives_on) {
  LacLnsPair p(34, lac_config(), lns_config());
  const auto tid = p.open_tunnel(p.lac, p.lns);
  p.sim.run_for(1s);
  p.sim.link(p.lac, p.lns).partitioned = true;
  ASSERT_TRUE(p.open_session(p.lac, tid, session::Direction::incoming).has_value());
  p.sim.run_for(45s);  // past the 31 s cycle, inside the 60 s Recovery Time
  EXPECT_EQ(p.count(p.lac, EventKind::tunnel_closed), 0u);
  p.sim.link(p.lac, p.lns).partitioned = false;  // the peer is back
  p.sim.run_for(20s);
  EXPECT_EQ(p.count(p.lac, EventKind::tunnel_closed), 0u) << p.report();
  EXPECT_EQ(established_sessions(p.sim.endpoint(p.lac)).size(), 1u);
  EXPECT_TRUE(p.both_agree());
}

}  // namespace
}  // namespace hl2tp::test

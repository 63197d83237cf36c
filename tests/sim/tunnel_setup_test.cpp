// Tunnel set-up, authentication, tie breaker, Hello and teardown, through the simulator
// (RFC 2661 §5.1, §5.5, §5.7, §7.2).
#include <gtest/gtest.h>

#include "support/lac_lns_pair.hpp"
#include "wire/message_builders.hpp"

namespace hl2tp::test {
namespace {

using namespace std::chrono_literals;

bool tunnel_state_is(const engine::Endpoint& e, tunnel::State state) {
  return e.tunnels().size() == 1 && e.tunnels().begin()->second.state() == state;
}

TEST(TunnelSetup, lac_opens_a_tunnel_to_the_lns_in_three_messages_and_a_zlb) {
  LacLnsPair p(1);
  p.open_tunnel(p.lac, p.lns);
  ASSERT_TRUE(p.sim.run_until(
      [&] {
        return p.count(p.lac, EventKind::tunnel_established) == 1 &&
               p.count(p.lns, EventKind::tunnel_established) == 1;
      },
      5s))
      << p.report();
  p.sim.run_for(1s);
  const std::string trace = p.sim.trace().to_string();
  EXPECT_NE(trace.find("SCCRQ tid=0 sid=0 Ns=0 Nr=0"), std::string::npos) << trace;
  EXPECT_NE(trace.find("SCCRP"), std::string::npos);
  EXPECT_NE(trace.find("SCCCN"), std::string::npos);
  EXPECT_NE(trace.find("ZLB"), std::string::npos) << "the SCCCN is acknowledged by a ZLB";
  EXPECT_EQ(p.sim.datagrams_sent(), 4u) << trace;
  const auto& lac_tunnel = p.sim.endpoint(p.lac).tunnels().begin()->second;
  const auto& lns_tunnel = p.sim.endpoint(p.lns).tunnels().begin()->second;
  EXPECT_EQ(lac_tunnel.peer_id(), lns_tunnel.local_id());
  EXPECT_EQ(lns_tunnel.peer_id(), lac_tunnel.local_id());
  EXPECT_EQ(lac_tunnel.peer_host_name(), "lns");
  EXPECT_EQ(lns_tunnel.peer_window(), 64) << "we advertise a generous window";
  EXPECT_TRUE(lac_tunnel.channel().quiet() && lns_tunnel.channel().quiet());
}

TEST(TunnelSetup, lns_can_open_the_tunnel_too) {
  LacLnsPair p(2);
  p.open_tunnel(p.lns, p.lac);
  ASSERT_TRUE(
      p.sim.run_until([&] { return p.count(p.lac, EventKind::tunnel_established) == 1; }, 5s));
  EXPECT_EQ(p.count(p.lns, EventKind::tunnel_established), 1u);
}

EndpointConfig with_secret(EndpointConfig c, std::string secret, bool hide = false) {
  c.tunnel.secret.assign(reinterpret_cast<const std::byte*>(secret.data()),
                         reinterpret_cast<const std::byte*>(secret.data()) + secret.size());
  c.tunnel.hide_avps = hide;
  return c;
}

TEST(TunnelAuthentication, same_secret_on_both_ends_establishes) {
  LacLnsPair p(3, with_secret(lac_config(), "s3cret"), with_secret(lns_config(), "s3cret"));
  p.open_tunnel(p.lac, p.lns);
  ASSERT_TRUE(
      p.sim.run_until([&] { return p.count(p.lns, EventKind::tunnel_established) == 1; }, 5s))
      << p.report();
  EXPECT_NE(p.sim.trace().to_string().find("Challenge"), std::string::npos);
}

TEST(TunnelAuthentication, different_secrets_are_refused_with_not_authorized) {
  LacLnsPair p(4, with_secret(lac_config(), "s3cret"), with_secret(lns_config(), "other"));
  p.open_tunnel(p.lac, p.lns);
  p.sim.run_for(5s);
  EXPECT_EQ(p.count(p.lac, EventKind::tunnel_established), 0u);
  EXPECT_EQ(p.count(p.lns, EventKind::tunnel_established), 0u);
  ASSERT_EQ(p.count(p.lns, EventKind::tunnel_closed), 1u) << p.report();
  const auto& closed = p.sim.events(p.lns).back();
  ASSERT_TRUE(closed.result.has_value());
  EXPECT_EQ(closed.result->result, 4) << "StopCCN result 4: requester is not authorized";
}

TEST(TunnelAuthentication, a_challenge_to_an_endpoint_without_a_secret_is_refused) {
  LacLnsPair p(5, with_secret(lac_config(), "s3cret"), lns_config());
  p.open_tunnel(p.lac, p.lns);
  p.sim.run_for(5s);
  ASSERT_EQ(p.count(p.lac, EventKind::tunnel_closed), 1u) << p.report();
  EXPECT_EQ(p.sim.events(p.lac).back().result->result, 4);
}

// An SCCRQ refused before its Assigned Tunnel ID was taken (here: an unknown mandatory AVP, RFC
// 2661 §4.1) leaves no tunnel; its retransmission is refused the same way. It once left an index
// entry to the dead tunnel, and the retransmission crashed the daemon (endpoint fuzzer).
TEST(TunnelSetup, an_sccrq_refused_at_once_and_retransmitted_leaves_nothing_behind) {
  LacLnsPair p(6);
  auto bytes = *wire::encode_control(wire::make_sccrq(4242, "lac", wire::kFramingSync));
  for (std::uint8_t b : {0x80, 0x08, 0x00, 0x00, 0x01, 0x2C, 0x00, 0x00})  // M=1, type 300
    bytes.push_back(std::byte{b});
  bytes[2] = std::byte(bytes.size() >> 8);
  bytes[3] = std::byte(bytes.size() & 0xFF);
  for (int copy = 0; copy < 2; ++copy) {
    p.sim.command(p.lns, [&](engine::Endpoint& e, Time now) {
      e.handle_datagram(now, kLacAddress, bytes);
      return 0;
    });
    p.sim.run_for(1s);
    EXPECT_TRUE(p.sim.endpoint(p.lns).tunnels().empty()) << p.report();
  }
  EXPECT_EQ(p.sim.endpoint(p.lns).stats().tunnels_opened, 2u) << "each copy refused alike";
}

TEST(TunnelAuthentication, hidden_avps_carry_a_whole_call) {
  LacLnsPair p(6, with_secret(lac_config(), "s3cret", true),
               with_secret(lns_config(), "s3cret", true));
  const auto tid = p.open_tunnel(p.lac, p.lns);
  ASSERT_TRUE(p.open_session(p.lac, tid, session::Direction::incoming).has_value());
  ASSERT_TRUE(
      p.sim.run_until([&] { return p.count(p.lns, EventKind::session_established) == 1; }, 5s))
      << p.report();
  EXPECT_EQ(p.sim.endpoint(p.lns).stats().decode_errors, 0u);
  EXPECT_NE(p.sim.trace().to_string().find("hidden AVP but no shared secret"), std::string::npos)
      << "the trace, which has no secret, cannot read them: they really are hidden";
  EXPECT_TRUE(p.both_agree());
}

// SIGHUP applies a new configuration to new tunnels only (issue 13, point 7): a tunnel keeps
// decoding, as it keeps encoding, with the secret it was set up with. Decoding with the new one
// left every call on the old tunnel stuck while decode errors climbed.
TEST(Reconfigure, a_changed_secret_leaves_the_tunnels_set_up_with_the_old_one_working) {
  LacLnsPair p(61, with_secret(lac_config(), "s3cret", true),
               with_secret(lns_config(), "s3cret", true));
  const auto tid = p.open_tunnel(p.lac, p.lns);
  ASSERT_TRUE(p.open_session(p.lac, tid, session::Direction::incoming).has_value());
  ASSERT_TRUE(p.sim.run_until(
      [&] {
        return p.both_agree() && p.quiet() &&
               established_sessions(p.sim.endpoint(p.lns)).size() == 1;
      },
      5s));
  p.sim.command(p.lns, [&](engine::Endpoint& e, Time) {
    e.reconfigure(with_secret(lns_config(), "rotated", true));
    return 0;
  });
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(p.open_session(p.lac, tid, session::Direction::incoming).has_value());
  ASSERT_TRUE(p.sim.run_until(
      [&] { return established_sessions(p.sim.endpoint(p.lns)).size() == 11 && p.quiet(); }, 10s))
      << p.report();
  EXPECT_EQ(p.sim.endpoint(p.lns).stats().decode_errors, 0u);
  EXPECT_TRUE(p.both_agree());
}

TEST(TieBreaker, simultaneous_sccrqs_leave_one_tunnel_and_both_calls_on_it) {
  EndpointConfig both = lac_config();
  both.tunnel.accept_incoming_calls = true;
  LacLnsPair p(7, both, both);
  const auto a = p.open_tunnel(p.lac, p.lns);
  const auto b = p.open_tunnel(p.lns, p.lac);
  ASSERT_TRUE(p.open_session(p.lac, a, session::Direction::incoming).has_value());
  ASSERT_TRUE(p.open_session(p.lns, b, session::Direction::incoming).has_value());
  p.sim.run_for(10s);
  EXPECT_EQ(p.sim.endpoint(p.lac).tunnels().size(), 1u) << p.report();
  EXPECT_EQ(p.sim.endpoint(p.lns).tunnels().size(), 1u);
  const auto stats_a = p.sim.endpoint(p.lac).stats();
  const auto stats_b = p.sim.endpoint(p.lns).stats();
  EXPECT_EQ(stats_a.tie_breaker_won + stats_b.tie_breaker_won, 1u);
  EXPECT_EQ(stats_a.tie_breaker_lost + stats_b.tie_breaker_lost, 1u);
  EXPECT_EQ(established_sessions(p.sim.endpoint(p.lac)).size(), 2u) << p.report();
  EXPECT_TRUE(p.both_agree());
}

// Both ends open a burst of tunnels to each other at once, each with a call: our tunnels to one
// peer open one at a time (engine/opening_queue.hpp), so a tie can be lost by the head of a line
// while others wait. Every call comes up on both ends, within a few round trips, and the ends
// agree.
TEST(TieBreaker, bursts_opened_by_both_ends_at_once_bring_every_call_up) {
  EndpointConfig both = lac_config();
  both.tunnel.accept_incoming_calls = true;
  for (std::uint64_t seed = 70; seed < 90; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    LacLnsPair p(seed, both, both);
    for (int i = 0; i < 4; ++i) {
      for (auto [from, to] : {std::pair{p.lac, p.lns}, std::pair{p.lns, p.lac}}) {
        const auto id = p.open_tunnel(from, to);
        ASSERT_TRUE(p.open_session(from, id, session::Direction::incoming).has_value());
      }
    }
    const bool up = p.sim.run_until(
        [&] {
          return established_sessions(p.sim.endpoint(p.lac)).size() == 8 &&
                 established_sessions(p.sim.endpoint(p.lns)).size() == 8 && p.quiet();
        },
        900ms);
    EXPECT_TRUE(up) << "before the first retransmission (1 s)\n" << p.report();
    p.sim.run_for(100s);
    EXPECT_EQ(established_sessions(p.sim.endpoint(p.lac)).size(), 8u) << p.report();
    EXPECT_TRUE(p.both_agree());
  }
}

TEST(Hello, an_idle_tunnel_sends_hello_after_sixty_seconds_and_stays_up) {
  LacLnsPair p(8);
  p.open_tunnel(p.lac, p.lns);
  p.sim.run_for(2s);
  const auto before = p.sim.datagrams_sent();
  p.sim.run_for(57s);
  EXPECT_EQ(p.sim.datagrams_sent(), before) << "nothing at all while idle";
  p.sim.run_for(5s);
  EXPECT_NE(p.sim.trace().to_string().find("HELLO"), std::string::npos) << p.report();
  p.sim.run_for(10min);
  EXPECT_TRUE(tunnel_state_is(p.sim.endpoint(p.lac), tunnel::State::established));
  EXPECT_TRUE(tunnel_state_is(p.sim.endpoint(p.lns), tunnel::State::established));
}

TEST(Teardown, stopccn_from_either_end_clears_both_and_state_is_kept_for_a_full_cycle) {
  for (bool from_lac : {true, false}) {
    SCOPED_TRACE(from_lac ? "LAC closes" : "LNS closes");
    LacLnsPair p(9);
    const auto tid = p.open_tunnel(p.lac, p.lns);
    ASSERT_TRUE(p.open_session(p.lac, tid, session::Direction::incoming).has_value());
    p.sim.run_for(2s);
    const auto closer = from_lac ? p.lac : p.lns;
    const auto other = from_lac ? p.lns : p.lac;
    const auto closer_tid = p.sim.endpoint(closer).tunnels().begin()->first;
    p.sim.command(closer, [&](engine::Endpoint& e, Time now) {
      return e.close_tunnel(now, closer_tid, {1, std::nullopt, ""});
    });
    p.sim.run_for(1s);
    EXPECT_EQ(p.count(other, EventKind::tunnel_closed), 1u) << p.report();
    EXPECT_EQ(p.count(other, EventKind::session_closed), 1u);
    EXPECT_EQ(p.sim.events(other).back().kind, EventKind::tunnel_closed);
    EXPECT_TRUE(tunnel_state_is(p.sim.endpoint(other), tunnel::State::stopped))
        << "kept to re-ack a retransmitted StopCCN (§5.7)";
    p.sim.run_for(29s);
    EXPECT_EQ(p.sim.endpoint(other).tunnels().size(), 1u);
    p.sim.run_for(3s);
    EXPECT_TRUE(p.sim.endpoint(other).tunnels().empty());
    EXPECT_TRUE(p.sim.endpoint(closer).tunnels().empty());
  }
}

TEST(Retransmission, unanswered_message_is_resent_at_1_3_7_15_s_and_the_tunnel_cleared_at_31_s) {
  // A peer that advertises no failover capability: the plain RFC 2661 cycle applies.
  EndpointConfig lns = lns_config();
  lns.tunnel.failover.resync = failover::FailoverResync::silent;
  LacLnsPair p(10, lac_config(), lns);
  const auto tid = p.open_tunnel(p.lac, p.lns);
  p.sim.run_for(2s);
  p.sim.link(p.lac, p.lns).partitioned = true;
  p.sim.link(p.lns, p.lac).partitioned = true;
  const Time start = p.sim.now();
  ASSERT_TRUE(p.open_session(p.lac, tid, session::Direction::incoming).has_value());
  std::vector<double> sends;
  const auto& lac = p.sim.endpoint(p.lac);
  while (p.count(p.lac, EventKind::tunnel_closed) == 0 && p.sim.now() - start < 60s) {
    const auto retransmitted = lac.stats().channel.retransmitted;
    p.sim.run_for(100ms);
    if (lac.stats().channel.retransmitted != retransmitted) {
      sends.push_back(std::chrono::duration<double>(p.sim.now() - start).count());
    }
  }
  ASSERT_EQ(sends.size(), 4u) << p.report();
  const double expected[] = {1, 3, 7, 15};
  for (int i = 0; i < 4; ++i)
    EXPECT_NEAR(sends[i], expected[i], 0.11);
  EXPECT_NEAR(std::chrono::duration<double>(p.sim.now() - start).count(), 31, 0.11);
  EXPECT_EQ(p.sim.events(p.lac).back().reason, "retransmissions exhausted");
}

}  // namespace
}  // namespace hl2tp::test

// What a restart leaves half-finished (issue 14, point 3): a tunnel that was being set up is
// forgotten, and the peer's retransmissions for it are answered with a StopCCN rather than
// ignored until the peer gives up; calls that were being set up are gone, and their requests are
// not sent again, so that the peer sets up no call we would only clear.
#include <gtest/gtest.h>

#include "sim/seeded_random.hpp"
#include "support/lac_lns_pair.hpp"
#include "wire/control_codec.hpp"
#include "wire/message_builders.hpp"

namespace hl2tp::test {
namespace {

using namespace std::chrono_literals;
using session::Direction;

EndpointConfig silent(EndpointConfig c) {
  c.tunnel.failover.resync = failover::FailoverResync::silent;
  return c;
}

TEST(HalfFinishedRestart, an_sccrp_for_a_tunnel_forgotten_at_a_restart_is_answered_with_stopccn) {
  LacLnsPair p(140);
  p.sim.set_link(p.lns, p.lac, {.latency = 50ms});  // the SCCRP arrives after the restart
  p.open_tunnel(p.lac, p.lns);
  p.sim.run_for(10ms);
  ASSERT_EQ(p.sim.endpoint(p.lns).tunnels().size(), 1u);
  p.sim.crash(p.lac);
  p.sim.restart(p.lac, lac_config());
  ASSERT_TRUE(p.sim.endpoint(p.lac).tunnels().empty()) << "never established: not stored";
  // The peer's half-open tunnel goes at its first SCCRP's answer, not at its set-up timeout (31 s
  // of retransmissions; ~63 s seen from another LNS).
  ASSERT_TRUE(p.sim.run_until([&] { return p.count(p.lns, EventKind::tunnel_closed) == 1; }, 2s))
      << p.report();
  EXPECT_EQ(p.sim.endpoint(p.lac).stats().unknown_tunnel_stopped, 1u);
  const auto stops = trace_lines(p, "StopCCN");
  ASSERT_EQ(stops.size(), 1u) << p.report();
  const tunnel::Tunnel& lns_tunnel = p.sim.endpoint(p.lns).tunnels().begin()->second;
  EXPECT_NE(stops[0].find("tid=" + std::to_string(lns_tunnel.local_id()) + " sid=0 Ns=1 Nr=1"),
            std::string::npos)
      << "to the peer's Assigned Tunnel ID, in sequence: " << stops[0];
  EXPECT_EQ(lns_tunnel.state(), tunnel::State::stopped);
  p.sim.run_for(60s);
  EXPECT_EQ(trace_lines(p, "StopCCN").size(), 1u) << "the peer's ZLB is not answered";
}

TEST(HalfFinishedRestart, an_scccn_for_a_tunnel_forgotten_at_a_restart_is_answered_with_stopccn) {
  LacLnsPair p(141);
  p.sim.set_link(p.lac, p.lns, {.latency = 50ms});
  p.open_tunnel(p.lac, p.lns);
  p.sim.run_for(55ms);  // the LNS sent its SCCRP; the SCCCN is on its way
  ASSERT_EQ(p.count(p.lac, EventKind::tunnel_established), 1u);
  p.sim.crash(p.lns);
  p.sim.restart(p.lns, lns_config());
  ASSERT_TRUE(p.sim.run_until(
      [&] { return p.sim.endpoint(p.lns).stats().unknown_tunnel_stopped == 1; }, 2s))
      << p.report();
  // The SCCCN does not say the peer's tunnel ID: the header says 0, as before an Assigned Tunnel
  // ID is received, and the StopCCN's own Assigned Tunnel ID names the tunnel (RFC 2661 §4.4.3).
  const auto stops = trace_lines(p, "StopCCN");
  ASSERT_EQ(stops.size(), 1u) << p.report();
  EXPECT_NE(stops[0].find("tid=0 sid=0 Ns=1 Nr=2"), std::string::npos) << stops[0];
}

TEST(HalfFinishedRestart,
     the_answer_to_an_unknown_tunnel_is_stateless_and_never_answers_a_stopccn) {
  sim::SeededRandom random(142);
  engine::Endpoint e(lns_config(), random);
  auto datagram = [](wire::ControlMessage m) { return *wire::encode_control(m); };
  wire::ControlMessage stop = wire::make_stopccn(
      77, {static_cast<std::uint16_t>(wire::StopCcnResult::general_error), std::nullopt, "x"});
  stop.header = {999, 0, 3, 4};
  wire::ControlMessage zlb;
  zlb.header = {999, 0, 3, 4};
  wire::ControlMessage hello = wire::make_hello();
  hello.header = {999, 0, 3, 4};
  e.handle_datagram(Time{}, kLacAddress, datagram(stop));
  e.handle_datagram(Time{}, kLacAddress, datagram(zlb));
  EXPECT_FALSE(e.poll_transmit()) << "no StopCCN for a StopCCN or a ZLB: no loops";
  e.handle_datagram(Time{}, kLacAddress, datagram(hello));
  auto answer = e.poll_transmit();
  ASSERT_TRUE(answer);
  auto decoded = wire::decode_control(answer->bytes);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->type(), wire::MessageType::StopCCN);
  EXPECT_EQ(*decoded->get<wire::AvpType::AssignedTunnelId>(), 999) << "the ID the peer used";
  EXPECT_EQ(decoded->header, (wire::ControlHeader{0, 0, 4, 4}));
  EXPECT_TRUE(e.tunnels().empty()) << "no state";
  // Rate-limited per source like every refusal.
  for (int i = 0; i < 100; ++i)
    e.handle_datagram(Time{}, kLacAddress, datagram(hello));
  std::size_t sent = 0;
  while (e.poll_transmit())
    ++sent;
  EXPECT_LT(sent, 30u);
  EXPECT_GT(e.stats().refusals_rate_limited, 70u);
}

TEST(HalfFinishedRestart, calls_being_set_up_at_a_restart_are_not_requested_again) {
  LacLnsPair p(143, silent(lac_config()), silent(lns_config()));
  const std::uint16_t tid = p.open_tunnel(p.lac, p.lns);
  ASSERT_TRUE(p.open_session(p.lac, tid, Direction::incoming));
  ASSERT_TRUE(
      p.sim.run_until([&] { return p.sim.endpoint(p.lns).session_count() == 1 && p.quiet(); }, 5s));
  // Four calls placed; their ICRQs are stored in the channel, and lost on the way.
  p.sim.set_link(p.lac, p.lns, {.partitioned = true});
  for (int j = 0; j < 4; ++j)
    ASSERT_TRUE(p.open_session(p.lac, tid, Direction::incoming));
  p.sim.run_for(10ms);
  p.sim.crash(p.lac);
  p.sim.set_link(p.lac, p.lns, {});
  const auto report = p.sim.restart(p.lac, silent(lac_config()));
  EXPECT_EQ(report.calls_dropped, 4u);
  EXPECT_EQ(report.call_requests_withheld, 4u);
  EXPECT_EQ(p.sim.endpoint(p.lac).stats().call_requests_withheld_at_restart, 4u);
  ASSERT_TRUE(p.sim.run_until([&] { return p.quiet(); }, 60s)) << p.report();
  // The peer set up no call for nothing, and we cleared none.
  EXPECT_EQ(p.sim.endpoint(p.lac).stats().disowned_calls, 0u);
  EXPECT_EQ(p.count(p.lns, EventKind::session_closed), 0u) << p.report();
  EXPECT_EQ(p.sim.endpoint(p.lns).session_count(), 1u);
  EXPECT_TRUE(p.both_agree());
  EXPECT_EQ(p.channel_state_mismatch(), "") << "the store holds the HELLOs that went instead";
  // The tunnel still carries calls.
  ASSERT_TRUE(p.open_session(p.lac, tid, Direction::incoming));
  ASSERT_TRUE(p.sim.run_until(
      [&] { return established_sessions(p.sim.endpoint(p.lns)).size() == 2 && p.quiet(); }, 5s));
}

}  // namespace
}  // namespace hl2tp::test

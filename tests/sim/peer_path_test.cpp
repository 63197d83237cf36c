// A tunnel's path — the peer's address and port, and ours — stays as it was set up (RFC 2661
// §8.1: "MUST remain static for the life of the tunnel"; issue 13, points 1 and 5): anything else
// naming the tunnel is dropped and counted, and everything we send on it leaves from the address
// the peer used, across a restart too.
#include <gtest/gtest.h>

#include "support/lac_lns_pair.hpp"
#include "support/seeded_random.hpp"
#include "wire/message_builders.hpp"

namespace hl2tp::test {
namespace {

using namespace std::chrono_literals;
using session::Direction;

// A HELLO with the live tunnel's ID and the very Ns the tunnel expects next, from another port of
// the peer's host (a neighbour behind the same carrier NAT address). Taken in, it acknowledged a
// message the peer never sent, and the peer's real next message was then a duplicate, dropped.
TEST(PeerPath, a_message_from_another_port_of_the_peers_host_is_dropped_and_counted) {
  LacLnsPair p(91);
  const auto lac_tid = p.open_tunnel(p.lac, p.lns);
  ASSERT_TRUE(p.open_session(p.lac, lac_tid, Direction::incoming));
  ASSERT_TRUE(p.sim.run_until([&] { return p.quiet() && p.both_agree(); }, 5s));
  const auto& lns_tunnel = only_tunnel(p.sim.endpoint(p.lns));
  const auto expected = lns_tunnel.channel().expected_ns();
  wire::ControlMessage hello = wire::make_hello();
  hello.header = {lns_tunnel.local_id(), 0, expected, lns_tunnel.channel().next_ns()};
  const auto bytes = *wire::encode_control(hello);
  p.sim.command(p.lns, [&](engine::Endpoint& e, Time now) {
    e.handle_datagram(now, PeerAddress::ipv4(0x7F000001, 40000), p.sim.address(p.lns), bytes);
    return 0;
  });
  EXPECT_EQ(p.sim.endpoint(p.lns).stats().wrong_peer, 1u);
  EXPECT_EQ(only_tunnel(p.sim.endpoint(p.lns)).channel().expected_ns(), expected)
      << "the tunnel's numbering is untouched";
  // The real peer's next message is taken as what it is.
  ASSERT_TRUE(p.open_session(p.lac, lac_tid, Direction::incoming));
  ASSERT_TRUE(p.sim.run_until([&] { return p.quiet(); }, 5s));
  EXPECT_EQ(established_sessions(p.sim.endpoint(p.lns)).size(), 2u) << p.report();
  EXPECT_TRUE(p.both_agree());
}

// The same datagram sent to another address of ours is not the tunnel's either.
TEST(PeerPath, a_message_to_another_address_of_ours_is_dropped_and_counted) {
  LacLnsPair p(92);
  const auto lac_tid = p.open_tunnel(p.lac, p.lns);
  ASSERT_TRUE(p.sim.run_until([&] { return p.quiet(); }, 5s));
  const auto& lns_tunnel = only_tunnel(p.sim.endpoint(p.lns));
  wire::ControlMessage hello = wire::make_hello();
  hello.header = {lns_tunnel.local_id(), 0, lns_tunnel.channel().expected_ns(),
                  lns_tunnel.channel().next_ns()};
  const auto bytes = *wire::encode_control(hello);
  p.sim.command(p.lns, [&](engine::Endpoint& e, Time now) {
    e.handle_datagram(now, kLacAddress, PeerAddress::ipv4(0x7F000063, 1701), bytes);
    return 0;
  });
  EXPECT_EQ(p.sim.endpoint(p.lns).stats().wrong_peer, 1u);
  ASSERT_TRUE(p.open_session(p.lac, lac_tid, Direction::incoming));
  ASSERT_TRUE(p.sim.run_until([&] { return p.quiet(); }, 5s));
  EXPECT_EQ(established_sessions(p.sim.endpoint(p.lns)).size(), 1u) << p.report();
}

// Issue 13, point 5: with a wildcard socket, or several addresses on one, the shell tells the
// engine where each datagram was sent, and every reply — the refusal of a stranger as much as a
// tunnel's messages — leaves from there. A restart sends from the stored address.
TEST(PeerPath, replies_leave_from_the_address_the_peer_used_across_a_restart_too) {
  SeededRandom random(93);
  const PeerAddress ours = PeerAddress::ipv4(0x7F000051, 1701);  // 127.0.0.81
  store::MemoryStore store;
  auto pump = [&](engine::Endpoint& e) {
    std::vector<engine::Datagram> out;
    while (auto r = e.poll_checkpoint())
      store.append(*r);
    EXPECT_EQ(store.commit(), std::nullopt);
    while (auto d = e.poll_transmit())
      out.push_back(std::move(*d));
    while (e.poll_event()) {
    }
    return out;
  };
  engine::Endpoint lns(lns_config(), random);
  wire::ControlMessage sccrq = wire::make_sccrq(555, "lac", wire::kFramingSync);
  lns.handle_datagram(Time{}, kLacAddress, ours, *wire::encode_control(sccrq));
  auto out = pump(lns);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].local, ours) << "the SCCRP";
  const auto& t = only_tunnel(lns);
  EXPECT_EQ(t.local(), ours);
  wire::ControlMessage scccn = wire::make_scccn();
  scccn.header = {t.local_id(), 0, 1, 1};
  lns.handle_datagram(Time{} + 1ms, kLacAddress, ours, *wire::encode_control(scccn));
  lns.handle_timeout(Time{} + 1s);
  out = pump(lns);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back().local, ours) << "the ZLB acknowledging the SCCCN";
  EXPECT_EQ(store.load().tunnels.begin()->second.tunnel.local, ours);

  // A restarted endpoint resends from the stored address.
  wire::ControlMessage hello = wire::make_hello();
  hello.header = {t.local_id(), 0, 2, 1};
  engine::Endpoint again(lns_config(), random);
  again.recover(Time{} + 2s, store.load());
  pump(again);
  again.handle_datagram(Time{} + 3s, kLacAddress, ours, *wire::encode_control(hello));
  again.handle_timeout(Time{} + 4s);
  out = pump(again);
  ASSERT_FALSE(out.empty());
  for (const auto& d : out)
    EXPECT_EQ(d.local, ours);

  // And a refusal goes back from where the request went.
  engine::EndpointConfig strict = lns_config();
  strict.limits.max_tunnels = 1;
  engine::Endpoint full(strict, random);
  full.handle_datagram(Time{}, kLacAddress, ours, *wire::encode_control(sccrq));
  pump(full);
  wire::ControlMessage another = wire::make_sccrq(556, "lac", wire::kFramingSync);
  const PeerAddress other_address = PeerAddress::ipv4(0x7F000052, 1701);
  full.handle_datagram(Time{} + 1ms, kLacAddress, other_address, *wire::encode_control(another));
  out = pump(full);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].local, other_address) << "the StopCCN of a refused SCCRQ";
}

}  // namespace
}  // namespace hl2tp::test

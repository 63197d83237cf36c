// One subscriber's PPP link on the LNS (ppp/link.hpp) against a whole subscriber over the fake
// link: PAP and CHAP to the Network phase with the address assigned, a refused password and a
// verdict that comes late or never, the protocols each phase allows (RFC 1661 §3), a peer that
// Protocol-Rejects an NCP (§5.7), and the Echo keepalive finding a dead or looped-back peer (§5.8).
#include <gtest/gtest.h>

#include <set>

#include "base/byte_writer.hpp"

#include "support/hex.hpp"
#include "support/ppp_link_fixture.hpp"

namespace hl2tp::test {
namespace {

using namespace ppp;
using namespace std::chrono_literals;

Time at(Duration d) {
  return Time{d};
}

ControlPacket decoded(const Bytes& information) {
  const auto packet = decode_packet(information);
  EXPECT_TRUE(packet.has_value());
  return packet ? *packet : ControlPacket{};
}

unsigned count_sent(const LinkHarness& h, std::uint16_t protocol, Code code) {
  unsigned n = 0;
  for (const auto& [at, frame] : h.sent_by_link) {
    if (frame.protocol == protocol && decoded(frame.information).code == static_cast<int>(code)) {
      ++n;
    }
  }
  return n;
}

// Network phase on both ends, with what the LNS handed out held by the subscriber.
void expect_network(const LinkPair& pair, const char* name = "alice") {
  EXPECT_EQ(pair.link->phase(), Phase::network);
  EXPECT_TRUE(pair.subscriber.ipcp_opened());
  EXPECT_EQ(pair.subscriber.ipcp_agreement().our_address, Ipv4Address::of(192, 0, 2, 77));
  EXPECT_EQ(pair.subscriber.ipcp_agreement().primary_dns, Ipv4Address::of(198, 51, 100, 53));
  const auto authenticated = pair.harness.events_of<Authenticated>();
  ASSERT_EQ(authenticated.size(), 1u);
  EXPECT_EQ(authenticated[0].peer_name, name);
  const auto ipcp = pair.harness.events_of<IpcpUp>();
  ASSERT_EQ(ipcp.size(), 1u);
  EXPECT_EQ(ipcp[0].agreement.peer_address, Ipv4Address::of(192, 0, 2, 77));
  EXPECT_EQ(ipcp[0].agreement.our_address, Ipv4Address::of(192, 0, 2, 1));
  EXPECT_TRUE(pair.harness.events_of<LinkDown>().empty());
  // The last checkpoint is the link's state.
  const auto checkpoints = pair.harness.events_of<Checkpoint>();
  ASSERT_FALSE(checkpoints.empty());
  EXPECT_EQ(checkpoints.back().state, pair.link->state());
}

TEST(PppLink, PapUpToTheNetworkPhase) {
  LinkPair pair(lns_link_config({AuthProtocol::pap}), {}, 1);
  pair.harness.start();
  pair.harness.advance_to(at(10s));
  expect_network(pair);
  EXPECT_EQ(pair.link->lcp_agreement().authentication, AuthProtocol::pap);
  EXPECT_EQ(pair.subscriber.auth, PppSubscriber::Auth::succeeded);
  EXPECT_TRUE(pair.subscriber.ipv6cp_opened());
  EXPECT_EQ(pair.harness.events_of<Ipv6cpUp>().size(), 1u);
  const auto state = pair.link->state();
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->peer_name, "alice");
  EXPECT_TRUE(state->ipcp && state->ipv6cp);
  EXPECT_EQ(state->lcp.peer_magic_number, pair.subscriber.lcp_agreement().our_magic_number);
}

TEST(PppLink, ChapUpToTheNetworkPhase) {
  LinkPair pair(lns_link_config({AuthProtocol::chap_md5, AuthProtocol::pap}), {}, 2);
  pair.harness.start(200ms);
  pair.harness.advance_to(at(10s));
  expect_network(pair);
  EXPECT_EQ(pair.link->lcp_agreement().authentication, AuthProtocol::chap_md5);
  // The phases in the diagram's order: the Challenge only after LCP, IPCP only after Success.
  Time challenge{}, first_ipcp{};
  for (const auto& [t, frame] : pair.harness.sent_by_link) {
    if (frame.protocol == kChapProtocol && challenge == Time{}) challenge = t;
    if (frame.protocol == kIpcpProtocol && first_ipcp == Time{}) first_ipcp = t;
  }
  EXPECT_LT(challenge, first_ipcp);
  EXPECT_LE(*pair.harness.first_time_of<Authenticated>(), first_ipcp);
}

TEST(PppLink, WithoutAuthenticationConfiguredGoesStraightToNetwork) {
  LinkPair pair(lns_link_config({}), {}, 3);
  pair.harness.start();
  pair.harness.advance_to(at(10s));
  EXPECT_EQ(pair.link->phase(), Phase::network);
  EXPECT_TRUE(pair.harness.events_of<Authenticated>().empty());
  EXPECT_TRUE(pair.subscriber.ipcp_opened());
}

TEST(PppLink, AWrongPasswordIsRefusedAndTheLinkTerminated) {
  for (AuthProtocol protocol : {AuthProtocol::pap, AuthProtocol::chap_md5}) {
    SCOPED_TRACE(static_cast<int>(protocol));
    LinkPair pair(lns_link_config({protocol}), {.secret = "guessed"}, 4);
    pair.harness.start();
    pair.harness.advance_to(at(30s));
    EXPECT_EQ(pair.subscriber.auth, PppSubscriber::Auth::failed);
    const auto down = pair.harness.events_of<LinkDown>();
    ASSERT_EQ(down.size(), 1u);
    EXPECT_EQ(down[0].reason, DownReason::authentication_refused);
    EXPECT_EQ(down[0].text, "Authentication failed");
    EXPECT_EQ(pair.link->phase(), Phase::dead);
    EXPECT_EQ(count_sent(pair.harness, kLcpProtocol, Code::terminate_request), 1u);
    EXPECT_FALSE(pair.subscriber.ipcp_opened());
    EXPECT_EQ(count_sent(pair.harness, kIpcpProtocol, Code::configure_request), 0u);
    EXPECT_TRUE(pair.harness.events_of<Authenticated>().empty());
  }
}

TEST(PppLink, AVerdictArrivingLateStillBringsTheLinkUp) {
  LinkPair pair(lns_link_config(), {}, 5);
  pair.harness.verdict_delay = 20s;  // within ChapConfig::verdict_timeout (30 s)
  pair.harness.start();
  pair.harness.advance_to(at(15s));
  EXPECT_EQ(pair.link->phase(), Phase::authenticate);
  // The NCPs' packets before the Network phase are not answered (§3.5).
  EXPECT_EQ(count_sent(pair.harness, kIpcpProtocol, Code::configure_request), 0u);
  pair.harness.advance_to(at(25s));
  expect_network(pair);
}

TEST(PppLink, AVerdictThatNeverComesTimesOutAndTheLateOneIsDiscarded) {
  LinkPair pair(lns_link_config(), {}, 6);
  pair.harness.verdict_delay = 45s;
  pair.harness.start();
  pair.harness.advance_to(at(60s));
  const auto down = pair.harness.events_of<LinkDown>();
  ASSERT_EQ(down.size(), 1u);
  EXPECT_EQ(down[0].reason, DownReason::authentication_timed_out);
  EXPECT_EQ(pair.subscriber.auth, PppSubscriber::Auth::failed);
  const LinkOutput& last = pair.harness.outputs.back();  // the verdict, at 45 s
  EXPECT_EQ(last.discarded, LinkDiscard::no_verification);
}

TEST(PppLink, APeerThatRejectsIpv6cpKeepsTheLinkWithIpcp) {
  LinkPair pair(lns_link_config(), {.ipv6cp = false}, 7);
  pair.harness.start();
  pair.harness.advance_to(at(10s));
  expect_network(pair);
  EXPECT_EQ(pair.link->ipv6cp_state(), State::initial);  // stopped, sending nothing more (§5.7)
  EXPECT_EQ(count_sent(pair.harness, kIpv6cpProtocol, Code::configure_request), 1u);
  ASSERT_TRUE(pair.link->state().has_value());
  EXPECT_FALSE(pair.link->state()->ipv6cp.has_value());
}

TEST(PppLink, EachPhaseTakesOnlyWhatItAllows) {
  SeededRandom random(8);
  Link link(lns_link_config(), random);
  const Bytes ipcp_request = encode_packet({1, 1, from_hex("0306 00000000")});
  // Dead: LCP's automaton drops what arrives before Up; anything else is not allowed.
  EXPECT_EQ(link.receive(at(0s), kIpcpProtocol, ipcp_request).discarded, LinkDiscard::not_in_phase);
  auto out = link.lower_up(at(0s));
  EXPECT_EQ(link.phase(), Phase::establish);
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(out.send[0].protocol, kLcpProtocol);
  // Establish: §3.4, non-LCP silently discarded; an unknown protocol has no Protocol-Reject yet.
  EXPECT_EQ(link.receive(at(1s), kIpcpProtocol, ipcp_request).discarded, LinkDiscard::not_in_phase);
  EXPECT_EQ(link.receive(at(1s), kChapProtocol, from_hex("02010005 00")).discarded,
            LinkDiscard::not_in_phase);
  out = link.receive(at(1s), 0x0021, from_hex("4500"));
  EXPECT_EQ(out.discarded, LinkDiscard::unsupported);
  EXPECT_TRUE(out.send.empty());
}

TEST(PppLink, AnUnknownProtocolIsProtocolRejectedOnceLcpIsOpened) {
  LinkPair pair(lns_link_config({}), {}, 9);
  pair.harness.start();
  pair.harness.advance_to(at(5s));
  ASSERT_EQ(pair.link->phase(), Phase::network);
  const auto out = pair.link->receive(at(5s), 0x002b, from_hex("0102 0304"));
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(out.send[0].protocol, kLcpProtocol);
  const ControlPacket reject = decoded(out.send[0].information);
  EXPECT_EQ(reject.code, static_cast<int>(Code::protocol_reject));
  EXPECT_EQ(reject.data, from_hex("002b 0102 0304"));  // §5.7: the protocol, then the frame
  // IPv6CP left out of the configuration is a protocol this link does not support.
  auto config = lns_link_config({});
  config.ipv6cp.reset();
  LinkPair v4(config, {}, 10);
  v4.harness.start();
  v4.harness.advance_to(at(5s));
  EXPECT_TRUE(v4.subscriber.ipcp_opened());
  EXPECT_FALSE(v4.subscriber.ipv6cp_opened());
  EXPECT_EQ(v4.link->phase(), Phase::network);
}

// §5.8 with the defaults: an Echo-Request every 30 s from LCP Opened, and the peer judged dead
// when three went unanswered, at the fourth interval; the Terminate-Request then has its two
// Restart intervals (§4.6 Max-Terminate) before the link is reported down.
TEST(PppLinkEcho, ADeadPeerIsFoundAtTheRightTime) {
  LinkPair pair(lns_link_config(), {}, 11);
  pair.harness.start();
  pair.harness.advance_to(at(2s));
  ASSERT_EQ(pair.link->phase(), Phase::network);
  const Time opened = Time{pair.link->keepalive().deadline()->since_origin - 30s};
  pair.subscriber.silent = true;
  pair.harness.advance_to(opened + 119s);
  EXPECT_EQ(pair.link->phase(), Phase::network);
  EXPECT_EQ(count_sent(pair.harness, kLcpProtocol, Code::echo_request), 3u);
  EXPECT_EQ(pair.link->keepalive().unanswered(), 3u);
  pair.harness.advance_to(opened + 120s);
  EXPECT_EQ(pair.link->phase(), Phase::terminate);
  EXPECT_EQ(count_sent(pair.harness, kLcpProtocol, Code::terminate_request), 1u);
  EXPECT_TRUE(pair.harness.events_of<LinkDown>().empty());
  pair.harness.advance_to(opened + 126s);
  const auto down = pair.harness.events_of<LinkDown>();
  ASSERT_EQ(down.size(), 1u);
  EXPECT_EQ(down[0].reason, DownReason::peer_not_answering);
  EXPECT_EQ(pair.harness.first_time_of<LinkDown>(), opened + 126s);
  EXPECT_EQ(pair.link->phase(), Phase::dead);
  // Leaving the Network phase, the checkpoint is withdrawn.
  EXPECT_FALSE(pair.harness.events_of<Checkpoint>().back().state.has_value());
}

TEST(PppLinkEcho, AnAnsweringPeerStaysAndEachRequestCarriesOurMagicNumber) {
  LinkPair pair(lns_link_config(), {}, 12);
  pair.harness.start();
  pair.harness.advance_to(at(10min));
  EXPECT_EQ(pair.link->phase(), Phase::network);
  EXPECT_EQ(count_sent(pair.harness, kLcpProtocol, Code::echo_request), 19u);
  std::set<int> identifiers;
  for (const auto& [t, frame] : pair.harness.sent_by_link) {
    const ControlPacket p = decoded(frame.information);
    if (frame.protocol != kLcpProtocol || p.code != static_cast<int>(Code::echo_request)) continue;
    identifiers.insert(p.identifier);
    Bytes magic;
    ByteWriter(magic).u32(pair.link->lcp_agreement().our_magic_number);
    EXPECT_EQ(p.data, magic);
  }
  EXPECT_EQ(identifiers.size(), 19u);  // §5.8: a new Identifier for each
  EXPECT_EQ(pair.link->keepalive().unanswered(), 0u);
}

TEST(PppLinkEcho, OurOwnEchoComingBackIsALoopNotAnAnswer) {
  LinkPair pair(lns_link_config({}), {}, 13);
  pair.harness.start();
  pair.harness.advance_to(at(31s));
  ASSERT_EQ(pair.link->phase(), Phase::network);
  pair.subscriber.silent = true;
  pair.harness.advance_to(at(62s));
  const unsigned unanswered = pair.link->keepalive().unanswered();
  ASSERT_GT(unanswered, 0u);
  Bytes ours;
  ByteWriter(ours).u32(pair.link->lcp_agreement().our_magic_number);
  for (Code code : {Code::echo_reply, Code::echo_request}) {
    const auto out = pair.link->receive(at(62s), kLcpProtocol,
                                        encode_packet({static_cast<std::uint8_t>(code), 7, ours}));
    EXPECT_EQ(out.discarded, LinkDiscard::looped_back);
    EXPECT_TRUE(out.send.empty());  // not answered: it is our own
  }
  EXPECT_EQ(pair.link->keepalive().unanswered(), unanswered);
  // Any other frame from the peer is an answer.
  Bytes theirs;
  ByteWriter(theirs).u32(pair.link->lcp_agreement().peer_magic_number);
  pair.link->receive(at(62s), kLcpProtocol, encode_packet({10, 7, theirs}));
  EXPECT_EQ(pair.link->keepalive().unanswered(), 0u);
}

TEST(PppLinkEcho, ZeroIntervalDisablesIt) {
  auto config = lns_link_config({});
  config.echo.interval = Duration::zero();
  LinkPair pair(config, {}, 14);
  pair.harness.start();
  pair.harness.advance_to(at(5s));
  ASSERT_EQ(pair.link->phase(), Phase::network);
  pair.subscriber.silent = true;
  pair.harness.advance_to(at(1h));
  EXPECT_EQ(pair.link->phase(), Phase::network);
  EXPECT_FALSE(pair.link->deadline().has_value());
  EXPECT_EQ(count_sent(pair.harness, kLcpProtocol, Code::echo_request), 0u);
}

TEST(PppLink, AnAdministrativeCloseTerminatesWithItsReason) {
  LinkPair pair(lns_link_config(), {}, 15);
  pair.harness.start();
  pair.harness.advance_to(at(5s));
  ASSERT_EQ(pair.link->phase(), Phase::network);
  pair.harness.take_link(pair.link->close(at(5s), "operator"));
  EXPECT_EQ(pair.link->phase(), Phase::terminate);
  EXPECT_EQ(pair.harness.events_of<NcpDown>().size(), 2u);
  pair.harness.advance_to(at(10s));
  const auto down = pair.harness.events_of<LinkDown>();
  ASSERT_EQ(down.size(), 1u);
  EXPECT_EQ(down[0], (LinkDown{DownReason::administrative, "operator"}));
  EXPECT_EQ(pair.link->phase(), Phase::dead);
  EXPECT_NE(pair.subscriber.lcp_state(), State::opened);
}

}  // namespace
}  // namespace hl2tp::test

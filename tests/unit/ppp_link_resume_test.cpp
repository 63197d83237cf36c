// A link resumed from its checkpoint (ppp::Link::resumed, ppp/link_state.hpp), as a restarted
// process takes it back: silent on resume, then answering the subscriber as the link it replaces
// would have: an Echo-Request with the same Magic-Number (RFC 1661 §5.8), a Terminate-Request
// (§5.5), an IPCP Configure-Request as a renegotiation (§4.1, Opened column), and the subscriber
// itself carrying on.
#include <gtest/gtest.h>

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

Bytes echo(Code code, std::uint8_t identifier, std::uint32_t magic) {
  Bytes data;
  ByteWriter(data).u32(magic);
  data.push_back(std::byte{0xab});
  return encode_packet({static_cast<std::uint8_t>(code), identifier, data});
}

// A link negotiated to the Network phase, and its checkpoint.
struct Negotiated {
  explicit Negotiated(std::uint64_t seed, SubscriberSettings settings = {})
      : pair(lns_link_config(), std::move(settings), seed) {
    pair.harness.start();
    pair.harness.advance_to(at(10s));
    EXPECT_EQ(pair.link->phase(), Phase::network);
    state = *pair.link->state();
    EXPECT_EQ(pair.harness.events_of<Checkpoint>().back().state, state);
  }
  LinkPair pair;
  LinkState state;
  SeededRandom other_random{99};  // the restarted process's
};

TEST(PppLinkResume, IsSilentAndAnswersAnEchoWithTheSameMagicNumber) {
  Negotiated n(21);
  ASSERT_TRUE(n.state.ipcp && n.state.ipv6cp);
  Link resumed = Link::resumed(lns_link_config(), n.state, n.other_random, at(10s));
  EXPECT_EQ(resumed.phase(), Phase::network);
  EXPECT_EQ(resumed.state(), n.state);
  EXPECT_EQ(resumed.lcp_state(), State::opened);
  EXPECT_EQ(resumed.ipcp_state(), State::opened);
  EXPECT_EQ(resumed.ipv6cp_state(), State::opened);
  // Nothing is due but the keepalive, restarted.
  EXPECT_EQ(resumed.deadline(), at(40s));
  auto out = resumed.timeout(at(10s));
  EXPECT_TRUE(out.send.empty());
  EXPECT_TRUE(out.events.empty());

  out = resumed.receive(at(11s), kLcpProtocol,
                        echo(Code::echo_request, 33, n.state.lcp.peer_magic_number));
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(out.send[0].protocol, kLcpProtocol);
  EXPECT_EQ(out.send[0].information, echo(Code::echo_reply, 33, n.state.lcp.our_magic_number));
  // Its own Echo-Requests carry the Magic-Number and continue the Identifiers.
  out = resumed.timeout(at(40s));
  ASSERT_EQ(out.send.size(), 1u);
  const ControlPacket request = decoded(out.send[0].information);
  EXPECT_EQ(request.identifier, n.state.echo_identifier);
  Bytes magic;
  ByteWriter(magic).u32(n.state.lcp.our_magic_number);
  EXPECT_EQ(request.data, magic);
}

TEST(PppLinkResume, TakesAnIpcpConfigureRequestAsARenegotiation) {
  Negotiated n(22);
  Link resumed = Link::resumed(lns_link_config(), n.state, n.other_random, at(10s));
  // The subscriber asks again what it holds.
  const Bytes request =
      encode_packet({1, 50, from_hex("0306 c000024d 8106 c6336435 8306 c6336436")});
  const auto out = resumed.receive(at(12s), kIpcpProtocol, request);
  // RCR+ in Opened: tld, scr, sca (§4.1); our request under the checkpointed Identifier.
  ASSERT_EQ(out.send.size(), 2u);
  EXPECT_EQ(out.send[0].protocol, kIpcpProtocol);
  EXPECT_EQ(decoded(out.send[0].information),
            (ControlPacket{1, n.state.ipcp_identifier, from_hex("0306 c0000201")}));
  EXPECT_EQ(decoded(out.send[1].information), (ControlPacket{2, 50, decoded(request).data}));
  ASSERT_EQ(out.events.size(), 2u);
  EXPECT_EQ(out.events[0], LinkEvent(NcpDown{kIpcpProtocol}));
  const auto& checkpoint = std::get<Checkpoint>(out.events[1]);
  ASSERT_TRUE(checkpoint.state.has_value());
  EXPECT_FALSE(checkpoint.state->ipcp.has_value());
  EXPECT_TRUE(checkpoint.state->ipv6cp.has_value());
  EXPECT_EQ(resumed.ipcp_state(), State::ack_sent);
}

TEST(PppLinkResume, AnswersATerminateRequest) {
  Negotiated n(23);
  Link resumed = Link::resumed(lns_link_config(), n.state, n.other_random, at(10s));
  auto out = resumed.receive(at(12s), kLcpProtocol, encode_packet({5, 9, {}}));
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(decoded(out.send[0].information), (ControlPacket{6, 9, {}}));
  EXPECT_EQ(resumed.phase(), Phase::terminate);
  EXPECT_EQ(out.events.back(), LinkEvent(Checkpoint{std::nullopt}));
  // §3.7: the receiver waits a Restart interval before the link is down.
  out = resumed.timeout(at(15s));
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0], LinkEvent(LinkDown{DownReason::peer_terminated, {}}));
  EXPECT_EQ(resumed.phase(), Phase::dead);
}

TEST(PppLinkResume, TheSubscriberCarriesOnWithTheResumedLink) {
  Negotiated n(24);
  auto resumed = std::make_unique<Link>(
      Link::resumed(lns_link_config(), n.state, n.other_random, n.pair.harness.now()));
  const std::size_t sent_before = n.pair.harness.sent_by_link.size();
  n.pair.harness.replace_link(*resumed);
  n.pair.harness.advance_to(at(10min));
  EXPECT_EQ(resumed->phase(), Phase::network);
  EXPECT_EQ(resumed->keepalive().unanswered(), 0u);
  EXPECT_TRUE(n.pair.subscriber.ipcp_opened());
  EXPECT_TRUE(n.pair.subscriber.ipv6cp_opened());
  // Only Echo-Requests went out: nothing was renegotiated.
  for (std::size_t i = sent_before; i < n.pair.harness.sent_by_link.size(); ++i) {
    const LinkFrame& frame = n.pair.harness.sent_by_link[i].second;
    EXPECT_EQ(frame.protocol, kLcpProtocol);
    EXPECT_EQ(decoded(frame.information).code, static_cast<int>(Code::echo_request));
  }
  ASSERT_TRUE(resumed->state().has_value());
  EXPECT_EQ(resumed->state()->lcp, n.state.lcp);
  EXPECT_EQ(resumed->state()->ipcp, n.state.ipcp);
  EXPECT_EQ(resumed->state()->ipv6cp, n.state.ipv6cp);
}

TEST(PppLinkResume, AnNcpNotOpenedStartsWhenTheSubscriberSpeaksIt) {
  Negotiated n(25);
  LinkState state = n.state;
  state.ipv6cp.reset();
  Link resumed = Link::resumed(lns_link_config(), state, n.other_random, at(10s));
  EXPECT_EQ(resumed.ipv6cp_state(), State::initial);
  const auto out = resumed.receive(at(11s), kIpv6cpProtocol,
                                   encode_packet({1, 4, from_hex("010a 0a00000000000001")}));
  ASSERT_EQ(out.send.size(), 2u);  // our request, then the Ack
  EXPECT_EQ(decoded(out.send[0].information).code, 1);
  EXPECT_EQ(decoded(out.send[1].information).code, 2);
  EXPECT_EQ(resumed.ipv6cp_state(), State::ack_sent);
}

TEST(PppLinkResume, AnNcpNotOpenedContinuesItsIdentifiers) {
  // Its checkpoint is its own (found by fuzzing the Link): a request after the resume does not
  // repeat an Identifier the subscriber may have just seen on one of ours (RFC 1661 §5.1).
  Negotiated n(26);
  LinkState state = n.state;
  state.ipv6cp.reset();
  state.ipv6cp_identifier = 200;
  Link resumed = Link::resumed(lns_link_config(), state, n.other_random, at(10s));
  EXPECT_EQ(resumed.state(), state);
  const auto out = resumed.receive(at(11s), kIpv6cpProtocol,
                                   encode_packet({1, 4, from_hex("010a 0a00000000000001")}));
  ASSERT_FALSE(out.send.empty());
  EXPECT_EQ(decoded(out.send[0].information).identifier, 200);
}

}  // namespace
}  // namespace hl2tp::test

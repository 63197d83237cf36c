// The LAC's proxied LCP and authentication (RFC 2661 §4.4.5, ppp/proxy_lcp.hpp): taken when
// consistent with our configuration (LCP Opened at once, the proxied credentials verified, no
// packet to the subscriber for either), negotiated from the start when not, or when configured
// to; and a whole subscriber that negotiated with a LAC carrying on with the LNS.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "base/byte_writer.hpp"
#include "ppp/credential_check.hpp"
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

Bytes md5_response(std::uint8_t id, std::string_view secret, const Bytes& challenge) {
  Bytes buffer{static_cast<std::byte>(id)};
  for (char c : secret)
    buffer.push_back(static_cast<std::byte>(c));
  buffer.insert(buffer.end(), challenge.begin(), challenge.end());
  Bytes digest(EVP_MAX_MD_SIZE);
  unsigned int length = 0;
  EVP_Digest(buffer.data(), buffer.size(), reinterpret_cast<unsigned char*>(digest.data()), &length,
             EVP_md5(), nullptr);
  digest.resize(length);
  return digest;
}

const Bytes kChallenge = from_hex("000102030405060708090a0b0c0d0e0f");

// The LAC asked CHAP and Magic-Number 0x11223344; the subscriber MRU 1492 and 0x55667788.
ProxyLcp chap_proxy() {
  ProxyLcp proxy;
  proxy.initial_received = from_hex("0104 05d4 0506 55667788 0702");
  proxy.last_sent = from_hex("0305 c22305 0506 11223344");
  proxy.last_received = from_hex("0104 05d4 0506 55667788");
  proxy.authentication =
      ProxyAuthentication{static_cast<std::uint16_t>(ProxyAuthenType::chap), "alice", kChallenge, 7,
                          md5_response(7, "open sesame", kChallenge)};
  return proxy;
}

TEST(PppLinkProxy, AConsistentProxyOpensLcpAndVerifiesTheProxiedCredentials) {
  SeededRandom random(31);
  Link link(lns_link_config(), random, chap_proxy());
  auto out = link.lower_up(at(0s));
  EXPECT_TRUE(out.send.empty());  // nothing to the subscriber
  EXPECT_EQ(link.phase(), Phase::authenticate);
  EXPECT_EQ(link.lcp_state(), State::opened);
  const LcpAgreement& agreed = link.lcp_agreement();
  EXPECT_EQ(agreed.our_magic_number, 0x11223344u);
  EXPECT_EQ(agreed.peer_magic_number, 0x55667788u);
  EXPECT_EQ(agreed.peer_mru, 1492);
  EXPECT_EQ(agreed.authentication, AuthProtocol::chap_md5);
  ASSERT_TRUE(out.verify.has_value());
  EXPECT_EQ(*out.verify, Credentials(ChapCredentials{"alice", 7, kChallenge,
                                                     md5_response(7, "open sesame", kChallenge)}));

  // The verifier accepts, as it would our own Challenge's Response: the NCPs begin.
  out = link.verdict(at(1s), local_verdict(*out.verify, "open sesame"));
  EXPECT_EQ(out.events.front(), LinkEvent(Authenticated{"alice"}));
  EXPECT_EQ(link.phase(), Phase::network);
  ASSERT_EQ(out.send.size(), 2u);
  EXPECT_EQ(out.send[0].protocol, kIpcpProtocol);
  EXPECT_EQ(out.send[1].protocol, kIpv6cpProtocol);
  // The subscriber's Echo-Request is answered with the Magic-Number it knows: the LAC's.
  Bytes theirs;
  ByteWriter(theirs).u32(0x55667788);
  out = link.receive(at(2s), kLcpProtocol, encode_packet({9, 3, theirs}));
  ASSERT_EQ(out.send.size(), 1u);
  Bytes ours;
  ByteWriter(ours).u32(0x11223344);
  EXPECT_EQ(decoded(out.send[0].information), (ControlPacket{10, 3, ours}));
}

TEST(PppLinkProxy, RefusedProxiedCredentialsTerminateTheLink) {
  SeededRandom random(32);
  Link link(lns_link_config(), random, chap_proxy());
  auto out = link.lower_up(at(0s));
  out = link.verdict(at(1s), local_verdict(*out.verify, "another secret"));
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(out.send[0].protocol, kLcpProtocol);
  EXPECT_EQ(decoded(out.send[0].information).code, static_cast<int>(Code::terminate_request));
  EXPECT_EQ(link.phase(), Phase::terminate);
  // §4.6 Max-Terminate: a second Terminate-Request, then the link is down.
  EXPECT_EQ(link.timeout(at(4s)).send.size(), 1u);
  out = link.timeout(at(7s));
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(std::get<LinkDown>(out.events[0]).reason, DownReason::authentication_refused);
}

TEST(PppLinkProxy, ProxiedPapIsHandedToTheVerifier) {
  SeededRandom random(33);
  ProxyLcp proxy = chap_proxy();
  proxy.last_sent = from_hex("0304 c023 0506 11223344");
  proxy.authentication = ProxyAuthentication{static_cast<std::uint16_t>(ProxyAuthenType::pap),
                                             "alice",
                                             {},
                                             3,
                                             from_hex("6f70656e20736573616d65")};
  Link link(lns_link_config({AuthProtocol::chap_md5, AuthProtocol::pap}), random, proxy);
  const auto out = link.lower_up(at(0s));
  EXPECT_TRUE(out.send.empty());
  ASSERT_TRUE(out.verify.has_value());
  EXPECT_EQ(*out.verify, Credentials(PapCredentials{"alice", "open sesame"}));
}

TEST(PppLinkProxy, WithoutProxiedAuthenticationTheLnsChallengesItself) {
  SeededRandom random(34);
  ProxyLcp proxy = chap_proxy();
  proxy.authentication.reset();  // RFC 2661 §4.4.5: no Proxy Authen Type AVP
  Link link(lns_link_config(), random, proxy);
  const auto out = link.lower_up(at(0s));
  EXPECT_EQ(link.lcp_state(), State::opened);
  EXPECT_FALSE(out.verify.has_value());
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(out.send[0].protocol, kChapProtocol);
  // A proxied authentication of another type than LCP agreed is no better.
  proxy.authentication = chap_proxy().authentication;
  proxy.authentication->type = static_cast<std::uint16_t>(ProxyAuthenType::mschap_v1);
  Link other(lns_link_config(), random, proxy);
  EXPECT_EQ(other.lower_up(at(0s)).send.at(0).protocol, kChapProtocol);
}

// Each of these the LNS would not have agreed: LCP is negotiated from the start.
TEST(PppLinkProxy, AnInconsistentProxyIsRenegotiated) {
  struct Case {
    const char* what;
    std::optional<const char*> sent;
    std::optional<const char*> received;
  };
  const Case cases[] = {
      {"an MRU above ours", "0305 c22305 0506 11223344", "0104 05dd 0506 55667788"},
      {"PAP, which we do not allow", "0304 c023 0506 11223344", "0506 55667788"},
      {"PFC, not configured", "0305 c22305 0506 11223344", "0506 55667788 0702"},
      {"no authentication asked", "0506 11223344", "0506 55667788"},
      {"Quality-Protocol asked", "0305 c22305 0408 c0250000000a", "0506 55667788"},
      {"the subscriber's Magic-Number ours", "0305 c22305 0506 11223344", "0506 11223344"},
      {"a malformed CONFREQ", "0305 c22305", "0105 05"},
      {"no Last Sent CONFREQ", std::nullopt, "0506 55667788"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    SeededRandom random(35);
    ProxyLcp proxy = chap_proxy();
    proxy.last_sent = c.sent ? std::optional(from_hex(*c.sent)) : std::nullopt;
    proxy.last_received = from_hex(*c.received);
    EXPECT_FALSE(take_proxied_lcp(lns_link_config().lcp, proxy, random).has_value());
    Link link(lns_link_config(), random, proxy);
    const auto out = link.lower_up(at(0s));
    EXPECT_EQ(link.phase(), Phase::establish);
    ASSERT_EQ(out.send.size(), 1u);
    EXPECT_EQ(decoded(out.send[0].information).code, static_cast<int>(Code::configure_request));
    EXPECT_FALSE(out.verify.has_value());
  }
}

TEST(PppLinkProxy, RenegotiateSetNegotiatesEvenAConsistentProxy) {
  SeededRandom random(36);
  auto config = lns_link_config();
  config.renegotiate_proxied_lcp = true;
  Link link(config, random, chap_proxy());
  const auto out = link.lower_up(at(0s));
  EXPECT_EQ(link.phase(), Phase::establish);
  ASSERT_EQ(out.send.size(), 1u);
  EXPECT_EQ(out.send[0].protocol, kLcpProtocol);
}

// A subscriber negotiates LCP and CHAP with a LAC (played by a Link without NCPs, which answers
// it Success), then the LNS takes over with what the LAC proxied, and the subscriber's NCPs come
// up with the LNS without LCP being negotiated again.
TEST(PppLinkProxy, ASubscriberHandedOverByALacReachesTheNetworkPhase) {
  auto lac_config = lns_link_config();
  lac_config.ipcp.reset();
  lac_config.ipv6cp.reset();
  LinkPair pair(lac_config, {}, 37);
  pair.harness.start();
  pair.harness.advance_to(at(2s));
  ASSERT_EQ(pair.link->phase(), Phase::network);
  ASSERT_EQ(pair.subscriber.auth, PppSubscriber::Auth::succeeded);

  // What the LAC's ICCN would carry.
  ProxyLcp proxy;
  for (const auto& [t, frame] : pair.harness.sent_by_link) {
    const ControlPacket p = decoded(frame.information);
    if (frame.protocol == kLcpProtocol && p.code == 1) proxy.last_sent = p.data;
  }
  for (const LinkFrame& frame : pair.harness.sent_by_subscriber) {
    const ControlPacket p = decoded(frame.information);
    if (frame.protocol == kLcpProtocol && p.code == 1) proxy.last_received = p.data;
  }
  for (const LinkOutput& out : pair.harness.outputs) {
    if (!out.verify) continue;
    const auto& chap = std::get<ChapCredentials>(*out.verify);
    proxy.authentication =
        ProxyAuthentication{static_cast<std::uint16_t>(ProxyAuthenType::chap), chap.peer_name,
                            chap.challenge, chap.identifier, chap.response};
  }

  SeededRandom lns_random(38);
  Link lns(lns_link_config(), lns_random, proxy);
  const std::size_t sent_before = pair.harness.sent_by_link.size();
  pair.harness.replace_link(lns);
  pair.harness.take_link(lns.lower_up(pair.harness.now()));
  pair.harness.advance_to(at(10s));
  EXPECT_EQ(lns.phase(), Phase::network);
  EXPECT_TRUE(pair.subscriber.ipcp_opened());
  EXPECT_EQ(pair.subscriber.ipcp_agreement().our_address, Ipv4Address::of(192, 0, 2, 77));
  EXPECT_EQ(lns.lcp_agreement().peer_magic_number,
            pair.subscriber.lcp_agreement().our_magic_number);
  for (std::size_t i = sent_before; i < pair.harness.sent_by_link.size(); ++i) {
    const LinkFrame& frame = pair.harness.sent_by_link[i].second;
    EXPECT_TRUE(frame.protocol == kIpcpProtocol || frame.protocol == kIpv6cpProtocol ||
                decoded(frame.information).code == static_cast<int>(Code::echo_request));
  }
}

}  // namespace
}  // namespace hl2tp::test

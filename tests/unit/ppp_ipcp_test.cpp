// IPCP as the LNS negotiates it (ppp/ipcp_options.hpp): its request and its judgement of the
// subscriber's (RFC 1332 §3, RFC 1877 §1), then the LNS and a dial-up client back to back over a
// fake link, clean and lossy, to Opened with the client holding the address and DNS servers it
// was given.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "ppp/ipcp_options.hpp"
#include "ppp/negotiation.hpp"
#include "support/hex.hpp"
#include "support/ppp_ipcp_subscriber.hpp"
#include "support/ppp_link.hpp"

namespace hl2tp::test {
namespace {

using namespace ppp;
using namespace std::chrono_literals;
using Kind = RequestVerdict::Kind;

std::vector<ConfigOption> options(const char* hex) {
  auto decoded = decode_options(from_hex(hex));
  EXPECT_TRUE(decoded.has_value()) << hex;
  return decoded ? *decoded : std::vector<ConfigOption>{};
}

// 192.0.2.1 for the LNS, 192.0.2.77 for the subscriber, DNS 198.51.100.53 and .54 (RFC 5737).
IpcpConfig lns_config() {
  IpcpConfig config;
  config.our_address = Ipv4Address::of(192, 0, 2, 1);
  config.peer_address = Ipv4Address::of(192, 0, 2, 77);
  config.primary_dns = Ipv4Address::of(198, 51, 100, 53);
  config.secondary_dns = Ipv4Address::of(198, 51, 100, 54);
  return config;
}

TEST(PppIpcpOptions, RequestsItsOwnAddress) {
  IpcpOptions ipcp(lns_config());
  EXPECT_EQ(ipcp.request_options(), options("0306 c0000201"));
}

TEST(PppIpcpOptions, NaksTheAddressAskedAsZeroOrWrongWithTheAssignedOne) {
  IpcpOptions ipcp(lns_config());
  auto verdict = ipcp.judge_request(options("0306 00000000"), true);
  EXPECT_EQ(verdict.kind, Kind::nak);
  EXPECT_EQ(verdict.options, options("0306 c000024d"));
  EXPECT_EQ(verdict.continuation, Continuation::go_on);
  EXPECT_EQ(ipcp.judge_request(options("0306 0a000001"), true).options, options("0306 c000024d"));
  verdict = ipcp.judge_request(options("0306 c000024d"), true);
  EXPECT_EQ(verdict.kind, Kind::ack);
  EXPECT_EQ(verdict.continuation, Continuation::go_on);
}

TEST(PppIpcpOptions, AppendsTheAssignedAddressToANakWhenNotAsked) {
  // §3.3: the option SHOULD be appended to a Configure-Nak.
  IpcpOptions ipcp(lns_config());
  auto verdict = ipcp.judge_request({}, true);
  EXPECT_EQ(verdict.kind, Kind::nak);
  EXPECT_EQ(verdict.options, options("0306 c000024d"));
  verdict = ipcp.judge_request(options("8106 c6336435"), true);
  EXPECT_EQ(verdict.options, options("0306 c000024d"));
}

TEST(PppIpcpOptions, NaksTheDnsServersAskedAsZeroOrWrongWithTheConfiguredOnes) {
  IpcpOptions ipcp(lns_config());
  auto verdict = ipcp.judge_request(options("0306 c000024d 8106 00000000 8306 00000000"), true);
  EXPECT_EQ(verdict.kind, Kind::nak);
  EXPECT_EQ(verdict.options, options("8106 c6336435 8306 c6336436"));
  // Both Nak'd together with the address, in the order asked (RFC 1661 §5.3).
  verdict = ipcp.judge_request(options("8306 08080808 0306 00000000 8106 c6336435"), true);
  EXPECT_EQ(verdict.options, options("8306 c6336436 0306 c000024d"));
  verdict = ipcp.judge_request(options("0306 c000024d 8106 c6336435 8306 c6336436"), true);
  EXPECT_EQ(verdict.kind, Kind::ack);
}

TEST(PppIpcpOptions, RejectsDnsWhenNoneIsConfigured) {
  IpcpConfig config = lns_config();
  config.primary_dns.reset();
  config.secondary_dns.reset();
  IpcpOptions ipcp(config);
  const auto verdict =
      ipcp.judge_request(options("0306 00000000 8106 00000000 8306 00000000"), true);
  // §5.4 before §5.3: the reject alone; the address is Nak'd on the next request.
  EXPECT_EQ(verdict.kind, Kind::reject);
  EXPECT_EQ(verdict.options, options("8106 00000000 8306 00000000"));
  EXPECT_EQ(verdict.continuation, Continuation::go_on);
  // Only the primary configured: the secondary alone is rejected.
  config.primary_dns = Ipv4Address::of(198, 51, 100, 53);
  IpcpOptions primary_only(config);
  EXPECT_EQ(primary_only.judge_request(options("0306 c000024d 8106 00000000 8306 00000000"), true)
                .options,
            options("8306 00000000"));
}

TEST(PppIpcpOptions, RejectsCompressionNbnsTheOldAddressesAndUnknownOptions) {
  IpcpOptions ipcp(lns_config());
  // VJ compression (§3.2), NBNS (RFC 1877 §1.2, §1.4), IP-Addresses (§3.1), an unknown type and a
  // second IP-Address (RFC 1661 §6): rejected as received and in their order (§5.4).
  const char* refused =
      "0206 002d0f01 8206 00000000 8406 00000000 010a 00000000 00000000 "
      "0703 01 0306 c000024d";
  const auto verdict =
      ipcp.judge_request(options((std::string("0306 c000024d ") + refused).c_str()), true);
  EXPECT_EQ(verdict.kind, Kind::reject);
  EXPECT_EQ(verdict.options, options(refused));
}

TEST(PppIpcpOptions, NaksAddressOptionsOfTheWrongLengthWithTheRightOne) {
  // RFC 1661 §6 Length: an option we negotiate, with an invalid Length, is Nak'd with the option
  // as it should be (SHOULD), not rejected. A Length that overruns the packet is the codec's:
  // the whole packet is discarded (ppp_control_packet_test.cpp).
  IpcpOptions ipcp(lns_config());
  auto verdict = ipcp.judge_request(options("0305 c00002"), true);
  EXPECT_EQ(verdict.kind, Kind::nak);
  EXPECT_EQ(verdict.options, options("0306 c000024d"));
  verdict = ipcp.judge_request(options("0307 c000024d00 8102"), true);
  EXPECT_EQ(verdict.options, options("0306 c000024d 8106 c6336435"));
  // With nothing to give, the same option is rejected, as received.
  IpcpConfig config = lns_config();
  config.secondary_dns.reset();
  IpcpOptions no_secondary(config);
  verdict = no_secondary.judge_request(options("0306 c000024d 8303 00"), true);
  EXPECT_EQ(verdict.kind, Kind::reject);
  EXPECT_EQ(verdict.options, options("8303 00"));
}

TEST(PppIpcpOptions, WithNoAddressAssignedRejectsTheAddressAndGivesUp) {
  IpcpConfig config = lns_config();
  config.peer_address.reset();
  IpcpOptions ipcp(config);
  auto verdict = ipcp.judge_request(options("0306 00000000 8106 00000000"), true);
  EXPECT_EQ(verdict.kind, Kind::reject);
  EXPECT_EQ(verdict.options, options("0306 00000000"));
  EXPECT_EQ(verdict.continuation, Continuation::give_up);
  // A request without the address is no better: nothing can be appended to a Nak.
  verdict = ipcp.judge_request(options("8106 c6336435"), true);
  EXPECT_EQ(verdict.kind, Kind::ack);
  EXPECT_EQ(verdict.continuation, Continuation::give_up);
}

TEST(PppIpcpOptions, PastMaxFailureRejectsAndGivesUpOnlyWithoutTheAssignedAddress) {
  IpcpOptions ipcp(lns_config());
  // RFC 1661 §4.6: what would be Nak'd is rejected; the address can no longer be agreed.
  auto verdict = ipcp.judge_request(options("0306 00000000 8106 00000000"), false);
  EXPECT_EQ(verdict.kind, Kind::reject);
  EXPECT_EQ(verdict.options, options("0306 00000000 8106 00000000"));
  EXPECT_EQ(verdict.continuation, Continuation::give_up);
  EXPECT_EQ(ipcp.judge_request({}, false).continuation, Continuation::give_up);
  // The right address with a wrong DNS: the DNS is rejected, and IPCP goes on.
  verdict = ipcp.judge_request(options("0306 c000024d 8106 00000000"), false);
  EXPECT_EQ(verdict.kind, Kind::reject);
  EXPECT_EQ(verdict.options, options("8106 00000000"));
  EXPECT_EQ(verdict.continuation, Continuation::go_on);
}

TEST(PppIpcpOptions, TakesNaksAndRejectsOfItsRequest) {
  IpcpOptions ipcp(lns_config());
  // Our own address Nak'd back unchanged is asked again; another is not ours to take (§3.3).
  EXPECT_EQ(ipcp.request_nakked(options("0306 c0000201 8106 00000000")), Continuation::go_on);
  EXPECT_EQ(ipcp.request_options(), options("0306 c0000201"));
  EXPECT_EQ(ipcp.request_nakked(options("0306 0a000001")), Continuation::go_on);
  EXPECT_TRUE(ipcp.request_options().empty());
  ipcp.begin();
  EXPECT_EQ(ipcp.request_rejected(options("0306 c0000201")), Continuation::go_on);
  EXPECT_TRUE(ipcp.request_options().empty());
  ipcp.begin();
  EXPECT_EQ(ipcp.request_options(), options("0306 c0000201"));
}

TEST(PppIpcpOptions, RecordsTheAgreementFromWhatWasAcknowledged) {
  IpcpOptions ipcp(lns_config());
  ipcp.request_acked(options("0306 c0000201"));
  ipcp.peer_request_acked(options("0306 c000024d 8106 c6336435"));
  EXPECT_EQ(ipcp.agreement(),
            (IpcpAgreement{Ipv4Address::of(192, 0, 2, 1), Ipv4Address::of(192, 0, 2, 77),
                           Ipv4Address::of(198, 51, 100, 53), std::nullopt}));
  ipcp.begin();
  EXPECT_EQ(ipcp.agreement(), IpcpAgreement{});
}

// Built from an agreement (a checkpoint): that agreement, and our address asked again only if it
// was agreed.
TEST(PppIpcpOptions, FromAnAgreementHoldsIt) {
  IpcpAgreement agreed{Ipv4Address::of(192, 0, 2, 1), Ipv4Address::of(192, 0, 2, 77),
                       Ipv4Address::of(198, 51, 100, 53), std::nullopt};
  IpcpOptions ipcp(lns_config(), agreed);
  EXPECT_EQ(ipcp.agreement(), agreed);
  EXPECT_EQ(ipcp.request_options(), options("0306 c0000201"));
  agreed.our_address.reset();
  EXPECT_TRUE(IpcpOptions(lns_config(), agreed).request_options().empty());
}

// The LNS and a dial-up client, back to back.
struct Pair {
  explicit Pair(std::uint64_t seed, IpcpConfig config = lns_config(), LinkFaults faults = {})
      : lns_options(config),
        lns({.protocol = kIpcpProtocol}, lns_options),
        subscriber({.protocol = kIpcpProtocol}, subscriber_options),
        link(lns, subscriber, faults, seed) {}

  void start(Duration subscriber_delay = {}) {
    link.take(0, lns.negotiation.open({}, lns_options));
    link.take(0, lns.negotiation.up({}, lns_options));
    link.advance_to(Time{subscriber_delay});
    link.take(1, subscriber.negotiation.open(link.now(), subscriber_options));
    link.take(1, subscriber.negotiation.up(link.now(), subscriber_options));
  }
  bool both_opened() const {
    return lns.negotiation.state() == State::opened &&
           subscriber.negotiation.state() == State::opened;
  }
  // The subscriber holds what the LNS handed out, and both ends agree on it.
  void expect_subscriber_configured(bool with_dns = true) const {
    const IpcpAgreement& held = subscriber_options.agreement();
    const IpcpConfig& config = lns_options.config();
    EXPECT_EQ(held.our_address, config.peer_address);
    EXPECT_EQ(held.peer_address, config.our_address);
    EXPECT_EQ(held.primary_dns, with_dns ? config.primary_dns : std::nullopt);
    EXPECT_EQ(held.secondary_dns, with_dns ? config.secondary_dns : std::nullopt);
    const IpcpAgreement& lns_view = lns_options.agreement();
    EXPECT_EQ(lns_view.our_address, held.peer_address);
    EXPECT_EQ(lns_view.peer_address, held.our_address);
    EXPECT_EQ(lns_view.primary_dns, held.primary_dns);
    EXPECT_EQ(lns_view.secondary_dns, held.secondary_dns);
  }

  IpcpOptions lns_options;
  IpcpSubscriber subscriber_options;
  PppEnd lns;
  PppEnd subscriber;
  PppLink link;
};

TEST(PppIpcpBackToBack, TheSubscriberGetsItsAddressAndDnsServers) {
  Pair pair(11);
  pair.start();
  pair.link.run(1000);
  ASSERT_TRUE(pair.both_opened());
  EXPECT_EQ(pair.lns.events, (std::vector{LayerEvent::started, LayerEvent::up}));
  pair.expect_subscriber_configured();
}

TEST(PppIpcpBackToBack, WithoutDnsConfiguredTheSubscriberGoesOnWithoutIt) {
  IpcpConfig config = lns_config();
  config.primary_dns.reset();
  config.secondary_dns.reset();
  Pair pair(12, config);
  pair.start();
  pair.link.run(1000);
  ASSERT_TRUE(pair.both_opened());
  pair.expect_subscriber_configured(false);
}

TEST(PppIpcpBackToBack, WithNoAddressAssignedTheLnsClosesIpcp) {
  IpcpConfig config = lns_config();
  config.peer_address.reset();
  Pair pair(13, config);
  pair.start();
  pair.link.run(1000);
  // The subscriber's IP-Address was rejected, a Terminate-Request followed; the subscriber's
  // further requests are answered with Terminate-Acks until its Max-Configure runs out.
  EXPECT_EQ(pair.lns.negotiation.state(), State::closed);
  EXPECT_EQ(pair.lns.events, (std::vector{LayerEvent::started, LayerEvent::finished}));
  EXPECT_NE(pair.subscriber.negotiation.state(), State::opened);
  EXPECT_EQ(
      std::count(pair.subscriber.events.begin(), pair.subscriber.events.end(), LayerEvent::up), 0);
  EXPECT_FALSE(pair.subscriber_options.agreement().our_address.has_value());
}

// Seeded loss, duplication and reordering, as for LCP (ppp_lcp_test.cpp): every seed converges to
// Opened with the subscriber configured, or ends with nothing in flight (a counted failure).
TEST(PppIpcpBackToBack, ConvergesUnderLossDuplicationAndReordering) {
  constexpr unsigned kSeeds = 200;
  unsigned converged = 0;
  unsigned failed = 0;
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    std::mt19937_64 rng(seed);
    const LinkFaults faults{
        .loss = std::uniform_real_distribution<double>(0, 0.5)(rng),
        .duplication = std::uniform_real_distribution<double>(0, 0.3)(rng),
        .min_delay = 1ms,
        .max_delay = Duration(std::uniform_int_distribution<int>(1, 4000)(rng) * 1000)};
    Pair pair(seed * 1000, lns_config(), faults);
    pair.start(Duration(std::uniform_int_distribution<int>(0, 5000)(rng) * 1000));
    const unsigned steps = pair.link.run(100000);
    ASSERT_LT(steps, 100000u) << "seed " << seed << " never settled";
    if (pair.both_opened()) {
      ++converged;
      SCOPED_TRACE(seed);
      pair.expect_subscriber_configured();
    } else {
      ++failed;
      EXPECT_TRUE(pair.lns.negotiation.state() == State::stopped ||
                  pair.subscriber.negotiation.state() == State::stopped)
          << "seed " << seed;
    }
  }
  EXPECT_GE(converged, kSeeds * 9 / 10) << failed << " failed";
  std::printf("IPCP: converged %u, failed %u of %u seeds\n", converged, failed, kSeeds);
}

}  // namespace
}  // namespace hl2tp::test

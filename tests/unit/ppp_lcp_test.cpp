// LCP as the LNS negotiates it (ppp/lcp_options.hpp): its requests and its judgement of the
// peer's (RFC 1661 §6), then two LCPs back to back over a fake link, clean and lossy, to Opened
// with the same agreement seen from both ends, and closed again by a Terminate-Request.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "ppp/lcp_options.hpp"
#include "ppp/negotiation.hpp"
#include "support/hex.hpp"
#include "support/ppp_link.hpp"
#include "support/ppp_subscriber_options.hpp"
#include "support/seeded_random.hpp"

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

LcpConfig lns_config() {
  LcpConfig config;
  config.mru = 1460;
  config.authentication = {AuthProtocol::chap_md5, AuthProtocol::pap};
  config.pfc = true;
  config.acfc = true;
  return config;
}

TEST(PppLcpOptions, RequestsWhatIsConfiguredInTypeOrder) {
  SeededRandom random(1);
  LcpOptions lcp(lns_config(), random);
  const auto request = lcp.request_options();
  ASSERT_EQ(request.size(), 5u);
  EXPECT_EQ(request[0], options("0104 05b4")[0]);    // MRU 1460
  EXPECT_EQ(request[1], options("0305 c22305")[0]);  // CHAP with MD5 (RFC 1994 §3)
  EXPECT_EQ(request[2].type, 5);                     // a Magic-Number...
  EXPECT_NE(request[2].data, from_hex("00000000"));  // ...never zero
  EXPECT_EQ(request[3], options("0702")[0]);
  EXPECT_EQ(request[4], options("0802")[0]);

  // Defaults left out (§5.1): a default configuration asks only a Magic-Number.
  LcpOptions plain({}, random);
  ASSERT_EQ(plain.request_options().size(), 1u);
  EXPECT_EQ(plain.request_options()[0].type, 5);
}

TEST(PppLcpOptions, JudgesThePeersOptions) {
  SeededRandom random(2);
  LcpOptions lcp(lns_config(), random);
  EXPECT_EQ(lcp.judge_request(options("0104 05b4 0506 0badcafe 0702 0802"), true).kind, Kind::ack);
  EXPECT_EQ(lcp.judge_request({}, true).kind, Kind::ack);

  // §6.1: above our maximum, below the least, or of the wrong length: Nak'd with a value we take.
  auto verdict = lcp.judge_request(options("0104 05dc 0506 0badcafe"), true);
  EXPECT_EQ(verdict.kind, Kind::nak);
  EXPECT_EQ(verdict.options, options("0104 05b4"));
  EXPECT_EQ(lcp.judge_request(options("0104 0020"), true).options, options("0104 0044"));
  EXPECT_EQ(lcp.judge_request(options("0103 05"), true).options, options("0104 05b4"));

  // §6.4: zero is Nak'd with a number that is not.
  verdict = lcp.judge_request(options("0506 00000000"), true);
  ASSERT_EQ(verdict.kind, Kind::nak);
  EXPECT_EQ(verdict.options[0].type, 5);
  EXPECT_NE(verdict.options[0].data, from_hex("00000000"));

  // Unknown, Quality-Protocol, an Authentication-Protocol asked of us, a second MRU: rejected, as
  // received and in order (§5.4), and before any Nak.
  verdict =
      lcp.judge_request(options("0104 05dc 0c03 01 0408 c025 00000000 0304 c023 0104 05b4"), true);
  EXPECT_EQ(verdict.kind, Kind::reject);
  EXPECT_EQ(verdict.options, options("0c03 01 0408 c025 00000000 0304 c023 0104 05b4"));

  // §4.6 Max-Failure: what would be Nak'd is rejected instead.
  verdict = lcp.judge_request(options("0104 05dc"), false);
  EXPECT_EQ(verdict.kind, Kind::reject);
  EXPECT_EQ(verdict.options, options("0104 05dc"));

  // PFC and ACFC refused when not configured (§6.5, §6.6).
  LcpOptions plain({}, random);
  verdict = plain.judge_request(options("0702 0802"), true);
  EXPECT_EQ(verdict.kind, Kind::reject);
  EXPECT_EQ(verdict.options, options("0702 0802"));
}

TEST(PppLcpOptions, ItsOwnMagicNumberComingBackIsNakdWithAnother) {
  SeededRandom random(3);
  LcpOptions lcp({}, random);
  const auto request = lcp.request_options();
  ASSERT_EQ(request.size(), 1u);
  // §6.4: a Configure-Request with the Magic-Number of our last one may be ours looped back.
  const auto verdict = lcp.judge_request(request, true);
  ASSERT_EQ(verdict.kind, Kind::nak);
  ASSERT_EQ(verdict.options.size(), 1u);
  EXPECT_EQ(verdict.options[0].type, 5);
  EXPECT_NE(verdict.options[0].data, request[0].data);
  EXPECT_NE(verdict.options[0].data, from_hex("00000000"));
  // A Nak of our Magic-Number: the next request carries a new one.
  EXPECT_EQ(lcp.request_nakked(verdict.options), Continuation::go_on);
  EXPECT_NE(lcp.request_options()[0].data, request[0].data);
}

TEST(PppLcpOptions, TakesNaksAndRejectsOfItsRequest) {
  SeededRandom random(4);
  LcpOptions lcp(lns_config(), random);
  // §6.2: CHAP Nak'd with PAP, which we allow: PAP next.
  EXPECT_EQ(lcp.request_nakked(options("0304 c023")), Continuation::go_on);
  EXPECT_EQ(lcp.request_options()[1], options("0304 c023")[0]);
  // PAP Nak'd too: nothing left that we allow.
  EXPECT_EQ(lcp.request_nakked(options("0305 c22380")), Continuation::give_up);
  lcp.begin();
  EXPECT_EQ(lcp.request_rejected(options("0305 c22305")), Continuation::give_up);
  // An MRU Nak'd lower is taken, one above ours is not: the default is asked instead.
  lcp.begin();
  lcp.request_nakked(options("0104 0400"));
  EXPECT_EQ(lcp.request_options()[0], options("0104 0400")[0]);
  lcp.request_nakked(options("0104 2000"));
  EXPECT_NE(lcp.request_options()[0].type, 1);
  // Rejected Magic-Number, PFC and ACFC are asked no more.
  lcp.request_rejected(options("0506 00000001 0702 0802"));
  for (const ConfigOption& option : lcp.request_options())
    EXPECT_EQ(option.type, 3);
}

// The LNS and a subscriber, back to back.
struct Pair {
  explicit Pair(std::uint64_t seed, LinkFaults faults = {})
      : lns_random(seed),
        subscriber_random(seed + 1),
        lns_options(lns_config(), lns_random),
        subscriber_options(subscriber_config(), subscriber_random, {AuthProtocol::pap}),
        lns({}, lns_options),
        subscriber({}, subscriber_options),
        link(lns, subscriber, faults, seed) {}

  static LcpConfig subscriber_config() {
    LcpConfig config;
    config.pfc = true;
    config.acfc = true;
    return config;
  }

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

  // The agreement seen from the two ends is the same agreement.
  void expect_agreements_mirror() const {
    const LcpAgreement& a = lns_options.agreement();
    const LcpAgreement& b = subscriber_options.agreement();
    EXPECT_EQ(a.our_mru, b.peer_mru);
    EXPECT_EQ(a.peer_mru, b.our_mru);
    EXPECT_EQ(a.our_magic_number, b.peer_magic_number);
    EXPECT_EQ(a.peer_magic_number, b.our_magic_number);
    EXPECT_NE(a.our_magic_number, a.peer_magic_number);
    EXPECT_EQ(a.authentication, subscriber_options.authenticating_with());
    EXPECT_EQ(a.we_receive_pfc, b.peer_receives_pfc);
    EXPECT_EQ(a.peer_receives_acfc, b.we_receive_acfc);
  }

  SeededRandom lns_random;
  SeededRandom subscriber_random;
  LcpOptions lns_options;
  SubscriberOptions subscriber_options;
  PppEnd lns;
  PppEnd subscriber;
  PppLink link;
};

// Built from an agreement (a checkpoint, a proxied LCP): that agreement, and a renegotiation's
// first request asks what was agreed.
TEST(PppLcpOptions, FromAnAgreementHoldsItAndRequestsItAgain) {
  SeededRandom random(9);
  LcpAgreement agreed;
  agreed.our_mru = 1460;
  agreed.peer_mru = 1400;
  agreed.our_magic_number = 0x11223344;
  agreed.peer_magic_number = 0x55667788;
  agreed.authentication = AuthProtocol::pap;
  agreed.we_receive_pfc = true;
  agreed.peer_receives_acfc = true;
  LcpOptions lcp(lns_config(), random, agreed);
  EXPECT_EQ(lcp.agreement(), agreed);
  EXPECT_EQ(lcp.own_magic_number(), 0x11223344u);
  EXPECT_EQ(lcp.peer_mru(), 1400);
  EXPECT_EQ(lcp.request_options(), options("0104 05b4 0304 c023 0506 11223344 0702"));
  // Its own Magic-Number coming back is still taken for a loop (§6.4).
  EXPECT_EQ(lcp.judge_request(options("0506 11223344"), true).kind, Kind::nak);
}

TEST(PppLcpBackToBack, BothEndsReachOpenedWithTheAgreedValues) {
  Pair pair(7);
  pair.start();
  pair.link.run(1000);
  ASSERT_TRUE(pair.both_opened());
  // tls on the administrative Open in Initial (the lower layer is needed), tlu on Opened.
  const std::vector want{LayerEvent::started, LayerEvent::up};
  EXPECT_EQ(pair.lns.events, want);
  EXPECT_EQ(pair.subscriber.events, want);
  pair.expect_agreements_mirror();
  const LcpAgreement& lns = pair.lns_options.agreement();
  EXPECT_EQ(lns.our_mru, 1460);
  EXPECT_EQ(lns.peer_mru, 1500);
  // The subscriber can only do PAP: the LNS's CHAP was Nak'd, and PAP agreed.
  EXPECT_EQ(lns.authentication, AuthProtocol::pap);
  EXPECT_TRUE(lns.we_receive_pfc && lns.peer_receives_pfc);
  EXPECT_TRUE(lns.we_receive_acfc && lns.peer_receives_acfc);
  EXPECT_NE(lns.our_magic_number, 0u);
  EXPECT_NE(lns.peer_magic_number, 0u);
}

TEST(PppLcpBackToBack, ATerminateRequestClosesBothEnds) {
  Pair pair(8);
  pair.start();
  pair.link.run(1000);
  ASSERT_TRUE(pair.both_opened());
  pair.link.take(0, pair.lns.negotiation.close(pair.link.now(), pair.lns_options));
  pair.link.run(1000);
  EXPECT_EQ(pair.lns.negotiation.state(), State::closed);
  EXPECT_EQ(pair.subscriber.negotiation.state(), State::stopped);
  const std::vector want{LayerEvent::started, LayerEvent::up, LayerEvent::down,
                         LayerEvent::finished};
  EXPECT_EQ(pair.lns.events, want);
  EXPECT_EQ(pair.subscriber.events, want);
}

TEST(PppLcpBackToBack, AnUnansweringPeerEndsTheNegotiationAtMaxConfigure) {
  Pair pair(9, LinkFaults{.loss = 1.0});
  pair.start();
  pair.link.run(1000);
  EXPECT_EQ(pair.lns.packets_sent, 10u);
  EXPECT_EQ(pair.lns.events, (std::vector{LayerEvent::started, LayerEvent::finished}));
  EXPECT_EQ(pair.lns.negotiation.state(), State::stopped);
  EXPECT_EQ(pair.link.now(), Time{30s});
}

// Seeded loss, duplication and reordering, timeouts on the fake clock: every seed converges to
// Opened on both ends or ends with no packet in flight and no timer running (a counted failure).
// An invariant violation would throw out of the test.
TEST(PppLcpBackToBack, ConvergesUnderLossDuplicationAndReordering) {
  constexpr unsigned kSeeds = 200;
  unsigned converged = 0;
  unsigned failed = 0;
  unsigned renegotiated = 0;
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    std::mt19937_64 rng(seed);
    const LinkFaults faults{
        .loss = std::uniform_real_distribution<double>(0, 0.5)(rng),
        .duplication = std::uniform_real_distribution<double>(0, 0.3)(rng),
        .min_delay = 1ms,
        .max_delay = Duration(std::uniform_int_distribution<int>(1, 4000)(rng) * 1000)};
    Pair pair(seed * 1000, faults);
    pair.start(Duration(std::uniform_int_distribution<int>(0, 5000)(rng) * 1000));
    const unsigned steps = pair.link.run(100000);
    ASSERT_LT(steps, 100000u) << "seed " << seed << " never settled";
    if (pair.both_opened()) {
      ++converged;
      SCOPED_TRACE(seed);
      pair.expect_agreements_mirror();
      if (std::count(pair.lns.events.begin(), pair.lns.events.end(), LayerEvent::up) > 1) {
        ++renegotiated;
      }
    } else {
      ++failed;
      EXPECT_TRUE(pair.lns.negotiation.state() == State::stopped ||
                  pair.subscriber.negotiation.state() == State::stopped)
          << "seed " << seed;
    }
  }
  EXPECT_EQ(converged + failed, kSeeds);
  // With up to half the packets lost, a few seeds exhaust Max-Configure; most must converge.
  EXPECT_GE(converged, kSeeds * 9 / 10) << failed << " failed";
  RecordProperty("converged", static_cast<int>(converged));
  RecordProperty("failed", static_cast<int>(failed));
  std::printf("converged %u, failed %u, renegotiated %u of %u seeds\n", converged, failed,
              renegotiated, kSeeds);
}

}  // namespace
}  // namespace hl2tp::test

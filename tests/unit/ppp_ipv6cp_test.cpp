// IPv6CP as the LNS negotiates it (ppp/ipv6cp_options.hpp): the Interface-Identifier of
// RFC 5072 §4.1, judged and taken, then two IPv6CPs back to back over a fake link, clean, lossy,
// and starting from the same identifier, to Opened with two distinct non-zero identifiers.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "ppp/ipv6cp_options.hpp"
#include "ppp/negotiation.hpp"
#include "support/hex.hpp"
#include "support/ppp_link.hpp"
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

InterfaceIdentifier identifier(const char* hex) {
  const Bytes octets = from_hex(hex);
  InterfaceIdentifier id;
  EXPECT_EQ(octets.size(), id.octets.size());
  std::copy(octets.begin(), octets.end(), id.octets.begin());
  return id;
}

const InterfaceIdentifier kOurs = identifier("0211 22ff fe33 4455");
const std::byte kUniversalBit{0x02};

// The identifier a suggestion (a Nak's only option) carries, checked to be one §4.1 allows:
// Length 10, not zero, "u" bit zero, and not ours.
InterfaceIdentifier suggested(const RequestVerdict& verdict, const InterfaceIdentifier& ours) {
  EXPECT_EQ(verdict.kind, Kind::nak);
  EXPECT_EQ(verdict.options.size(), 1u);
  if (verdict.options.size() != 1u) return {};
  const ConfigOption& option = verdict.options[0];
  EXPECT_EQ(option.type, 1);
  EXPECT_EQ(option.data.size(), 8u);
  InterfaceIdentifier id;
  std::copy_n(option.data.begin(), std::min<std::size_t>(8, option.data.size()), id.octets.begin());
  EXPECT_FALSE(id.is_zero());
  EXPECT_EQ(id.octets[0] & kUniversalBit, std::byte{0});
  EXPECT_NE(id, ours);
  return id;
}

TEST(PppIpv6cpOptions, RequestsItsIdentifierConfiguredOrDrawn) {
  SeededRandom random(1);
  Ipv6cpOptions configured({kOurs}, random);
  EXPECT_EQ(configured.request_options(), options("010a 021122fffe334455"));
  // Drawn once: not zero, "u" bit zero (§4.1 (3)), the same again for a new negotiation.
  Ipv6cpOptions drawn({}, random);
  const auto request = drawn.request_options();
  ASSERT_EQ(request.size(), 1u);
  ASSERT_EQ(request[0].data.size(), 8u);
  EXPECT_NE(request[0].data, Bytes(8));
  EXPECT_EQ(request[0].data[0] & kUniversalBit, std::byte{0});
  drawn.begin();
  EXPECT_EQ(drawn.request_options(), request);
}

// Built from an agreement (a checkpoint): that agreement, and our agreed identifier the one asked
// again, in a renegotiation and in every later negotiation (§4.1: reproducible).
TEST(PppIpv6cpOptions, FromAnAgreementHoldsItAndKeepsTheIdentifier) {
  SeededRandom random(4);
  const Ipv6cpAgreement agreed{kOurs, identifier("0a00 0000 0000 0001")};
  Ipv6cpOptions ipv6cp({}, random, agreed);
  EXPECT_EQ(ipv6cp.agreement(), agreed);
  EXPECT_EQ(ipv6cp.request_options(), options("010a 021122fffe334455"));
  // The peer's agreed identifier is still acceptable, ours coming back is not.
  EXPECT_EQ(ipv6cp.judge_request(options("010a 0a00000000000001"), true).kind, Kind::ack);
  EXPECT_EQ(ipv6cp.judge_request(options("010a 021122fffe334455"), true).kind, Kind::nak);
  ipv6cp.begin();
  EXPECT_EQ(ipv6cp.request_options(), options("010a 021122fffe334455"));
}

TEST(PppIpv6cpOptions, AcksADistinctNonZeroIdentifier) {
  SeededRandom random(2);
  Ipv6cpOptions ipv6cp({kOurs}, random);
  ipv6cp.request_options();
  const auto verdict = ipv6cp.judge_request(options("010a 0000000000000001"), true);
  EXPECT_EQ(verdict.kind, Kind::ack);
  EXPECT_TRUE(verdict.options.empty());
}

TEST(PppIpv6cpOptions, NaksZeroOrOurOwnWithAFreshIdentifier) {
  SeededRandom random(3);
  Ipv6cpOptions ipv6cp({kOurs}, random);
  ipv6cp.request_options();
  const auto for_zero =
      suggested(ipv6cp.judge_request(options("010a 0000000000000000"), true), kOurs);
  const auto for_ours =
      suggested(ipv6cp.judge_request(options("010a 021122fffe334455"), true), kOurs);
  // Drawn afresh each time.
  EXPECT_NE(for_zero, for_ours);
  // Before our first request, ours is the one it will carry.
  Ipv6cpOptions before({kOurs}, random);
  suggested(before.judge_request(options("010a 021122fffe334455"), true), kOurs);
}

TEST(PppIpv6cpOptions, NaksAnIdentifierOfTheWrongLengthWithOneOfTheRightLength) {
  // RFC 1661 §6 Length: an option we negotiate with an invalid Length is Nak'd with the option as
  // it should be (SHOULD), not rejected. Past Max-Failure it is rejected as received.
  SeededRandom random(4);
  Ipv6cpOptions ipv6cp({kOurs}, random);
  ipv6cp.request_options();
  suggested(ipv6cp.judge_request(options("0109 00000000000001"), true), kOurs);
  suggested(ipv6cp.judge_request(options("010b 000000000000000102"), true), kOurs);
  const auto verdict = ipv6cp.judge_request(options("0102"), false);
  EXPECT_EQ(verdict.kind, Kind::reject);
  EXPECT_EQ(verdict.options, options("0102"));
}

TEST(PppIpv6cpOptions, RejectsCompressionUnknownOptionsAndASecondIdentifier) {
  SeededRandom random(5);
  Ipv6cpOptions ipv6cp({kOurs}, random);
  ipv6cp.request_options();
  // RFC 5172's compression, an unknown type, a second Interface-Identifier (§4.1: exactly one):
  // rejected as received and in order, and before the Nak the zero identifier would get (§5.4).
  const auto verdict = ipv6cp.judge_request(
      options("010a 0000000000000000 0204 004f 2003 01 010a 0000000000000001"), true);
  EXPECT_EQ(verdict.kind, Kind::reject);
  EXPECT_EQ(verdict.options, options("0204 004f 2003 01 010a 0000000000000001"));
}

TEST(PppIpv6cpOptions, OffersAnIdentifierOnceToAPeerThatAsksNone) {
  SeededRandom random(6);
  Ipv6cpOptions ipv6cp({kOurs}, random);
  ipv6cp.request_options();
  // §4.1: appended to a Nak (SHOULD), and not again if the next request still leaves it out.
  suggested(ipv6cp.judge_request({}, true), kOurs);
  EXPECT_EQ(ipv6cp.judge_request({}, true).kind, Kind::ack);
  ipv6cp.begin();
  EXPECT_EQ(ipv6cp.judge_request({}, true).kind, Kind::nak);
}

TEST(PppIpv6cpOptions, TakesTheSuggestionUnlessItIsTheOneItSuggested) {
  SeededRandom random(7);
  Ipv6cpOptions ipv6cp({kOurs}, random);
  ipv6cp.request_options();
  // §4.1: a suggestion other than our last Nak's is taken.
  EXPECT_EQ(ipv6cp.request_nakked(options("010a 0000000000000042")), Continuation::go_on);
  EXPECT_EQ(ipv6cp.request_options(), options("010a 0000000000000042"));
  // The peer suggests what we last suggested to it: both drew alike, so a new one is chosen.
  const auto ours_for_peer = suggested(ipv6cp.judge_request(options("010a 0000000000000042"), true),
                                       identifier("0000000000000042"));
  const Bytes echoed(ours_for_peer.octets.begin(), ours_for_peer.octets.end());
  ipv6cp.request_nakked(std::vector<ConfigOption>{{1, echoed}});
  const auto next = ipv6cp.request_options();
  ASSERT_EQ(next.size(), 1u);
  EXPECT_NE(next[0].data, echoed);
  EXPECT_NE(next[0].data, from_hex("0000000000000042"));
  EXPECT_NE(next[0].data, Bytes(8));
  // A zero suggestion is none: a new one is chosen too.
  ipv6cp.request_nakked(options("010a 0000000000000000"));
  EXPECT_NE(ipv6cp.request_options()[0].data, Bytes(8));
  // §4.1: once rejected, the option is not requested again.
  EXPECT_EQ(ipv6cp.request_rejected(ipv6cp.request_options()), Continuation::go_on);
  EXPECT_TRUE(ipv6cp.request_options().empty());
}

TEST(PppIpv6cpOptions, RecordsTheAgreementFromWhatWasAcknowledged) {
  SeededRandom random(8);
  Ipv6cpOptions ipv6cp({kOurs}, random);
  ipv6cp.request_acked(ipv6cp.request_options());
  ipv6cp.peer_request_acked(options("010a 0000000000000001"));
  EXPECT_EQ(ipv6cp.agreement(), (Ipv6cpAgreement{kOurs, identifier("0000000000000001")}));
}

// Two IPv6CPs back to back: the LNS and a subscriber that negotiates the same way.
struct Pair {
  Pair(std::uint64_t seed, Ipv6cpConfig lns_config, Ipv6cpConfig subscriber_config,
       LinkFaults faults = {})
      : lns_random(seed),
        subscriber_random(seed + 1),
        lns_options(lns_config, lns_random),
        subscriber_options(subscriber_config, subscriber_random),
        lns({.protocol = kIpv6cpProtocol}, lns_options),
        subscriber({.protocol = kIpv6cpProtocol}, subscriber_options),
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
  // Both identifiers agreed, the same seen from each end, distinct and not zero (§4.1).
  void expect_distinct_identifiers() const {
    const Ipv6cpAgreement& a = lns_options.agreement();
    const Ipv6cpAgreement& b = subscriber_options.agreement();
    ASSERT_TRUE(a.our_identifier && a.peer_identifier);
    EXPECT_EQ(a.our_identifier, b.peer_identifier);
    EXPECT_EQ(a.peer_identifier, b.our_identifier);
    EXPECT_NE(*a.our_identifier, *a.peer_identifier);
    EXPECT_FALSE(a.our_identifier->is_zero());
    EXPECT_FALSE(a.peer_identifier->is_zero());
  }

  SeededRandom lns_random;
  SeededRandom subscriber_random;
  Ipv6cpOptions lns_options;
  Ipv6cpOptions subscriber_options;
  PppEnd lns;
  PppEnd subscriber;
  PppLink link;
};

TEST(PppIpv6cpBackToBack, AgreesTwoDistinctIdentifiers) {
  Pair pair(21, {kOurs}, {});
  pair.start();
  pair.link.run(1000);
  ASSERT_TRUE(pair.both_opened());
  pair.expect_distinct_identifiers();
  EXPECT_EQ(pair.lns_options.agreement().our_identifier, kOurs);  // not Nak'd: kept
}

TEST(PppIpv6cpBackToBack, TwoEndsStartingFromTheSameIdentifierAgreeDistinctOnes) {
  Pair pair(22, {kOurs}, {kOurs});
  pair.start();
  pair.link.run(1000);
  ASSERT_TRUE(pair.both_opened());
  pair.expect_distinct_identifiers();
  // §4.1: each Nak'd the other's, and each took the other's suggestion.
  EXPECT_NE(pair.lns_options.agreement().our_identifier, kOurs);
  EXPECT_NE(pair.subscriber_options.agreement().our_identifier, kOurs);
}

// Seeded loss, duplication and reordering; half the seeds start both ends on the same identifier.
TEST(PppIpv6cpBackToBack, ConvergesUnderLossDuplicationAndReordering) {
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
    const bool collide = seed % 2 == 0;
    Pair pair(seed * 1000, {kOurs}, collide ? Ipv6cpConfig{kOurs} : Ipv6cpConfig{}, faults);
    pair.start(Duration(std::uniform_int_distribution<int>(0, 5000)(rng) * 1000));
    const unsigned steps = pair.link.run(100000);
    ASSERT_LT(steps, 100000u) << "seed " << seed << " never settled";
    if (pair.both_opened()) {
      ++converged;
      SCOPED_TRACE(seed);
      pair.expect_distinct_identifiers();
    } else {
      ++failed;
      EXPECT_TRUE(pair.lns.negotiation.state() == State::stopped ||
                  pair.subscriber.negotiation.state() == State::stopped)
          << "seed " << seed;
    }
  }
  EXPECT_GE(converged, kSeeds * 9 / 10) << failed << " failed";
  std::printf("IPv6CP: converged %u, failed %u of %u seeds\n", converged, failed, kSeeds);
}

}  // namespace
}  // namespace hl2tp::test

// A whole subscriber against the LNS's Link over a link with seeded loss, duplication and
// reordering: every seed either reaches the Network phase on both ends with the address assigned,
// or ends in a failure the Link reports (LinkDown with its reason), counted; an invariant
// violation (an exception from HL2TP_INVARIANT) fails the test with its seed.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <random>

#include "base/invariant.hpp"
#include "support/ppp_link_fixture.hpp"

namespace hl2tp::test {
namespace {

using namespace ppp;
using namespace std::chrono_literals;

TEST(PppLinkLoss, EverySeedReachesTheNetworkPhaseOrEndsInACountedFailure) {
  constexpr unsigned kSeeds = 100;
  unsigned converged = 0;
  unsigned unfinished = 0;  // the link up without the subscriber's IPCP when the time ran out
  std::map<DownReason, unsigned> failures;
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    SCOPED_TRACE(seed);
    std::mt19937_64 rng(seed);
    const LinkFaults faults{
        .loss = std::uniform_real_distribution<double>(0, 0.3)(rng),
        .duplication = std::uniform_real_distribution<double>(0, 0.2)(rng),
        .min_delay = 1ms,
        .max_delay = Duration(std::uniform_int_distribution<int>(1, 2000)(rng) * 1000)};
    const auto authentication = seed % 2 ? AuthProtocol::pap : AuthProtocol::chap_md5;
    LinkPair pair(lns_link_config({authentication}), {}, seed * 1000, faults);
    pair.harness.verdict_delay = Duration(std::uniform_int_distribution<int>(0, 5000)(rng) * 1000);
    try {
      pair.harness.start(Duration(std::uniform_int_distribution<int>(0, 3000)(rng) * 1000));
      // Until both ends are in the Network phase, or the Link has ended, or two minutes.
      const Time end{120s};
      unsigned steps = 0;
      for (auto next = pair.harness.next_time(); next && *next <= end && steps < 200000;
           next = pair.harness.next_time(), ++steps) {
        pair.harness.step();
        if (pair.link->phase() == Phase::network && pair.subscriber.ipcp_opened()) break;
        if (!pair.harness.events_of<LinkDown>().empty()) break;
      }
      ASSERT_LT(steps, 200000u) << "never settled";
    } catch (const InvariantViolation& violation) {
      FAIL() << "invariant violated: " << violation.what();
    }
    const auto down = pair.harness.events_of<LinkDown>();
    if (pair.link->phase() == Phase::network && pair.subscriber.ipcp_opened()) {
      ++converged;
      EXPECT_TRUE(down.empty());
      EXPECT_EQ(pair.subscriber.ipcp_agreement().our_address, Ipv4Address::of(192, 0, 2, 77));
      ASSERT_TRUE(pair.link->state().has_value());
      // Every durable change was checkpointed: the last checkpoint is the state, but for the
      // Identifiers of what is not Opened, which a resume does not use (link_network.cpp).
      const auto durable = [](std::optional<LinkState> state) {
        if (!state) return state;
        state->echo_identifier = 0;
        if (!state->ipcp) state->ipcp_identifier = 0;
        if (!state->ipv6cp) state->ipv6cp_identifier = 0;
        return state;
      };
      EXPECT_EQ(durable(pair.harness.events_of<Checkpoint>().back().state),
                durable(pair.link->state()));
      // A duplicated or late LCP Configure-Request renegotiates (§4.1 RCR in Opened), and the
      // subscriber authenticates again (§3.5).
      EXPECT_GE(pair.harness.events_of<Authenticated>().size(), 1u);
    } else {
      // Not converged within the time: the Link says why it ended, or is still up without the
      // subscriber's IPCP (a CHAP Success lost leaves the subscriber waiting, RFC 1994 leaving its
      // retransmission to the subscriber; the LNS's IPCP then ends at Max-Configure).
      if (down.empty()) {
        ++unfinished;
        std::printf("  seed %u: %s after two minutes, LNS IPCP %s, subscriber IPCP %s auth %d\n",
                    static_cast<unsigned>(seed), std::string(name(pair.link->phase())).c_str(),
                    std::string(name(*pair.link->ipcp_state())).c_str(),
                    std::string(name(pair.subscriber.ipcp_state())).c_str(),
                    static_cast<int>(pair.subscriber.auth));
        EXPECT_NE(pair.link->phase(), Phase::dead);
      } else {
        EXPECT_EQ(down.size(), 1u);
        ++failures[down[0].reason];
      }
    }
  }
  unsigned failed = unfinished;
  for (const auto& [reason, count] : failures) {
    failed += count;
    std::printf("  failed %u: %s\n", count, std::string(describe(reason)).c_str());
  }
  std::printf("Link: converged %u, failed %u of %u seeds\n", converged, failed, kSeeds);
  EXPECT_EQ(converged + failed, kSeeds);
  EXPECT_GE(converged, kSeeds * 8 / 10);
}

}  // namespace
}  // namespace hl2tp::test

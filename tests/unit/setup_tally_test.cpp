// The load generator's count of its set-ups (bench/setup_tally.hpp): tunnels that failed to come
// up are not subtracted from those that did (the report once read 2^64 - 6 tunnels established).
#include <gtest/gtest.h>

#include "bench/setup_tally.hpp"

namespace hl2tp::test {
namespace {

using engine::EventKind;

engine::Event event(EventKind kind, std::uint16_t tunnel, std::uint16_t session = 0) {
  return {kind, tunnel, session, std::nullopt, ""};
}

TEST(SetupTally, eleven_of_sixteen_tunnels_failing_leaves_five_established) {
  bench::SetupTally tally;
  for (std::uint16_t t = 1; t <= 5; ++t)
    tally.record(event(EventKind::tunnel_established, t));
  for (std::uint16_t t = 6; t <= 16; ++t)
    tally.record(event(EventKind::tunnel_closed, t));
  EXPECT_EQ(tally.tunnels_up(), 5u);
  EXPECT_EQ(tally.tunnels_failed(), 11u);
  EXPECT_EQ(tally.tunnels_settled(), 16u);
}

TEST(SetupTally, a_tunnel_closed_after_it_came_up_is_dropped_and_counted_once) {
  bench::SetupTally tally;
  tally.record(event(EventKind::tunnel_established, 7));
  tally.record(event(EventKind::session_established, 7, 70));
  tally.record(event(EventKind::session_closed, 7, 70));
  tally.record(event(EventKind::session_closed, 7, 71));  // never came up
  tally.record(event(EventKind::tunnel_closed, 7));
  EXPECT_EQ(tally.tunnels_up(), 0u);
  EXPECT_EQ(tally.tunnels_dropped(), 1u);
  EXPECT_EQ(tally.tunnels_failed(), 0u);
  EXPECT_EQ(tally.tunnels_settled(), 1u);
  EXPECT_EQ(tally.sessions_dropped(), 1u);
  EXPECT_EQ(tally.sessions_failed(), 1u);
  EXPECT_EQ(tally.sessions_settled(), 2u);
}

}  // namespace
}  // namespace hl2tp::test

// The daemon's log rate limit: a burst, then a steady rate, and the count of what was held back.
#include <gtest/gtest.h>

#include "daemon/log_limiter.hpp"

namespace hl2tp::daemon {
namespace {

using namespace std::chrono_literals;

TEST(LogLimiter, a_flood_gets_its_burst_then_its_rate_and_the_rest_is_counted) {
  LogLimiter limiter(5.0, 20.0);
  std::uint64_t suppressed = 0;
  int allowed = 0;
  Time now{};
  for (int i = 0; i < 500; ++i)  // 500 at once
    allowed += limiter.allow("recovery-refused", now, suppressed);
  EXPECT_EQ(allowed, 20);
  EXPECT_TRUE(limiter.allow("recovery-failed", now, suppressed)) << "each kind has its own bucket";
  EXPECT_FALSE(limiter.allow("recovery-refused", now + 100ms, suppressed));
  ASSERT_TRUE(limiter.allow("recovery-refused", now + 300ms, suppressed));
  EXPECT_EQ(suppressed, 481u) << "the 480 of the flood and the one at 100 ms";
}

}  // namespace
}  // namespace hl2tp::daemon

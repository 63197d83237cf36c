#include "daemon/log_limiter.hpp"

#include <algorithm>

namespace hl2tp::daemon {

bool LogLimiter::allow(const std::string& kind, Time now, std::uint64_t& suppressed) {
  auto [it, fresh] = buckets_.try_emplace(kind, Bucket{burst_, now});
  Bucket& b = it->second;
  if (!fresh) {
    const double seconds = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(burst_, b.tokens + seconds * rate_);
    b.last = now;
  }
  if (b.tokens < 1.0) {
    ++b.suppressed;
    return false;
  }
  b.tokens -= 1.0;
  suppressed = b.suppressed;
  b.suppressed = 0;
  return true;
}

}  // namespace hl2tp::daemon

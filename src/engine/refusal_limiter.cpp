#include "engine/refusal_limiter.hpp"

#include <algorithm>

#include "base/invariant.hpp"

namespace hl2tp::engine {

RefusalLimiter::RefusalLimiter(double per_second, double burst, std::size_t slots)
    : per_second_(per_second), burst_(burst), slots_(slots) {
  HL2TP_INVARIANT(per_second > 0 && burst >= 1 && slots > 0);
  all_.tokens = 10 * burst;
}

bool RefusalLimiter::take(Bucket& b, double per_second, double burst, Time now) const {
  const double elapsed = std::chrono::duration<double>(now - b.updated).count();
  if (elapsed > 0) b.tokens = std::min(burst, b.tokens + elapsed * per_second);
  b.updated = std::max(b.updated, now);
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

bool RefusalLimiter::allow(const PeerAddress& source, Time now) {
  std::size_t h = source.v6 ? 0x9e3779b9u : 0;
  for (std::uint8_t octet : source.ip)
    h = h * 131 + octet;
  Slot& slot = slots_[h % slots_.size()];
  if (!slot.used || slot.ip != source.ip || slot.v6 != source.v6) {
    // A host new to this slot starts with a full bucket; the table forgets the one it replaces.
    slot = {source.ip, source.v6, true, {burst_, now}};
  }
  // The per-host bucket first: a host over its rate does not drain everyone else's.
  if (!take(slot.bucket, per_second_, burst_, now)) return false;
  return take(all_, 10 * per_second_, 10 * burst_, now);
}

}  // namespace hl2tp::engine

#pragma once
// The daemon's randomness: the kernel's CSPRNG (getrandom(2)). Tunnel and session IDs, challenges,
// Random Vectors and Tie Breakers come from it (RFC 4951 §8: unpredictable IDs).
#include "base/random_source.hpp"

namespace hl2tp::daemon {

class OsRandom : public RandomSource {
 public:
  void fill(std::span<std::byte> out) override;
};

}  // namespace hl2tp::daemon

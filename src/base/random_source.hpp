#pragma once
// Randomness comes from the caller (docs/style.md §2): the daemon passes a CSPRNG, the simulator a
// seeded one.
#include <cstddef>
#include <span>

namespace hl2tp {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual void fill(std::span<std::byte> out) = 0;
};

}  // namespace hl2tp

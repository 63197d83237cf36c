#pragma once
// A reproducible RandomSource: the simulator gives each endpoint one, derived from the run's seed.
#include <cstdint>
#include <random>

#include "base/random_source.hpp"

namespace hl2tp::sim {

class SeededRandom : public RandomSource {
 public:
  explicit SeededRandom(std::uint64_t seed) : rng_(seed) {}
  void fill(std::span<std::byte> out) override {
    for (auto& b : out)
      b = static_cast<std::byte>(rng_());
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace hl2tp::sim

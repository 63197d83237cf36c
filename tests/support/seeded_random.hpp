#pragma once
// A reproducible RandomSource for tests: the same seed gives the same octets.
#include <random>

#include "wire/random_source.hpp"

namespace hl2tp::test {

class SeededRandom : public wire::RandomSource {
 public:
  explicit SeededRandom(std::uint64_t seed) : rng_(seed) {}
  void fill(std::span<std::byte> out) override {
    for (auto& b : out)
      b = static_cast<std::byte>(rng_());
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace hl2tp::test

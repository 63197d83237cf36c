#pragma once
// Tests use the simulator's reproducible RandomSource.
#include "sim/seeded_random.hpp"

namespace hl2tp::test {
using SeededRandom = sim::SeededRandom;
}  // namespace hl2tp::test

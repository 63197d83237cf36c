#pragma once
// How the simulated network treats datagrams from one endpoint to another.
#include "base/time.hpp"

namespace hl2tp::sim {

struct LinkConfig {
  Duration latency = std::chrono::milliseconds(1);
  Duration jitter{0};      // uniform extra delay in [0, jitter): datagrams overtake each other
  double loss = 0.0;       // probability a datagram is dropped
  double duplicate = 0.0;  // probability a datagram arrives twice (the copy with its own delay)
  bool partitioned = false;
};

}  // namespace hl2tp::sim

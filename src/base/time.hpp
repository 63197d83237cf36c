#pragma once
// Time in the sans-IO core: a value the caller passes in, never read from a clock here.
// Microseconds since an origin the caller chooses (the daemon: a monotonic clock; the simulator:
// virtual time).
#include <chrono>

namespace hl2tp {

using Duration = std::chrono::microseconds;

struct Time {
  Duration since_origin{0};
  auto operator<=>(const Time&) const = default;
  Time operator+(Duration d) const { return Time{since_origin + d}; }
  Duration operator-(Time other) const { return since_origin - other.since_origin; }
};

}  // namespace hl2tp

#pragma once
// Ns/Nr arithmetic modulo 2^16 (RFC 2661 §5.8): a value is "before" another when it lies in the
// 32767 values below it. Serial-number comparison in the style of RFC 1982.
#include <cstdint>

namespace hl2tp::channel {

// (b - a) mod 2^16.
inline std::uint16_t sequence_distance(std::uint16_t a, std::uint16_t b) {
  return static_cast<std::uint16_t>(b - a);
}

// True when a comes strictly before b.
inline bool sequence_before(std::uint16_t a, std::uint16_t b) {
  const std::uint16_t d = sequence_distance(a, b);
  return d != 0 && d < 0x8000;
}

}  // namespace hl2tp::channel

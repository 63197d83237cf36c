#pragma once
// An IPv4 address as a value: four octets in wire order, as an option carries it (RFC 1332 §3.3),
// as a pool hands it out and as the TUN device sees it. No socket headers: the core needs none.
#include <array>
#include <cstddef>
#include <cstdint>

namespace hl2tp {

struct Ipv4Address {
  std::array<std::byte, 4> octets{};

  // a.b.c.d
  static constexpr Ipv4Address of(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    return {{std::byte{a}, std::byte{b}, std::byte{c}, std::byte{d}}};
  }
  // The address as a host-order number, for ranges and arithmetic.
  static constexpr Ipv4Address from_number(std::uint32_t n) {
    return of(static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
              static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n));
  }
  constexpr std::uint32_t number() const {
    return std::to_integer<std::uint32_t>(octets[0]) << 24 |
           std::to_integer<std::uint32_t>(octets[1]) << 16 |
           std::to_integer<std::uint32_t>(octets[2]) << 8 |
           std::to_integer<std::uint32_t>(octets[3]);
  }
  // 0.0.0.0: in an IPCP request, "the peer is to provide it" (RFC 1332 §3.3, RFC 1877 §1.1).
  constexpr bool is_zero() const { return octets == std::array<std::byte, 4>{}; }

  bool operator==(const Ipv4Address&) const = default;
};

}  // namespace hl2tp

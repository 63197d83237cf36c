#pragma once
// The addresses the NCPs negotiate, as plain values: an IPv4 address (IPCP, RFC 1332 §3.3 and
// RFC 1877) and an IPv6 interface identifier (IPv6CP, RFC 5072 §4.1). Each is kept as the octets
// it travels in, most significant first: that is how the option carries it, how the TUN device and
// the kernel's routing messages will take it, and how it is written (a.b.c.d), so no byte order
// has to be remembered between the wire and the device, and equality and "all zero" (which both
// RFCs give a meaning) are plain comparisons. base::PeerAddress is a UDP endpoint (address, port
// and family) for the tunnels, not an address handed to a subscriber, so it is not reused here.
#include <array>
#include <cstddef>
#include <cstdint>

#include "base/ipv4_address.hpp"

namespace hl2tp::ppp {

using hl2tp::Ipv4Address;  // base/ipv4_address.hpp

struct InterfaceIdentifier {
  std::array<std::byte, 8> octets{};

  // Zero: "no good source of uniqueness" (RFC 5072 §4.1); never agreed for either end.
  constexpr bool is_zero() const { return octets == std::array<std::byte, 8>{}; }

  bool operator==(const InterfaceIdentifier&) const = default;
};

}  // namespace hl2tp::ppp

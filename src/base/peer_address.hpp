#pragma once
// A UDP peer: IPv4 or IPv6 address and port. A value type, hashable, for maps of tunnels by peer.
#include <array>
#include <cstdint>
#include <functional>
#include <string>

namespace hl2tp {

struct PeerAddress {
  std::array<std::uint8_t, 16> ip{};  // IPv4 in the first 4 octets when !v6
  bool v6 = false;
  std::uint16_t port = 0;

  bool operator==(const PeerAddress&) const = default;

  static PeerAddress ipv4(std::uint32_t address, std::uint16_t port) {
    PeerAddress a;
    a.ip = {static_cast<std::uint8_t>(address >> 24), static_cast<std::uint8_t>(address >> 16),
            static_cast<std::uint8_t>(address >> 8), static_cast<std::uint8_t>(address)};
    a.port = port;
    return a;
  }
  bool same_host(const PeerAddress& o) const { return ip == o.ip && v6 == o.v6; }
  // Not known: a local address the shell could not tell, or not yet learnt (an originator's before
  // the SCCRP). Datagrams from an unspecified local address leave from wherever the kernel routes.
  bool unspecified() const { return port == 0 && ip == std::array<std::uint8_t, 16>{}; }
  std::string to_string() const;
};

struct PeerAddressHash {
  std::size_t operator()(const PeerAddress& a) const {
    std::size_t h = a.port ^ (a.v6 ? 0x9e3779b9u : 0u);
    for (std::uint8_t b : a.ip)
      h = h * 131 + b;
    return h;
  }
};

}  // namespace hl2tp

#pragma once
// The LNS's pool of IPv6 prefixes for delegation (dataplane.md, "Addressing"): prefixes of one
// fixed length (a /56 or /64 per subscriber) carved from one configured shorter prefix (a /48).
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "base/result.hpp"
#include "pool/lease_table.hpp"
#include "pool/pool_error.hpp"

namespace hl2tp::pool {

// An IPv6 prefix: the address's sixteen octets in wire order and the prefix length in bits.
struct Ipv6Prefix {
  std::array<std::byte, 16> octets{};
  std::uint8_t length = 0;

  bool operator==(const Ipv6Prefix&) const = default;
};

struct Ipv6PrefixPoolConfig {
  Ipv6Prefix prefix;                  // the operator's prefix the pool carves (a /48)
  std::uint8_t delegated_length = 0;  // each subscriber's prefix (56, 64)
};

class Ipv6PrefixPool {
 public:
  // As for IPv4: bounds the bitmap at 2 MiB, and 2^24 subscribers is beyond one LNS.
  static constexpr unsigned max_size_bits = 24;

  // Refuses a delegated length not longer than the pool's prefix or over 128, one that yields
  // more than 2^24 prefixes, and a pool prefix with bits set past its length (a mistyped prefix
  // whose meaning is unclear).
  static Result<Ipv6PrefixPool, std::string> create(const Ipv6PrefixPoolConfig& config);

  Result<Ipv6Prefix, PoolError> allocate(Owner owner);
  Result<Owner, PoolError> release(const Ipv6Prefix& prefix);
  Result<Ipv6Prefix, PoolError> claim(const Ipv6Prefix& prefix, Owner owner);
  std::optional<Owner> holder(const Ipv6Prefix& prefix) const;

  std::uint32_t size() const { return table_.size(); }
  std::uint32_t free() const { return table_.free(); }

 private:
  explicit Ipv6PrefixPool(const Ipv6PrefixPoolConfig& config);
  // The index is the bits between the pool's length and the delegated length; a prefix is in
  // the pool when it has the delegated length, the pool's bits before them and none after.
  std::optional<std::uint32_t> index_of(const Ipv6Prefix& prefix) const;
  Ipv6Prefix prefix_at(std::uint32_t index) const;

  Ipv6Prefix prefix_;
  std::uint8_t delegated_length_;
  LeaseTable table_;
};

}  // namespace hl2tp::pool

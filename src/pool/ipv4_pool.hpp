#pragma once
// The LNS's IPv4 pool for IPCP (dataplane.md, "Addressing"): addresses from one or more configured
// ranges, less the excluded ones, each leased to one owner.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/ipv4_address.hpp"
#include "base/result.hpp"
#include "pool/lease_table.hpp"
#include "pool/pool_error.hpp"

namespace hl2tp::pool {

// The same address value the NCPs negotiate (ppp::Ipv4Address): what a pool hands out is what IPCP
// offers, with no conversion between them.
using hl2tp::Ipv4Address;  // base/ipv4_address.hpp

// first..last, both included.
struct Ipv4Range {
  Ipv4Address first;
  Ipv4Address last;
};

struct Ipv4PoolConfig {
  std::vector<Ipv4Range> ranges;
  // Addresses inside the ranges never handed out: the LNS's own, a gateway's.
  std::vector<Ipv4Address> excluded;
};

class Ipv4Pool {
 public:
  // The most addresses a pool may hold. It bounds the bitmap at 2 MiB; a larger pool is an
  // operator's mistake (a /8 typed for a /24) more likely than a plan.
  static constexpr std::uint64_t max_size = std::uint64_t{1} << 24;

  // Refuses empty, reversed or overlapping ranges, more than max_size addresses, and exclusions
  // outside the ranges, with a message for the operator.
  static Result<Ipv4Pool, std::string> create(const Ipv4PoolConfig& config);

  Result<Ipv4Address, PoolError> allocate(Owner owner);
  Result<Owner, PoolError> release(Ipv4Address address);
  Result<Ipv4Address, PoolError> claim(Ipv4Address address, Owner owner);
  std::optional<Owner> holder(Ipv4Address address) const;

  std::uint32_t size() const { return table_.size(); }
  std::uint32_t free() const { return table_.free(); }

 private:
  // A range and the index of its first address; sorted by address, so both ways are a binary
  // search.
  struct Span {
    std::uint32_t first;
    std::uint32_t last;
    std::uint32_t offset;
  };

  Ipv4Pool(std::vector<Span> spans, std::uint32_t size);
  std::optional<std::uint32_t> index_of(Ipv4Address address) const;
  Ipv4Address address_at(std::uint32_t index) const;

  std::vector<Span> spans_;
  LeaseTable table_;
};

}  // namespace hl2tp::pool

#pragma once
// The leases of one pool over its indices 0..size-1, whatever the indices stand for (an IPv4
// address, a delegated IPv6 prefix): which are free, which are excluded, and who holds the rest.
// The pools translate addresses to indices and back; the rules live here once.
#include <cstdint>
#include <optional>
#include <unordered_map>

#include "base/result.hpp"
#include "pool/free_set.hpp"
#include "pool/pool_error.hpp"

namespace hl2tp::pool {

class LeaseTable {
 public:
  // Every index free.
  explicit LeaseTable(std::uint32_t size);

  // Never to be handed out nor claimed. Only while nothing is held: it is configuration.
  void exclude(std::uint32_t index);

  // The lowest free index at or after the one following the last allocated, wrapping once.
  Result<std::uint32_t, PoolError> allocate(Owner owner);
  // The owner that held it.
  Result<Owner, PoolError> release(std::uint32_t index);
  // Takes a given index for `owner` (a restart putting back its leases). Claiming again what the
  // same owner holds succeeds, so that replaying the same leases twice is harmless.
  Result<std::uint32_t, PoolError> claim(std::uint32_t index, Owner owner);
  std::optional<Owner> holder(std::uint32_t index) const;

  // Indices that can be handed out: all but the excluded ones.
  std::uint32_t size() const { return size_ - excluded_; }
  std::uint32_t free() const { return free_; }

 private:
  std::uint32_t size_;
  std::uint32_t excluded_ = 0;
  std::uint32_t free_;
  // Where the next search starts: one past the last index allocated.
  std::uint32_t cursor_ = 0;
  FreeSet free_set_;
  // Only the held indices: 64 bits of owner for each index of a 2^24 pool would be 128 MiB.
  std::unordered_map<std::uint32_t, Owner> holders_;
};

}  // namespace hl2tp::pool

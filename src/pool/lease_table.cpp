#include "pool/lease_table.hpp"

#include "base/invariant.hpp"

namespace hl2tp::pool {

LeaseTable::LeaseTable(std::uint32_t size) : size_(size), free_(size), free_set_(size) {
  for (std::uint32_t i = 0; i < size; ++i)
    free_set_.insert(i);
}

void LeaseTable::exclude(std::uint32_t index) {
  HL2TP_INVARIANT(holders_.empty());
  HL2TP_INVARIANT(index < size_);
  if (!free_set_.contains(index)) return;  // excluded twice
  free_set_.erase(index);
  ++excluded_;
  --free_;
}

Result<std::uint32_t, PoolError> LeaseTable::allocate(Owner owner) {
  // Round robin rather than the lowest free index: a just-released address goes to the back of
  // the line, so packets still in flight to its old subscriber (late from the network, or queued
  // in the LAC) do not reach a new one, and a router's stale ARP or neighbour entry for it has
  // time to expire.
  auto found = free_set_.next_at_or_after(cursor_);
  if (!found) found = free_set_.next_at_or_after(0);
  if (!found) return unexpected(PoolError::exhausted);
  free_set_.erase(*found);
  --free_;
  holders_.emplace(*found, owner);
  cursor_ = *found + 1 == size_ ? 0 : *found + 1;
  return *found;
}

Result<Owner, PoolError> LeaseTable::release(std::uint32_t index) {
  HL2TP_INVARIANT(index < size_);
  const auto it = holders_.find(index);
  if (it == holders_.end())
    return unexpected(free_set_.contains(index) ? PoolError::not_held : PoolError::excluded);
  const Owner owner = it->second;
  holders_.erase(it);
  free_set_.insert(index);
  ++free_;
  return owner;
}

Result<std::uint32_t, PoolError> LeaseTable::claim(std::uint32_t index, Owner owner) {
  HL2TP_INVARIANT(index < size_);
  if (const auto it = holders_.find(index); it != holders_.end()) {
    if (it->second != owner) return unexpected(PoolError::held_by_other);
    return index;
  }
  // Neither held nor free: excluded by configuration.
  if (!free_set_.contains(index)) return unexpected(PoolError::excluded);
  free_set_.erase(index);
  --free_;
  holders_.emplace(index, owner);
  return index;
}

std::optional<Owner> LeaseTable::holder(std::uint32_t index) const {
  const auto it = holders_.find(index);
  if (it == holders_.end()) return std::nullopt;
  return it->second;
}

}  // namespace hl2tp::pool

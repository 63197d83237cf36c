#pragma once
// The free indices of a pool as a hierarchical bitmap: level 0 has one bit per index, and each
// level above has one bit per 64-bit word of the level below, set while that word has any bit set.
// Finding the next free index at or after a position then walks at most one word per level
// (4 levels for the 2^24 indices a pool may hold) instead of scanning a flat bitmap, which on a
// nearly full pool would cost a pass over 2 MiB per allocation. Memory is about 1.02 bits per
// index; a free list would need 32 bits per index and could not give "the lowest free index after
// the cursor" that the pools' round-robin order needs.
#include <cstdint>
#include <optional>
#include <vector>

namespace hl2tp::pool {

class FreeSet {
 public:
  // `size` indices, none of them free.
  explicit FreeSet(std::uint32_t size);

  void insert(std::uint32_t index);
  void erase(std::uint32_t index);
  bool contains(std::uint32_t index) const;
  // The lowest free index >= `from`, if any.
  std::optional<std::uint32_t> next_at_or_after(std::uint32_t from) const;

 private:
  std::optional<std::uint64_t> find(std::size_t level, std::uint64_t position) const;

  std::uint32_t size_;
  std::vector<std::vector<std::uint64_t>> levels_;  // levels_.back() is a single word
};

}  // namespace hl2tp::pool

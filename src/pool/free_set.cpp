#include "pool/free_set.hpp"

#include <bit>

#include "base/invariant.hpp"

namespace hl2tp::pool {
namespace {

constexpr std::uint64_t bit(std::uint64_t position) {
  return std::uint64_t{1} << (position % 64);
}

}  // namespace

FreeSet::FreeSet(std::uint32_t size) : size_(size) {
  std::uint64_t bits = size;
  for (;;) {
    const std::uint64_t words = bits == 0 ? 1 : (bits + 63) / 64;
    levels_.emplace_back(words, 0);
    if (words == 1) break;
    bits = words;
  }
}

void FreeSet::insert(std::uint32_t index) {
  HL2TP_INVARIANT(index < size_);
  std::uint64_t position = index;
  for (auto& words : levels_) {
    std::uint64_t& word = words[position / 64];
    const bool was_empty = word == 0;
    word |= bit(position);
    // The levels above already record this word as having a free index.
    if (!was_empty) break;
    position /= 64;
  }
}

void FreeSet::erase(std::uint32_t index) {
  HL2TP_INVARIANT(index < size_);
  std::uint64_t position = index;
  for (auto& words : levels_) {
    std::uint64_t& word = words[position / 64];
    word &= ~bit(position);
    // The word still has a free index, so the levels above stay as they are.
    if (word != 0) break;
    position /= 64;
  }
}

bool FreeSet::contains(std::uint32_t index) const {
  return index < size_ && (levels_[0][index / 64] & bit(index)) != 0;
}

std::optional<std::uint32_t> FreeSet::next_at_or_after(std::uint32_t from) const {
  if (from >= size_) return std::nullopt;
  const auto found = find(0, from);
  if (!found) return std::nullopt;
  HL2TP_INVARIANT(*found < size_);
  return static_cast<std::uint32_t>(*found);
}

std::optional<std::uint64_t> FreeSet::find(std::size_t level, std::uint64_t position) const {
  const auto& words = levels_[level];
  const std::uint64_t word = position / 64;
  if (word >= words.size()) return std::nullopt;
  const std::uint64_t here = words[word] & (~std::uint64_t{0} << (position % 64));
  if (here != 0) return word * 64 + static_cast<std::uint64_t>(std::countr_zero(here));
  if (level + 1 == levels_.size()) return std::nullopt;
  // The next word of this level with a free index, found one level up.
  const auto next_word = find(level + 1, word + 1);
  if (!next_word) return std::nullopt;
  HL2TP_INVARIANT(words[*next_word] != 0);
  return *next_word * 64 + static_cast<std::uint64_t>(std::countr_zero(words[*next_word]));
}

}  // namespace hl2tp::pool

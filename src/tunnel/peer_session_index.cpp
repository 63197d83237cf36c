#include "tunnel/peer_session_index.hpp"

#include <algorithm>
#include <bit>

#include "base/invariant.hpp"

namespace hl2tp::tunnel {

namespace {

constexpr std::size_t kMinCapacity = 8;
constexpr std::uint16_t peer_of(std::uint32_t entry) {
  return static_cast<std::uint16_t>(entry >> 16);
}
constexpr std::uint16_t ours_of(std::uint32_t entry) {
  return static_cast<std::uint16_t>(entry);
}
constexpr std::uint32_t entry(std::uint16_t peer, std::uint16_t ours) {
  return (static_cast<std::uint32_t>(peer) << 16) | ours;
}

}  // namespace

std::size_t PeerSessionIndex::home(std::uint16_t peer) const {
  // Fibonacci hashing (the product's top bits): peers hand out IDs sequentially or at random, and
  // either spreads evenly; low bits alone would put IDs a capacity apart in one probe run.
  const std::uint32_t mixed = static_cast<std::uint32_t>(peer) * 0x9E3779B1u;
  return static_cast<std::size_t>(mixed >> (32 - std::countr_zero(slots_.size())));
}

void PeerSessionIndex::assign(std::uint16_t peer, std::uint16_t ours) {
  HL2TP_INVARIANT(ours != 0);
  // At most half full: probe sequences stay short and an empty slot always ends a search.
  if (2 * (size_ + 1) > slots_.size()) grow_to(std::max(kMinCapacity, 2 * slots_.size()));
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = home(peer);; i = (i + 1) & mask) {
    if (ours_of(slots_[i]) == 0) {
      slots_[i] = entry(peer, ours);
      ++size_;
      return;
    }
    if (peer_of(slots_[i]) == peer) {
      slots_[i] = entry(peer, ours);
      return;
    }
  }
}

std::optional<std::uint16_t> PeerSessionIndex::find(std::uint16_t peer) const {
  if (size_ == 0) return std::nullopt;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = home(peer); ours_of(slots_[i]) != 0; i = (i + 1) & mask) {
    if (peer_of(slots_[i]) == peer) return ours_of(slots_[i]);
  }
  return std::nullopt;
}

void PeerSessionIndex::erase(std::uint16_t peer, std::uint16_t ours) {
  if (size_ == 0) return;
  const std::size_t mask = slots_.size() - 1;
  std::size_t hole = home(peer);
  while (slots_[hole] != entry(peer, ours)) {
    if (ours_of(slots_[hole]) == 0) return;  // not indexed (or indexed for a newer session)
    hole = (hole + 1) & mask;
  }
  // Backward-shift deletion: move up every later entry of the run whose home is not between the
  // hole and its slot, so that no search stops early at the hole.
  for (std::size_t next = (hole + 1) & mask; ours_of(slots_[next]) != 0; next = (next + 1) & mask) {
    const std::size_t wanted = home(peer_of(slots_[next]));
    const bool stays =
        hole <= next ? (hole < wanted && wanted <= next) : (hole < wanted || wanted <= next);
    if (stays) continue;
    slots_[hole] = slots_[next];
    hole = next;
  }
  slots_[hole] = 0;
  --size_;
}

void PeerSessionIndex::reserve(std::size_t count) {
  if (2 * count > slots_.size()) grow_to(std::max(kMinCapacity, std::bit_ceil(2 * count)));
}

void PeerSessionIndex::clear() {
  slots_.clear();
  slots_.shrink_to_fit();
  size_ = 0;
}

void PeerSessionIndex::grow_to(std::size_t capacity) {
  std::vector<std::uint32_t> old = std::move(slots_);
  slots_.assign(capacity, 0);
  size_ = 0;
  for (std::uint32_t e : old) {
    if (ours_of(e) != 0) assign(peer_of(e), ours_of(e));
  }
}

}  // namespace hl2tp::tunnel

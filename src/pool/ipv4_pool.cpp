#include "pool/ipv4_pool.hpp"

#include <algorithm>
#include <iterator>

#include "base/invariant.hpp"

namespace hl2tp::pool {
namespace {

std::string text(std::uint32_t n) {
  return std::to_string(n >> 24) + "." + std::to_string((n >> 16) & 0xFF) + "." +
         std::to_string((n >> 8) & 0xFF) + "." + std::to_string(n & 0xFF);
}

}  // namespace

Result<Ipv4Pool, std::string> Ipv4Pool::create(const Ipv4PoolConfig& config) {
  if (config.ranges.empty()) return unexpected(std::string("IPv4 pool: no range configured"));
  std::vector<Span> spans;
  for (const auto& range : config.ranges) {
    const std::uint32_t first = range.first.number();
    const std::uint32_t last = range.last.number();
    if (first > last)
      return unexpected("IPv4 pool: range " + text(first) + "-" + text(last) +
                        " ends before it starts");
    spans.push_back({first, last, 0});
  }
  std::sort(spans.begin(), spans.end(),
            [](const Span& a, const Span& b) { return a.first < b.first; });
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < spans.size(); ++i) {
    if (i > 0 && spans[i].first <= spans[i - 1].last)
      return unexpected("IPv4 pool: ranges overlap at " + text(spans[i].first));
    // Counted in 64 bits: one range may be the whole address space.
    const std::uint64_t count = std::uint64_t{spans[i].last} - spans[i].first + 1;
    if (total + count > max_size)
      return unexpected("IPv4 pool: more than " + std::to_string(max_size) +
                        " addresses; configure smaller ranges");
    spans[i].offset = static_cast<std::uint32_t>(total);
    total += count;
  }
  Ipv4Pool pool(std::move(spans), static_cast<std::uint32_t>(total));
  for (const auto& address : config.excluded) {
    const auto index = pool.index_of(address);
    if (!index)
      return unexpected("IPv4 pool: excluded address " + text(address.number()) +
                        " is in no range");
    pool.table_.exclude(*index);
  }
  if (pool.size() == 0) return unexpected(std::string("IPv4 pool: every address is excluded"));
  return pool;
}

Ipv4Pool::Ipv4Pool(std::vector<Span> spans, std::uint32_t size)
    : spans_(std::move(spans)), table_(size) {}

Result<Ipv4Address, PoolError> Ipv4Pool::allocate(Owner owner) {
  auto index = table_.allocate(owner);
  if (!index) return unexpected(index.error());
  return address_at(*index);
}

Result<Owner, PoolError> Ipv4Pool::release(Ipv4Address address) {
  const auto index = index_of(address);
  if (!index) return unexpected(PoolError::outside_pool);
  return table_.release(*index);
}

Result<Ipv4Address, PoolError> Ipv4Pool::claim(Ipv4Address address, Owner owner) {
  const auto index = index_of(address);
  if (!index) return unexpected(PoolError::outside_pool);
  auto claimed = table_.claim(*index, owner);
  if (!claimed) return unexpected(claimed.error());
  return address;
}

std::optional<Owner> Ipv4Pool::holder(Ipv4Address address) const {
  const auto index = index_of(address);
  if (!index) return std::nullopt;
  return table_.holder(*index);
}

std::optional<std::uint32_t> Ipv4Pool::index_of(Ipv4Address address) const {
  const std::uint32_t n = address.number();
  // The first span starting after n; the one before it is the only one that can hold n.
  auto after = std::upper_bound(spans_.begin(), spans_.end(), n,
                                [](std::uint32_t value, const Span& s) { return value < s.first; });
  if (after == spans_.begin()) return std::nullopt;
  const Span& span = *std::prev(after);
  if (n > span.last) return std::nullopt;
  return span.offset + (n - span.first);
}

Ipv4Address Ipv4Pool::address_at(std::uint32_t index) const {
  auto after =
      std::upper_bound(spans_.begin(), spans_.end(), index,
                       [](std::uint32_t value, const Span& s) { return value < s.offset; });
  HL2TP_INVARIANT(after != spans_.begin());
  const Span& span = *std::prev(after);
  HL2TP_INVARIANT(index - span.offset <= span.last - span.first);
  return Ipv4Address::from_number(span.first + (index - span.offset));
}

}  // namespace hl2tp::pool

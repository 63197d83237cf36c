#include "pool/ipv6_prefix_pool.hpp"

namespace hl2tp::pool {
namespace {

// Bit `n` of the address, counting from the most significant bit of the first octet, as prefix
// lengths count.
bool bit_at(const std::array<std::byte, 16>& octets, unsigned n) {
  return (std::to_integer<unsigned>(octets[n / 8]) >> (7 - n % 8) & 1) != 0;
}

void set_bit(std::array<std::byte, 16>& octets, unsigned n, bool value) {
  const auto mask = std::byte{static_cast<std::uint8_t>(0x80 >> (n % 8))};
  octets[n / 8] = value ? (octets[n / 8] | mask) : (octets[n / 8] & ~mask);
}

bool zero_from(const std::array<std::byte, 16>& octets, unsigned n) {
  for (unsigned i = n; i < 128; ++i)
    if (bit_at(octets, i)) return false;
  return true;
}

}  // namespace

Result<Ipv6PrefixPool, std::string> Ipv6PrefixPool::create(const Ipv6PrefixPoolConfig& config) {
  const unsigned length = config.prefix.length;
  const unsigned delegated = config.delegated_length;
  const std::string lengths = "/" + std::to_string(length) + " into /" + std::to_string(delegated);
  if (length > 128) return unexpected("IPv6 prefix pool: prefix length /" + std::to_string(length));
  if (delegated <= length || delegated > 128)
    return unexpected("IPv6 prefix pool: " + lengths +
                      ": the delegated length must be longer than the pool's, up to 128");
  if (delegated - length > max_size_bits)
    return unexpected("IPv6 prefix pool: " + lengths + " makes more than 2^" +
                      std::to_string(max_size_bits) + " prefixes; delegate shorter prefixes");
  if (!zero_from(config.prefix.octets, length))
    return unexpected("IPv6 prefix pool: the prefix has bits set past its length /" +
                      std::to_string(length));
  return Ipv6PrefixPool(config);
}

Ipv6PrefixPool::Ipv6PrefixPool(const Ipv6PrefixPoolConfig& config)
    : prefix_(config.prefix),
      delegated_length_(config.delegated_length),
      table_(std::uint32_t{1} << (config.delegated_length - config.prefix.length)) {}

Result<Ipv6Prefix, PoolError> Ipv6PrefixPool::allocate(Owner owner) {
  auto index = table_.allocate(owner);
  if (!index) return unexpected(index.error());
  return prefix_at(*index);
}

Result<Owner, PoolError> Ipv6PrefixPool::release(const Ipv6Prefix& prefix) {
  const auto index = index_of(prefix);
  if (!index) return unexpected(PoolError::outside_pool);
  return table_.release(*index);
}

Result<Ipv6Prefix, PoolError> Ipv6PrefixPool::claim(const Ipv6Prefix& prefix, Owner owner) {
  const auto index = index_of(prefix);
  if (!index) return unexpected(PoolError::outside_pool);
  auto claimed = table_.claim(*index, owner);
  if (!claimed) return unexpected(claimed.error());
  return prefix;
}

std::optional<Owner> Ipv6PrefixPool::holder(const Ipv6Prefix& prefix) const {
  const auto index = index_of(prefix);
  if (!index) return std::nullopt;
  return table_.holder(*index);
}

std::optional<std::uint32_t> Ipv6PrefixPool::index_of(const Ipv6Prefix& prefix) const {
  if (prefix.length != delegated_length_) return std::nullopt;
  for (unsigned i = 0; i < prefix_.length; ++i)
    if (bit_at(prefix.octets, i) != bit_at(prefix_.octets, i)) return std::nullopt;
  if (!zero_from(prefix.octets, delegated_length_)) return std::nullopt;
  std::uint32_t index = 0;
  for (unsigned i = prefix_.length; i < delegated_length_; ++i)
    index = index << 1 | (bit_at(prefix.octets, i) ? 1u : 0u);
  return index;
}

Ipv6Prefix Ipv6PrefixPool::prefix_at(std::uint32_t index) const {
  Ipv6Prefix out = prefix_;
  out.length = delegated_length_;
  for (unsigned i = delegated_length_; i-- > prefix_.length; index >>= 1)
    set_bit(out.octets, i, (index & 1) != 0);
  return out;
}

}  // namespace hl2tp::pool

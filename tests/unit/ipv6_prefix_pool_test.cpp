// Ipv6PrefixPool: prefixes carved from the operator's prefix, exhaustion and recovery, the
// round-robin order, claims, invalid configurations, and a seeded random run against a model.
#include "pool/ipv6_prefix_pool.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

namespace hl2tp::pool {
namespace {

constexpr Owner alice{1};
constexpr Owner bob{2};

// 2001:db8:<third>:<fourth>::/length
Ipv6Prefix prefix(std::uint16_t third, std::uint16_t fourth, std::uint8_t length) {
  Ipv6Prefix p;
  const std::uint16_t groups[4] = {0x2001, 0x0db8, third, fourth};
  for (int i = 0; i < 4; ++i) {
    p.octets[2 * i] = std::byte(groups[i] >> 8);
    p.octets[2 * i + 1] = std::byte(groups[i] & 0xFF);
  }
  p.length = length;
  return p;
}

Ipv6PrefixPool make(const Ipv6PrefixPoolConfig& config) {
  auto pool = Ipv6PrefixPool::create(config);
  EXPECT_TRUE(pool.has_value()) << (pool ? "" : pool.error());
  return std::move(pool).value();
}

TEST(Ipv6PrefixPool, CarvesEveryPrefixOnceInOrderThenIsExhaustedUntilOneIsReleased) {
  // A /62 into /64s: four prefixes.
  auto pool = make({prefix(1, 0x0100, 62), 64});
  EXPECT_EQ(pool.size(), 4u);
  for (std::uint16_t i = 0; i < 4; ++i)
    EXPECT_EQ(*pool.allocate(alice), prefix(1, 0x0100 + i, 64));
  EXPECT_EQ(pool.allocate(bob).error(), PoolError::exhausted);
  EXPECT_EQ(*pool.release(prefix(1, 0x0102, 64)), alice);
  EXPECT_EQ(pool.free(), 1u);
  EXPECT_EQ(*pool.allocate(bob), prefix(1, 0x0102, 64));
  EXPECT_EQ(pool.holder(prefix(1, 0x0102, 64)), bob);
}

TEST(Ipv6PrefixPool, AllocatesRoundRobin) {
  // A /48 into /56s: 256 prefixes, the index in the fourth group's high octet.
  auto pool = make({prefix(1, 0, 48), 56});
  EXPECT_EQ(pool.size(), 256u);
  EXPECT_EQ(*pool.allocate(alice), prefix(1, 0x0000, 56));
  ASSERT_TRUE(pool.release(prefix(1, 0x0000, 56)).has_value());
  EXPECT_EQ(*pool.allocate(bob), prefix(1, 0x0100, 56));
  EXPECT_EQ(*pool.allocate(bob), prefix(1, 0x0200, 56));
}

TEST(Ipv6PrefixPool, ClaimRefusesAnotherOwnerAndPrefixesOutsideThePool) {
  auto pool = make({prefix(1, 0, 48), 56});
  ASSERT_TRUE(pool.claim(prefix(1, 0x4200, 56), alice).has_value());
  EXPECT_TRUE(pool.claim(prefix(1, 0x4200, 56), alice).has_value());
  EXPECT_EQ(pool.claim(prefix(1, 0x4200, 56), bob).error(), PoolError::held_by_other);
  EXPECT_EQ(pool.free(), 255u);
  // Another /48, the wrong length, and bits set past the delegated length.
  EXPECT_EQ(pool.claim(prefix(2, 0x4200, 56), bob).error(), PoolError::outside_pool);
  EXPECT_EQ(pool.claim(prefix(1, 0x4200, 64), bob).error(), PoolError::outside_pool);
  EXPECT_EQ(pool.claim(prefix(1, 0x4201, 56), bob).error(), PoolError::outside_pool);
  EXPECT_EQ(pool.release(prefix(1, 0x4300, 56)).error(), PoolError::not_held);
  EXPECT_EQ(pool.holder(prefix(1, 0x4300, 56)), std::nullopt);
}

TEST(Ipv6PrefixPool, RefusesInvalidConfigurations) {
  // The delegated length must be longer than the pool's, and at most 128.
  EXPECT_FALSE(Ipv6PrefixPool::create({prefix(1, 0, 48), 48}).has_value());
  EXPECT_FALSE(Ipv6PrefixPool::create({prefix(1, 0, 48), 40}).has_value());
  EXPECT_FALSE(Ipv6PrefixPool::create({prefix(1, 0, 120), 129}).has_value());
  // A /32 into /64s is 2^32 prefixes; a /40 into /64s is exactly 2^24 and allowed.
  auto too_many = Ipv6PrefixPool::create({prefix(0, 0, 32), 64});
  ASSERT_FALSE(too_many.has_value());
  EXPECT_NE(too_many.error().find("2^24"), std::string::npos);
  auto largest = Ipv6PrefixPool::create({prefix(0, 0, 40), 64});
  ASSERT_TRUE(largest.has_value());
  EXPECT_EQ(largest->size(), 1u << 24);
  // Bits set past the pool's length.
  EXPECT_FALSE(Ipv6PrefixPool::create({prefix(1, 0x0100, 48), 56}).has_value());
}

TEST(Ipv6PrefixPool, MatchesASetModelThroughARandomRun) {
  // A /52 into /60s: 256 prefixes, the index in bits 52..59 (the fourth group's 0x0ff0).
  auto pool = make({prefix(7, 0x1000, 52), 60});
  auto at = [](std::uint32_t i) {
    return prefix(7, static_cast<std::uint16_t>(0x1000 | i << 4), 60);
  };
  std::set<std::uint32_t> free;
  for (std::uint32_t i = 0; i < 256; ++i)
    free.insert(i);
  std::map<std::uint32_t, Owner> held;
  std::uint32_t cursor = 0;
  int exhausted = 0;
  std::mt19937 random(56);
  for (int step = 0; step < 20000; ++step) {
    const Owner owner{random() % 8};
    const std::uint32_t any = random() % 256;
    switch (random() % 3) {
      case 0: {
        auto got = pool.allocate(owner);
        auto next = free.lower_bound(cursor);
        if (next == free.end()) next = free.begin();
        if (next == free.end()) {
          ASSERT_FALSE(got.has_value()) << step;
          ++exhausted;
          break;
        }
        ASSERT_TRUE(got.has_value()) << step;
        ASSERT_EQ(*got, at(*next)) << step;
        cursor = *next + 1;
        held[*next] = owner;
        free.erase(next);
        break;
      }
      case 1: {
        auto released = pool.release(at(any));
        ASSERT_EQ(released.has_value(), held.count(any) == 1) << step;
        if (released) {
          ASSERT_EQ(*released, held.at(any)) << step;
          held.erase(any);
          free.insert(any);
        }
        break;
      }
      default: {
        auto claimed = pool.claim(at(any), owner);
        const auto holder = held.find(any);
        if (holder != held.end() && holder->second != owner) {
          ASSERT_FALSE(claimed.has_value()) << step;
          break;
        }
        ASSERT_TRUE(claimed.has_value()) << step;
        held[any] = owner;
        free.erase(any);
      }
    }
    ASSERT_EQ(pool.free(), free.size()) << step;
    ASSERT_EQ(pool.holder(at(any)),
              held.count(any) ? std::optional<Owner>(held.at(any)) : std::nullopt);
  }
  EXPECT_GT(exhausted, 0) << "the run never filled the pool";
}

}  // namespace
}  // namespace hl2tp::pool

// Ipv4Pool: the ranges and exclusions, exhaustion and recovery, the round-robin order, claims on a
// restart, and a seeded random run against a plain model.
#include "pool/ipv4_pool.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "pool/free_set.hpp"

namespace hl2tp::pool {
namespace {

constexpr Owner alice{1};
constexpr Owner bob{2};

Ipv4Address ip(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  return Ipv4Address::of(a, b, c, d);
}

Ipv4Pool make(const Ipv4PoolConfig& config) {
  auto pool = Ipv4Pool::create(config);
  EXPECT_TRUE(pool.has_value()) << (pool ? "" : pool.error());
  return std::move(pool).value();
}

TEST(Ipv4Pool, HandsOutEveryAddressOnceThenIsExhaustedUntilOneIsReleased) {
  auto pool = make({{{ip(10, 0, 0, 1), ip(10, 0, 0, 4)}}, {}});
  EXPECT_EQ(pool.size(), 4u);
  std::set<std::uint32_t> seen;
  for (int i = 0; i < 4; ++i) {
    auto a = pool.allocate(alice);
    ASSERT_TRUE(a.has_value());
    EXPECT_TRUE(seen.insert(a->number()).second);
  }
  EXPECT_EQ(pool.free(), 0u);
  auto none = pool.allocate(bob);
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error(), PoolError::exhausted);
  EXPECT_EQ(describe(none.error()), "pool exhausted");

  auto released = pool.release(ip(10, 0, 0, 3));
  ASSERT_TRUE(released.has_value());
  EXPECT_EQ(*released, alice);
  EXPECT_EQ(pool.free(), 1u);
  auto again = pool.allocate(bob);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, ip(10, 0, 0, 3));
  EXPECT_EQ(pool.holder(ip(10, 0, 0, 3)), bob);
}

TEST(Ipv4Pool, NeverHandsOutAnExcludedAddress) {
  auto pool = make({{{ip(10, 0, 0, 1), ip(10, 0, 0, 8)}}, {ip(10, 0, 0, 1), ip(10, 0, 0, 5)}});
  EXPECT_EQ(pool.size(), 6u);
  for (int round = 0; round < 3; ++round) {
    std::vector<Ipv4Address> held;
    while (auto a = pool.allocate(alice)) {
      EXPECT_NE(*a, ip(10, 0, 0, 1));
      EXPECT_NE(*a, ip(10, 0, 0, 5));
      held.push_back(*a);
    }
    EXPECT_EQ(held.size(), 6u);
    for (auto a : held)
      ASSERT_TRUE(pool.release(a).has_value());
  }
  EXPECT_EQ(pool.claim(ip(10, 0, 0, 5), alice).error(), PoolError::excluded);
  EXPECT_EQ(pool.release(ip(10, 0, 0, 5)).error(), PoolError::excluded);
}

TEST(Ipv4Pool, AllocatesRoundRobinSoAReleasedAddressWaitsItsTurn) {
  auto pool = make({{{ip(10, 0, 0, 1), ip(10, 0, 0, 2)}, {ip(10, 0, 1, 1), ip(10, 0, 1, 2)}}, {}});
  EXPECT_EQ(*pool.allocate(alice), ip(10, 0, 0, 1));
  ASSERT_TRUE(pool.release(ip(10, 0, 0, 1)).has_value());
  // 10.0.0.1 is free and lowest, but the next subscriber gets the one after the last handed out.
  EXPECT_EQ(*pool.allocate(bob), ip(10, 0, 0, 2));
  EXPECT_EQ(*pool.allocate(bob), ip(10, 0, 1, 1));
  EXPECT_EQ(*pool.allocate(bob), ip(10, 0, 1, 2));
  // Past the end it wraps to the lowest free address.
  EXPECT_EQ(*pool.allocate(bob), ip(10, 0, 0, 1));
}

TEST(Ipv4Pool, ClaimTakesAnAddressBackButNotFromAnotherOwnerNorOutsideThePool) {
  auto pool = make({{{ip(192, 0, 2, 10), ip(192, 0, 2, 20)}}, {}});
  ASSERT_TRUE(pool.claim(ip(192, 0, 2, 15), alice).has_value());
  EXPECT_EQ(pool.holder(ip(192, 0, 2, 15)), alice);
  EXPECT_EQ(pool.free(), 10u);
  // The same lease replayed twice is harmless; another owner's claim is refused.
  EXPECT_TRUE(pool.claim(ip(192, 0, 2, 15), alice).has_value());
  EXPECT_EQ(pool.free(), 10u);
  EXPECT_EQ(pool.claim(ip(192, 0, 2, 15), bob).error(), PoolError::held_by_other);
  EXPECT_EQ(pool.holder(ip(192, 0, 2, 15)), alice);
  EXPECT_EQ(pool.claim(ip(192, 0, 2, 9), bob).error(), PoolError::outside_pool);
  EXPECT_EQ(pool.claim(ip(192, 0, 2, 21), bob).error(), PoolError::outside_pool);
  EXPECT_EQ(pool.release(ip(192, 0, 2, 21)).error(), PoolError::outside_pool);
  EXPECT_EQ(pool.release(ip(192, 0, 2, 16)).error(), PoolError::not_held);
  EXPECT_EQ(pool.holder(ip(192, 0, 2, 16)), std::nullopt);
  // A claimed address is never allocated to someone else.
  while (auto a = pool.allocate(bob))
    EXPECT_NE(*a, ip(192, 0, 2, 15));
}

TEST(Ipv4Pool, RefusesInvalidConfigurations) {
  EXPECT_FALSE(Ipv4Pool::create({}).has_value());
  EXPECT_FALSE(Ipv4Pool::create({{{ip(10, 0, 0, 9), ip(10, 0, 0, 1)}}, {}}).has_value());
  EXPECT_FALSE(Ipv4Pool::create(
                   {{{ip(10, 0, 0, 1), ip(10, 0, 0, 9)}, {ip(10, 0, 0, 9), ip(10, 0, 0, 20)}}, {}})
                   .has_value());
  EXPECT_FALSE(
      Ipv4Pool::create({{{ip(10, 0, 0, 1), ip(10, 0, 0, 9)}}, {ip(10, 0, 1, 1)}}).has_value());
  EXPECT_FALSE(
      Ipv4Pool::create({{{ip(10, 0, 0, 1), ip(10, 0, 0, 1)}}, {ip(10, 0, 0, 1)}}).has_value());
  // A /7 is 2^25 addresses; the whole address space must not overflow the count either.
  auto too_big = Ipv4Pool::create({{{ip(10, 0, 0, 0), ip(11, 255, 255, 255)}}, {}});
  ASSERT_FALSE(too_big.has_value());
  EXPECT_NE(too_big.error().find("more than 16777216"), std::string::npos);
  EXPECT_FALSE(Ipv4Pool::create({{{ip(0, 0, 0, 0), ip(255, 255, 255, 255)}}, {}}).has_value());
  // Exactly 2^24 (a /8) is allowed.
  auto largest = Ipv4Pool::create({{{ip(10, 0, 0, 0), ip(10, 255, 255, 255)}}, {}});
  ASSERT_TRUE(largest.has_value());
  EXPECT_EQ(largest->size(), 1u << 24);
  EXPECT_EQ(*largest->allocate(alice), ip(10, 0, 0, 0));
}

// The bitmap under both pools, at the largest size (four levels) and sparse, so that finding the
// next free index has to climb and come back down: against std::set at random positions.
TEST(FreeSet, FindsTheNextFreeIndexAcrossEveryLevel) {
  constexpr std::uint32_t size = 1u << 24;
  FreeSet set(size);
  std::set<std::uint32_t> model;
  std::mt19937 random(24);
  for (int i = 0; i < 200; ++i) {
    const std::uint32_t index = random() % size;
    set.insert(index);
    model.insert(index);
  }
  set.insert(size - 1);
  model.insert(size - 1);
  for (int i = 0; i < 5000 && !model.empty(); ++i) {
    const std::uint32_t from = random() % size;
    const auto expected = model.lower_bound(from);
    if (expected == model.end()) {
      ASSERT_EQ(set.next_at_or_after(from), std::nullopt) << from;
      continue;
    }
    ASSERT_EQ(set.next_at_or_after(from), std::optional<std::uint32_t>(*expected)) << from;
    // Erasing as it goes empties words and so clears bits on the levels above.
    if (i % 2 == 0) {
      set.erase(*expected);
      model.erase(expected);
    }
  }
  for (auto index : model)
    set.erase(index);
  EXPECT_EQ(set.next_at_or_after(0), std::nullopt);
}

// The pool against a model: a set of free addresses, a map of holders and the round-robin cursor,
// through a seeded mix of allocations, releases and claims, over three ranges with exclusions.
TEST(Ipv4Pool, MatchesASetModelThroughARandomRun) {
  const Ipv4PoolConfig config{{{ip(10, 0, 0, 250), ip(10, 0, 1, 5)},
                               {ip(10, 2, 0, 0), ip(10, 2, 0, 63)},
                               {ip(172, 16, 0, 1), ip(172, 16, 0, 1)}},
                              {ip(10, 0, 1, 0), ip(10, 2, 0, 17)}};
  auto pool = make(config);
  std::set<std::uint32_t> free;
  for (const auto& r : config.ranges)
    for (std::uint32_t n = r.first.number(); n <= r.last.number(); ++n)
      free.insert(n);
  for (const auto& x : config.excluded)
    free.erase(x.number());
  const std::vector<std::uint32_t> all(free.begin(), free.end());
  std::map<std::uint32_t, Owner> held;
  std::uint32_t cursor = 0;  // the lowest address the next allocation may take

  int exhausted = 0;
  std::mt19937 random(20240611);
  for (int step = 0; step < 20000; ++step) {
    const Owner owner{random() % 8};
    const std::uint32_t any = all[random() % all.size()];
    switch (random() % 3) {
      case 0: {
        auto got = pool.allocate(owner);
        auto next = free.lower_bound(cursor);
        if (next == free.end()) next = free.begin();
        if (next == free.end()) {
          ASSERT_FALSE(got.has_value());
          ++exhausted;
          break;
        }
        ASSERT_TRUE(got.has_value()) << step;
        ASSERT_EQ(got->number(), *next) << step;
        cursor = *next + 1;
        held[*next] = owner;
        free.erase(next);
        break;
      }
      case 1: {
        auto released = pool.release(Ipv4Address::from_number(any));
        ASSERT_EQ(released.has_value(), held.count(any) == 1) << step;
        if (released) {
          ASSERT_EQ(*released, held[any]);
          held.erase(any);
          free.insert(any);
        }
        break;
      }
      default: {
        auto claimed = pool.claim(Ipv4Address::from_number(any), owner);
        const auto holder = held.find(any);
        if (holder != held.end() && holder->second != owner) {
          ASSERT_FALSE(claimed.has_value()) << step;
          ASSERT_EQ(claimed.error(), PoolError::held_by_other) << step;
          break;
        }
        ASSERT_TRUE(claimed.has_value()) << step;
        held[any] = owner;
        free.erase(any);
      }
    }
    ASSERT_EQ(pool.free(), free.size()) << step;
    ASSERT_EQ(pool.holder(Ipv4Address::from_number(any)),
              held.count(any) ? std::optional<Owner>(held.at(any)) : std::nullopt);
  }
  EXPECT_GT(exhausted, 0) << "the run never filled the pool";
}

}  // namespace
}  // namespace hl2tp::pool

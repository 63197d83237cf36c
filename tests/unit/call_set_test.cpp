// CallSet: the books of one tunnel's calls. The ID rules (RFC 2661 §5.3 and the reuse delay RFC
// 4951 §3.3 advises), the write-ahead blocks, the collision index and the order calls are handed
// on in, without a tunnel around them.
#include "tunnel/call_set.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "base/invariant.hpp"

namespace hl2tp::tunnel {
namespace {

using session::Direction;
using session::Role;
using session::Session;

// Draws the given first ID, as the tunnel's random source would.
class FixedStart : public RandomSource {
 public:
  explicit FixedStart(std::uint16_t start) : start_(start) {}
  void fill(std::span<std::byte> out) override {
    ASSERT_EQ(out.size(), 2u);
    out[0] = std::byte(start_ >> 8);
    out[1] = std::byte(start_ & 0xFF);
  }

 private:
  std::uint16_t start_;
};

Session placed(std::uint16_t id) {
  return Session(id, Role::lac, Direction::incoming, {});
}
Session established(std::uint16_t id, std::uint16_t peer_id) {
  return Session::restored(id, peer_id, Role::lns, Direction::incoming, {}, Time{});
}

TEST(CallSet, ids_go_in_sequence_never_0_and_skip_those_in_use) {
  FixedStart random(0xFFFE);
  CallSet calls;
  calls.add(placed(0xFFFF));
  const CallSet::IdAllocation first = calls.allocate_id(random);
  EXPECT_EQ(first.id, 0xFFFE);
  ASSERT_TRUE(first.reserved_up_to);  // the first block is reserved before any ID leaves
  EXPECT_EQ(*first.reserved_up_to, static_cast<std::uint16_t>(0xFFFE + 256));
  calls.add(placed(first.id));
  // 0xFFFF is in use and 0 is never assigned: the next is 1.
  const CallSet::IdAllocation second = calls.allocate_id(random);
  EXPECT_EQ(second.id, 1);
  EXPECT_FALSE(second.reserved_up_to);
}

TEST(CallSet, a_freed_id_comes_back_only_after_the_others) {
  FixedStart random(100);
  CallSet calls;
  const std::uint16_t id = calls.allocate_id(random).id;
  calls.add(placed(id));
  calls.forget(id);
  std::set<std::uint16_t> seen;
  for (int i = 0; i < 65534; ++i) {
    const std::uint16_t next = calls.allocate_id(random).id;
    ASSERT_NE(next, 0);
    ASSERT_NE(next, id) << "after " << i;
    seen.insert(next);
  }
  EXPECT_EQ(seen.size(), 65534u);
  EXPECT_EQ(calls.allocate_id(random).id, id);
}

TEST(CallSet, a_new_block_is_reserved_each_256_ids_and_a_restart_resumes_past_it) {
  FixedStart random(1000);
  CallSet calls;
  int blocks = 0;
  for (int i = 0; i < 1024; ++i) {
    if (calls.allocate_id(random).reserved_up_to) ++blocks;
  }
  EXPECT_EQ(blocks, 4);
  EXPECT_EQ(calls.reserved_limit(), 1000 + 1024);

  CallSet restarted;
  restarted.resume_ids_at(calls.reserved_limit());
  const CallSet::IdAllocation after = restarted.allocate_id(random);
  EXPECT_EQ(after.id, 1000 + 1024);
  ASSERT_TRUE(after.reserved_up_to);
}

TEST(CallSet, the_collision_index_answers_for_established_sessions_only) {
  CallSet calls;
  calls.add(established(10, 500));
  calls.add(placed(11));
  EXPECT_EQ(calls.established_with_peer_id(500), std::optional<std::uint16_t>(10));
  EXPECT_FALSE(calls.established_with_peer_id(0));  // 11 has no peer ID yet and is not indexed
  calls.forget(10);
  EXPECT_FALSE(calls.established_with_peer_id(500));
  calls.check_invariants();
}

TEST(CallSet, expired_setups_are_those_not_established_and_still_held) {
  using std::chrono::milliseconds;
  CallSet calls;
  calls.add(placed(1));
  calls.add(placed(2));
  calls.add(established(3, 30));
  calls.track_setup(Time{} + milliseconds(10), 1);
  calls.track_setup(Time{} + milliseconds(20), 2);
  calls.track_setup(Time{} + milliseconds(5), 3);
  calls.forget(2);
  EXPECT_EQ(calls.next_setup_deadline(), Time{} + milliseconds(5));
  EXPECT_EQ(calls.take_expired_setup(Time{} + milliseconds(9)), nullptr);  // 3 is established
  Session* expired = calls.take_expired_setup(Time{} + milliseconds(30));
  ASSERT_NE(expired, nullptr);
  EXPECT_EQ(expired->local_id(), 1);
  EXPECT_EQ(calls.take_expired_setup(Time{} + milliseconds(30)), nullptr);  // 2 is gone
  EXPECT_FALSE(calls.next_setup_deadline());
}

TEST(CallSet, take_all_hands_on_waiting_calls_first_in_the_order_placed) {
  CallSet calls;
  for (std::uint16_t id : {7, 3, 9, 5})
    calls.add(placed(id));
  calls.wait(9);
  calls.wait(3);
  const std::vector<Session> taken = calls.take_all();
  ASSERT_EQ(taken.size(), 4u);
  EXPECT_EQ(taken[0].local_id(), 9);
  EXPECT_EQ(taken[1].local_id(), 3);
  EXPECT_TRUE(calls.holds_nothing());
  EXPECT_TRUE(calls.take_waiting().empty());
}

TEST(CallSet, one_owner_per_session_id) {
  CallSet calls;
  calls.add(placed(4));
  EXPECT_THROW(calls.add(placed(4)), InvariantViolation);
  EXPECT_THROW(calls.add(placed(0)), InvariantViolation);
}

}  // namespace
}  // namespace hl2tp::tunnel

// The reliable control channel on its own (RFC 2661 §5.8): modular sequence numbers, the receive
// window, acks, and what it ignores.
#include <gtest/gtest.h>

#include "channel/control_channel.hpp"
#include "wire/control_codec.hpp"
#include "wire/message_builders.hpp"

namespace hl2tp::channel {
namespace {

using namespace std::chrono_literals;

wire::ControlMessage hello_with(std::uint16_t ns, std::uint16_t nr) {
  wire::ControlMessage m = wire::make_hello();
  m.header = {1, 0, ns, nr};
  return m;
}

std::vector<wire::ControlMessage> take(ControlChannel& c) {
  std::vector<wire::ControlMessage> out;
  for (auto& bytes : c.outbox())
    out.push_back(*wire::decode_control(bytes));
  c.outbox().clear();
  return out;
}

TEST(ControlChannel, sequence_numbers_wrap_past_65535_without_loss_or_duplication) {
  ControlChannel a({}), b({});
  a.set_peer_window(64);
  b.set_peer_window(64);
  Time now{};
  std::size_t delivered = 0;
  constexpr std::size_t kMessages = 70'000;
  for (std::size_t sent = 0; delivered < kMessages;) {
    while (sent < kMessages && a.queued() < 32) {
      ASSERT_TRUE(a.send(now, wire::make_hello(), {}));
      ++sent;
    }
    for (auto& m : take(a)) {
      for (auto& d : b.receive(now, std::move(m))) {
        ASSERT_EQ(d.header.ns, static_cast<std::uint16_t>(delivered)) << "in order, each once";
        ++delivered;
      }
    }
    now = now + 20ms;  // the ack delay passes: b acks with a ZLB
    b.handle_timeout(now);
    for (auto& m : take(b))
      a.receive(now, std::move(m));
    a.handle_timeout(now);
  }
  EXPECT_EQ(a.next_ns(), static_cast<std::uint16_t>(kMessages));
  EXPECT_EQ(b.expected_ns(), static_cast<std::uint16_t>(kMessages));
  EXPECT_EQ(a.stats().retransmitted, 0u);
  EXPECT_TRUE(a.quiet());
}

TEST(ControlChannel, an_nr_acknowledging_what_was_never_sent_is_ignored_and_counted) {
  ControlChannel c({});
  ASSERT_TRUE(c.send(Time{}, wire::make_hello(), {}));  // Ns 0 in flight
  take(c);
  c.receive(Time{}, hello_with(0, 500));
  EXPECT_EQ(c.stats().bogus_nr, 1u);
  EXPECT_EQ(c.in_flight(), 1u) << "our message is still unacknowledged";
  c.receive(Time{}, hello_with(1, 1));
  EXPECT_EQ(c.in_flight(), 0u);
}

TEST(ControlChannel, a_duplicate_is_acknowledged_at_once_and_not_delivered_again) {
  ControlChannel c({});
  EXPECT_EQ(c.receive(Time{}, hello_with(0, 0)).size(), 1u);
  take(c);
  EXPECT_TRUE(c.receive(Time{1s}, hello_with(0, 0)).empty());
  EXPECT_EQ(c.stats().duplicates, 1u);
  c.handle_timeout(Time{1s});
  auto acks = take(c);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_TRUE(acks[0].is_zlb());
  EXPECT_EQ(acks[0].header.nr, 1);
}

TEST(ControlChannel, messages_ahead_are_held_inside_the_window_and_dropped_beyond_it) {
  ChannelConfig config;
  config.receive_window = 4;
  ControlChannel c(config);
  EXPECT_TRUE(c.receive(Time{}, hello_with(2, 0)).empty());
  EXPECT_TRUE(c.receive(Time{}, hello_with(4, 0)).empty());  // expected 0, window 4: 0..3
  EXPECT_EQ(c.stats().out_of_order, 1u);
  EXPECT_EQ(c.stats().beyond_window, 1u);
  EXPECT_EQ(c.receive(Time{}, hello_with(1, 0)).size(), 0u);
  const auto delivered = c.receive(Time{}, hello_with(0, 0));
  ASSERT_EQ(delivered.size(), 3u) << "0, then the held 1 and 2";
  EXPECT_EQ(delivered[2].header.ns, 2);
  EXPECT_EQ(c.expected_ns(), 3);
}

TEST(ControlChannel, a_zlb_is_never_acknowledged_and_never_advances_nr) {
  ControlChannel c({});
  wire::ControlMessage zlb;
  zlb.header = {1, 0, 0, 0};
  EXPECT_TRUE(c.receive(Time{}, zlb).empty());
  c.handle_timeout(Time{10s});
  EXPECT_TRUE(c.outbox().empty());
  EXPECT_EQ(c.expected_ns(), 0);
  EXPECT_FALSE(c.next_deadline().has_value()) << "nothing to do: no timer at idle";
}

TEST(ControlChannel, the_window_starts_at_one_message_and_grows_with_acks) {
  ControlChannel c({});
  c.set_peer_window(8);
  for (int i = 0; i < 8; ++i)
    ASSERT_TRUE(c.send(Time{}, wire::make_hello(), {}));
  EXPECT_EQ(c.in_flight(), 1u) << "slow start: one message until the first ack (Appendix A)";
  c.receive(Time{}, hello_with(0, 1));
  EXPECT_EQ(c.in_flight(), 2u);
  c.receive(Time{}, hello_with(1, 3));
  EXPECT_EQ(c.in_flight(), 4u);
}

}  // namespace
}  // namespace hl2tp::channel

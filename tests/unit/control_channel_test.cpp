// The reliable control channel on its own (RFC 2661 §5.8): modular sequence numbers, the receive
// window, acks, and what it ignores.
#include <gtest/gtest.h>

#include "channel/control_channel.hpp"
#include "sim/peer_sequencing.hpp"
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

// RFC 4951 §3.2.1–3.2.2: while paused the old channel neither sends nor takes anything; the reset
// hands back what it flushed and restarts the numbering.
TEST(ControlChannel, a_paused_channel_is_silent_and_a_reset_flushes_both_windows) {
  ControlChannel c({});
  c.pause();
  ASSERT_TRUE(c.send(Time{}, wire::make_hello(), {}));
  ASSERT_TRUE(c.send(Time{}, wire::make_hello(), {}));
  EXPECT_TRUE(take(c).empty());
  EXPECT_FALSE(c.next_deadline());
  EXPECT_TRUE(c.receive(Time{}, hello_with(0, 0)).empty());
  EXPECT_EQ(c.stats().discarded_paused, 1u);
  EXPECT_EQ(c.expected_ns(), 0u) << "what arrived while paused was not taken";
  c.journal().clear();
  const auto flushed = c.reset(Time{} + 1s, 300, 7);
  EXPECT_EQ(flushed.size(), 2u);
  EXPECT_FALSE(c.paused());
  EXPECT_EQ(c.next_ns(), 300u);
  EXPECT_EQ(c.expected_ns(), 7u);
  EXPECT_TRUE(c.quiet());
  ASSERT_EQ(c.journal().size(), 1u);
  EXPECT_EQ(c.journal()[0].kind, JournalEntry::Kind::reset);
  EXPECT_EQ(c.journal()[0].value, 300u);
  EXPECT_EQ(c.journal()[0].reset_nr, 7u);
  ASSERT_TRUE(c.send(Time{} + 1s, wire::make_hello(), {}));
  const auto out = take(c);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].header.ns, 300u);
  EXPECT_EQ(out[0].header.nr, 7u);
}

// While a reset it suggested to a recovering peer may still come, the non-failed end transmits
// nothing at or past the limit (failover/recovery_suggestion.hpp): what waits goes once the limit
// is lifted, and a reset flushes it with the rest.
TEST(ControlChannel, nothing_at_or_past_the_transmission_limit_leaves_until_it_is_lifted) {
  ControlChannel c({});
  c.set_peer_window(8);
  c.limit_transmission(Time{}, std::uint16_t{2});
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(c.send(Time{}, wire::make_hello(), {}));
  auto out = take(c);
  ASSERT_EQ(out.size(), 1u) << "slow start: one at first";
  EXPECT_EQ(out[0].header.ns, 0u);
  wire::ControlMessage ack;
  ack.header = {1, 0, 0, 1};
  c.receive(Time{} + 1ms, ack);
  out = take(c);
  ASSERT_EQ(out.size(), 1u) << "Ns 1 goes, Ns 2 and 3 wait for the limit";
  EXPECT_EQ(out[0].header.ns, 1u);
  ack.header.nr = 2;
  c.receive(Time{} + 2ms, ack);
  EXPECT_TRUE(take(c).empty());
  EXPECT_EQ(c.queued(), 2u);
  EXPECT_EQ(c.state().unacked.size(), 2u) << "what waits is durable like anything queued";
  c.limit_transmission(Time{} + 3ms, std::nullopt);
  out = take(c);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].header.ns, 2u);
  EXPECT_EQ(out[1].header.ns, 3u);

  ControlChannel d({});
  d.limit_transmission(Time{}, std::uint16_t{0});
  ASSERT_TRUE(d.send(Time{}, wire::make_hello(), {}));
  EXPECT_TRUE(take(d).empty());
  EXPECT_EQ(d.reset(Time{} + 1s, 100, 7).size(), 1u) << "the reset flushes what waited";
  EXPECT_FALSE(d.transmission_limit()) << "and ends the limit";
  ASSERT_TRUE(d.send(Time{} + 1s, wire::make_hello(), {}));
  EXPECT_EQ(take(d).at(0).header.ns, 100u);
}

TEST(ControlChannel, resume_carries_on_with_the_same_numbers_and_resends_at_once) {
  ControlChannel c({});
  ASSERT_TRUE(c.send(Time{}, wire::make_hello(), {}));
  take(c);
  c.pause();
  c.resume(Time{} + 5s);
  const auto out = take(c);
  ASSERT_EQ(out.size(), 1u) << "the unacknowledged message goes again";
  EXPECT_EQ(out[0].header.ns, 0u);
  EXPECT_EQ(c.next_deadline(), Time{} + 6s) << "a fresh retransmission cycle";
}

TEST(ControlChannel, an_overdue_message_is_resent_as_soon_as_the_peer_speaks_without_acking_it) {
  ControlChannel c({});
  ASSERT_TRUE(c.send(Time{}, wire::make_hello(), {}));
  take(c);
  c.handle_timeout(Time{} + 1s);  // first retransmission
  ASSERT_EQ(take(c).size(), 1u);
  c.receive(Time{} + 2500ms, hello_with(0, 0));  // the peer (restarted) has not got Ns 0
  const auto out = take(c);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out[0].header.ns, 0u);
  EXPECT_EQ(out[0].type(), wire::MessageType::HELLO);
}

// The tunnel's reason for giving up tells numbers apart (the peer answers every copy) from loss
// (the peer spoke in one interval with what it had in flight): counted per back-off interval.
TEST(ControlChannel, answers_without_ack_count_back_off_intervals_not_messages) {
  ControlChannel lossy({}), apart({});
  for (ControlChannel* c : {&lossy, &apart}) {
    ASSERT_TRUE(c->send(Time{}, wire::make_hello(), {}));
    take(*c);
  }
  // Loss: three messages of the peer, all in the first interval, none acknowledging Ns 0.
  lossy.handle_timeout(Time{} + 1s);
  for (std::uint16_t ns = 0; ns < 3; ++ns)
    lossy.receive(Time{} + 1100ms + ns * 10ms, hello_with(ns, 0));
  EXPECT_EQ(lossy.answers_without_ack(), 1u);
  // Numbers apart: the peer answers each of our copies, never acknowledging.
  Time now = Time{} + 1s;
  for (Duration interval = 1s; interval <= 8s; interval *= 2) {
    apart.handle_timeout(now);
    apart.receive(now + 50ms, hello_with(0, 0));
    now = now + interval * 2;
  }
  EXPECT_EQ(apart.answers_without_ack(), 4u);
}
// docs/peer-behaviour.md §1.1: the xl2tpd model drops what is ahead and acks what is stale,
// ignoring the stale message's Nr, and counts a ZLB only when its Ns is the expected one.
TEST(ControlChannel, the_xl2tpd_model_drops_messages_ahead_and_ignores_stale_nr) {
  ChannelConfig config;
  config.sequencing = sim::xl2tpd_sequencing();
  ControlChannel c(config);
  ASSERT_TRUE(c.send(Time{}, wire::make_hello(), {}));  // Ns 0 in flight
  take(c);
  EXPECT_TRUE(c.receive(Time{}, hello_with(1, 0)).empty()) << "ahead: dropped";
  EXPECT_EQ(c.stats().beyond_window, 1u);
  ASSERT_EQ(c.receive(Time{}, hello_with(0, 0)).size(), 1u);
  wire::ControlMessage stale = hello_with(0, 1);  // stale, and its Nr would ack our Ns 0
  c.receive(Time{}, stale);
  EXPECT_EQ(c.in_flight(), 1u) << "a stale message's Nr is not processed";
  wire::ControlMessage zlb;
  zlb.header = {1, 0, 5, 1};  // a ZLB with an unexpected Ns
  c.receive(Time{}, zlb);
  EXPECT_EQ(c.in_flight(), 1u) << "ignored";
  zlb.header = {1, 0, 1, 1};
  c.receive(Time{}, zlb);
  EXPECT_EQ(c.in_flight(), 0u) << "a ZLB with the expected Ns acknowledges";
}

TEST(ControlChannel, the_accel_ppp_model_discards_a_message_that_acks_the_unsent) {
  ChannelConfig config;
  config.sequencing = sim::accel_ppp_sequencing();
  ControlChannel c(config);
  EXPECT_TRUE(c.receive(Time{}, hello_with(0, 3)).empty()) << "Nr 3 but nothing was sent";
  EXPECT_EQ(c.expected_ns(), 0u);
  EXPECT_EQ(c.receive(Time{}, hello_with(0, 0)).size(), 1u);
}

}  // namespace
}  // namespace hl2tp::channel

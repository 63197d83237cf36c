// The recovery machine of one tunnel (failover/tunnel_recovery.hpp) and the weighing of racing
// recovery tunnels (failover/recovery_race.hpp), without a tunnel or an engine around them.
#include <gtest/gtest.h>

#include <variant>

#include "base/invariant.hpp"
#include "failover/recovery_race.hpp"
#include "failover/suggested_reset.hpp"
#include "failover/tunnel_recovery.hpp"
#include "wire/message_builders.hpp"

namespace hl2tp::failover {
namespace {

using Phase = TunnelRecovery::Phase;

Time at(int ms) {
  return Time{} + std::chrono::milliseconds(ms);
}

template <typename A>
std::size_t count(const RecoveryActions& actions) {
  std::size_t n = 0;
  for (const RecoveryAction& a : actions)
    n += std::holds_alternative<A>(a) ? 1 : 0;
  return n;
}

TEST(TunnelRecovery, the_protocol_method_waits_paused_then_a_reset_with_nothing_to_ask_recovers) {
  channel::ControlChannel channel{channel::ChannelConfig{}};
  TunnelRecovery r;
  r.restore(at(0), channel, ResyncMethod::failover_protocol, 3);
  EXPECT_EQ(r.phase(), Phase::awaiting_recovery_tunnel);
  EXPECT_TRUE(channel.paused());  // RFC 4951 §3.2.1: nothing goes out before the reset
  EXPECT_TRUE(r.recovering());
  EXPECT_TRUE(r.check(at(5), channel).empty());  // the pause alone is not a recovery

  const RecoveryActions actions = r.reset(at(40), channel, 7, 9, {}, {}, true);
  EXPECT_FALSE(channel.paused());
  EXPECT_EQ(channel.next_ns(), 7);
  EXPECT_EQ(channel.expected_ns(), 9);
  EXPECT_EQ(r.phase(), Phase::recovered);
  EXPECT_EQ(count<StartWaitingCalls>(actions), 1u);
  ASSERT_EQ(count<Announce>(actions), 1u);
  EXPECT_EQ(r.status().state, RecoveryState::recovered);
  EXPECT_EQ(r.status().method, ResyncMethod::failover_protocol);
  EXPECT_EQ(r.status().duration(), std::chrono::milliseconds(40));
}

TEST(TunnelRecovery, a_failed_recovery_tunnel_clears_the_tunnel_or_falls_back_to_silent) {
  {
    channel::ControlChannel channel{channel::ChannelConfig{}};
    TunnelRecovery r;
    r.restore(at(0), channel, ResyncMethod::failover_protocol, 1);
    const RecoveryActions actions = r.fail(at(10), "recovery tunnel not established");
    EXPECT_EQ(r.phase(), Phase::failed);
    EXPECT_EQ(count<ClearTunnel>(actions), 1u);
    EXPECT_EQ(r.status().state, RecoveryState::failed);
  }
  {
    channel::ControlChannel channel{channel::ChannelConfig{}};
    TunnelRecovery r;
    r.restore(at(0), channel, ResyncMethod::failover_protocol, 1);
    const RecoveryActions actions = r.begin_silent(at(10), channel, "fell back");
    EXPECT_EQ(r.phase(), Phase::probing);
    EXPECT_FALSE(channel.paused());
    // Nothing to resend: a HELLO is the probe.
    ASSERT_EQ(count<SendMessage>(actions), 1u);
    EXPECT_EQ(std::get<SendMessage>(actions[0]).message.type(), wire::MessageType::HELLO);
    EXPECT_EQ(r.status().method, ResyncMethod::silent);
    EXPECT_EQ(r.status().probes_sent, 1u);
  }
}

TEST(TunnelRecovery, transitions_outside_the_diagram_are_invariant_violations) {
  channel::ControlChannel channel{channel::ChannelConfig{}};
  TunnelRecovery r;
  // Never failed: there is no recovery tunnel to fail.
  EXPECT_THROW(r.fail(at(0), "x"), InvariantViolation);
  r.restore(at(0), channel, ResyncMethod::silent, 0);
  r.begin_silent(at(1), channel, {});
  EXPECT_THROW(r.fail(at(2), "x"), InvariantViolation);  // silent failover has no tunnel to lose
}

TEST(TunnelRecovery, the_helping_end_records_its_suggestion_and_its_withdrawal) {
  channel::ControlChannel channel{channel::ChannelConfig{}};
  TunnelRecovery r;
  RecoverySuggestion s;
  s.scs = {100, 200};
  s.transmit_limit = 200;
  const RecoveryActions suggested = r.suggest(at(0), channel, s);
  EXPECT_EQ(count<RecordSuggestion>(suggested), 1u);
  EXPECT_EQ(r.status().state, RecoveryState::helping);
  EXPECT_FALSE(r.recovering());  // helping holds nothing back
  EXPECT_EQ(channel.transmission_limit(), std::optional<std::uint16_t>(200));
  const RecoveryActions withdrawn = r.withdraw(at(5), channel, "old numbering");
  EXPECT_EQ(count<RecordWithdrawal>(withdrawn), 1u);
  EXPECT_FALSE(channel.transmission_limit());
  EXPECT_EQ(r.status().state, RecoveryState::none);
}

TEST(TunnelRecovery, a_suggestion_replaced_by_a_newer_request_can_still_be_taken_up) {
  channel::ControlChannel channel{channel::ChannelConfig{}};
  TunnelRecovery r;
  RecoverySuggestion first, second;
  first.scs = {67, 74};
  first.transmit_limit = 73;
  second.scs = {131, 75};
  second.transmit_limit = 73;
  r.suggest(at(0), channel, first);
  r.suggest(at(10), channel, second);  // the peer failed again and asked anew
  ASSERT_EQ(r.replaced_suggestions().size(), 1u);
  // A message with the first one's Nr: the peer reset to it.
  const auto replaced = replaced_taken_up(r.replaced_suggestions(), 74);
  ASSERT_TRUE(replaced);
  EXPECT_FALSE(replaced_taken_up(r.replaced_suggestions(), 75));  // the latest: judge() says so
  r.take_up(at(20), channel, {}, {}, true, *replaced);
  EXPECT_EQ(channel.next_ns(), 74);  // our next Ns is the Nr the peer expects
  EXPECT_EQ(channel.expected_ns(), 67);
  EXPECT_FALSE(r.suggestion());
  EXPECT_TRUE(r.replaced_suggestions().empty());
}

wire::TieBreakerValue tie_breaker(std::uint8_t first) {
  wire::TieBreakerValue v{};
  v[0] = std::byte{first};
  return v;
}

RecoveryLink link_at(RecoveryLink::Stage stage) {
  RecoveryLink link(1, {1, 2}, std::nullopt);
  if (stage != RecoveryLink::Stage::opening) link.establish();
  if (stage == RecoveryLink::Stage::completed) link.complete();
  return link;
}

TEST(RecoveryRace, the_lower_tie_breaker_of_ours_still_waiting_for_its_reply_wins) {
  const RecoveryLink opening = link_at(RecoveryLink::Stage::opening);
  const wire::TieBreakerValue low = tie_breaker(1), high = tie_breaker(9);
  const RaceVerdict v = weigh_request({{10, true, low, true, &opening}}, &high);
  EXPECT_EQ(v.kind, RaceVerdict::Kind::ours_wins);
  EXPECT_EQ(v.winner, std::optional<std::uint16_t>(10));

  // Higher than theirs: ours gives way, and so does the peer's own earlier request.
  const RaceVerdict lost =
      weigh_request({{10, true, high, true, &opening}, {11, false, {}, false, &opening}}, &low);
  EXPECT_EQ(lost.kind, RaceVerdict::Kind::answer);
  EXPECT_EQ(lost.superseded, (std::vector<std::uint16_t>{10, 11}));
  EXPECT_EQ(lost.ours_lost, 1u);
}

TEST(RecoveryRace, a_copy_of_a_request_our_completed_tunnel_beat_is_stale_and_a_new_one_answered) {
  RecoveryLink done = link_at(RecoveryLink::Stage::completed);
  const wire::TieBreakerValue beaten = tie_breaker(1), fresh = tie_breaker(8);
  done.note_beaten(beaten);
  EXPECT_EQ(weigh_request({{10, true, {}, false, &done}}, &beaten).kind,
            RaceVerdict::Kind::stale_copy);
  const RaceVerdict v = weigh_request({{10, true, {}, false, &done}}, &fresh);
  EXPECT_EQ(v.kind, RaceVerdict::Kind::answer);
  EXPECT_TRUE(v.superseded.empty());  // the completed tunnel lingers; it supersedes nothing
}

}  // namespace
}  // namespace hl2tp::failover

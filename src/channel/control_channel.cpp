#include "channel/control_channel.hpp"

#include <algorithm>

#include "base/invariant.hpp"
#include "channel/sequence_number.hpp"

namespace hl2tp::channel {
namespace {

constexpr std::size_t kNrOffset = 10;  // Nr sits at octets 10–11 of the control header
// A peer that keeps coming back without taking our message gets a fresh cycle this often at most:
// past that, the two ends' numbers are apart and the tunnel must go (RFC 2661 §5.8).
constexpr std::uint8_t kMaxRevivals = 3;

void patch_u16(Bytes& bytes, std::size_t at, std::uint16_t v) {
  bytes[at] = static_cast<std::byte>(v >> 8);
  bytes[at + 1] = static_cast<std::byte>(v & 0xFF);
}

// The durable form of a queued message: its Nr is restamped at every transmission, so it is kept
// as zero rather than as whatever it was when last sent.
Bytes durable_form(Bytes bytes) {
  patch_u16(bytes, kNrOffset, 0);
  return bytes;
}

}  // namespace

ControlChannel::ControlChannel(const ChannelConfig& config)
    : config_(config), retransmit_interval_(config.retransmit_initial) {}

void ControlChannel::set_peer_window(std::uint16_t window) {
  peer_window_ = std::max<std::uint16_t>(window, 1);
  ssthresh_ = peer_window_;
}

std::uint16_t ControlChannel::window() const {
  return static_cast<std::uint16_t>(std::min<std::uint32_t>(cwnd_, peer_window_));
}

void ControlChannel::check_invariants() const {
  // Appendix A: the windows never close entirely (the peer's is at least 1, §4.4.3).
  HL2TP_INVARIANT(peer_window_ >= 1 && cwnd_ >= 1 && ssthresh_ >= 1);
  // §5.8: what is held waits ahead of the next expected Ns, within our receive window; anything at
  // the expected Ns has been delivered.
  for (const auto& [ns, message] : held_) {
    const std::uint16_t ahead = sequence_distance(expected_ns_, ns);
    HL2TP_INVARIANT(ahead >= 1 && ahead < config_.receive_window && message.header.ns == ns);
  }
  // A failed channel retransmits nothing more (§5.8: the tunnel is cleared).
  HL2TP_INVARIANT(!failed_ || !retransmit_deadline_);
}

bool ControlChannel::send(Time now, wire::ControlMessage message,
                          const wire::EncodeOptions& encode) {
  check_invariants();
  message.header.ns = next_ns_;
  message.header.nr = expected_ns_;
  auto bytes = wire::encode_control(message, encode);
  // Our own messages always encode: a failure is a bug in the caller, not a peer's doing.
  HL2TP_INVARIANT(bytes.has_value());
  journal_.push_back({JournalEntry::Kind::queued, next_ns_, durable_form(*bytes)});
  queued_.push_back({next_ns_, std::move(*bytes)});
  next_ns_ = static_cast<std::uint16_t>(next_ns_ + 1);
  ++stats_.sent;
  transmit(now);
  return true;
}

void ControlChannel::transmit(Time now) {
  if (paused_) return;
  while (!queued_.empty() && in_flight_.size() < window() &&
         (!transmit_limit_ || sequence_before(queued_.front().ns, *transmit_limit_))) {
    in_flight_.push_back(std::move(queued_.front()));
    queued_.pop_front();
    emit(in_flight_.back().bytes);
    if (!retransmit_deadline_) retransmit_deadline_ = now + retransmit_interval_;
    if (!unacked_since_) unacked_since_ = now;
  }
}

void ControlChannel::emit(Bytes& bytes) {
  // RFC 2661 §5.8: every transmission, retransmissions included, carries the current Nr.
  patch_u16(bytes, kNrOffset, expected_ns_);
  outbox_.push_back(bytes);
  ack_deadline_.reset();  // the ack rides on this message
}

void ControlChannel::send_zlb() {
  // A ZLB carries the Ns of the next new message and does not consume it (§5.8).
  wire::ControlMessage zlb;
  zlb.header = {peer_tunnel_id_, 0, queued_.empty() ? next_ns_ : queued_.front().ns, expected_ns_};
  outbox_.push_back(*wire::encode_control(zlb));
  ++stats_.zlb_sent;
  ack_deadline_.reset();
}

void ControlChannel::schedule_ack(Time at) {
  if (!ack_deadline_ || at < *ack_deadline_) ack_deadline_ = at;
}

std::uint16_t ControlChannel::transmitted_end() const {
  // Nr may acknowledge up to the last message we transmitted, never one still queued or never sent.
  const std::uint16_t base = in_flight_.empty() ? (queued_.empty() ? next_ns_ : queued_.front().ns)
                                                : in_flight_.front().ns;
  const auto end = static_cast<std::uint16_t>(base + in_flight_.size());
  // After a restart, a previous incarnation may have sent every restored message: the peer may
  // acknowledge any of them (found by the crash-after-commit scenario).
  if (restored_end_ && sequence_distance(base, *restored_end_) > sequence_distance(base, end)) {
    return *restored_end_;
  }
  return end;
}

void ControlChannel::acknowledge(Time now, std::uint16_t nr) {
  const std::uint16_t base = in_flight_.empty() ? (queued_.empty() ? next_ns_ : queued_.front().ns)
                                                : in_flight_.front().ns;
  if (sequence_distance(base, nr) > sequence_distance(base, transmitted_end())) {
    // An Nr from before our oldest in-flight message is merely old; one past what we sent is bogus.
    if (!sequence_before(nr, base)) ++stats_.bogus_nr;
    return;
  }
  std::size_t released = 0;
  while (!in_flight_.empty() && sequence_before(in_flight_.front().ns, nr)) {
    in_flight_.pop_front();
    ++released;
  }
  // Restored messages not yet resent in this incarnation, which the peer had already received.
  while (in_flight_.empty() && !queued_.empty() && sequence_before(queued_.front().ns, nr)) {
    queued_.pop_front();
    ++released;
  }
  for (std::size_t i = 0; i < released; ++i) {
    // Appendix A: slow start below the threshold, then about one more message per window.
    if (cwnd_ < ssthresh_) {
      ++cwnd_;
    } else if (++cwnd_acks_ >= cwnd_) {
      cwnd_acks_ = 0;
      cwnd_ = std::min<std::uint32_t>(cwnd_ + 1, peer_window_);
    }
  }
  const bool progress = released > 0;
  if (progress) {
    journal_.push_back({JournalEntry::Kind::acked, nr, {}});
    restart_cycle();
    if (!in_flight_.empty()) {
      retransmit_deadline_ = now + retransmit_interval_;
      unacked_since_ = now;
    }
    transmit(now);
  }
}

std::vector<wire::ControlMessage> ControlChannel::receive(Time now, wire::ControlMessage message) {
  check_invariants();
  std::vector<wire::ControlMessage> delivered;
  if (paused_) {
    ++stats_.discarded_paused;
    return delivered;
  }
  if (config_.sequencing) {
    ChannelMechanics mechanics(*this);
    if (config_.sequencing->receive(now, message, mechanics, delivered)) return delivered;
  }
  // Silent for a while (an initial retransmission interval): the peer may be back from a restart.
  const bool after_silence = !last_received_ || now - *last_received_ >= config_.retransmit_initial;
  last_received_ = now;
  const std::size_t unacked_before = in_flight_.size() + queued_.size();
  acknowledge(now, message.header.nr);
  if (timeouts_ > 0 && !early_resent_ && !in_flight_.empty() &&
      in_flight_.size() + queued_.size() == unacked_before) {
    // Counted once per back-off interval, like the resend below: a peer whose numbers are apart
    // from ours answers every copy; one that merely lost our message answered with what it had in
    // flight, several times in one interval (campaign, seed 408148: three of its messages in one
    // interval gave a tunnel that died of loss the reason of numbers apart).
    ++answers_without_ack_;
    // Our oldest message is overdue and the peer speaks without acknowledging it: it has lost it,
    // or it has just restarted (a peer's silent failover). Resend it now rather than at the next
    // back-off expiry, which may lie past the end of the cycle. Once per back-off interval: a peer
    // that answers every copy with an ack that does not cover it must not set off a storm
    // (found by the campaign, seed 30370: a copy every 21 ms for a minute and a half).
    early_resent_ = true;
    ++stats_.retransmitted;
    emit(in_flight_.front().bytes);
    if (after_silence && revivals_ < kMaxRevivals) {
      ++revivals_;
      // The first sign of life after a silence: the peer is back (a restart), so the message
      // gets a fresh retransmission cycle; a peer that goes on answering without taking it is
      // still given up on, one cycle later. Without it a peer back late in our cycle had one copy
      // to catch before we gave up (campaign, seeds 894, 947 and 25953 under 20 % loss).
      timeouts_ = 0;
      retransmit_interval_ = config_.retransmit_initial;
      retransmit_deadline_ = now + retransmit_interval_;
      unacked_since_ = now;
    }
  }
  if (message.is_zlb()) return delivered;  // never acked, never advances Nr

  const std::uint16_t ns = message.header.ns;
  if (ns == expected_ns_) {
    deliver_in_order(now, std::move(message), delivered);
  } else if (sequence_before(ns, expected_ns_)) {
    // A duplicate: our ack was lost or is late. It MUST be acknowledged, and is not delivered
    // again.
    acknowledge_duplicate(now);
  } else if (sequence_distance(expected_ns_, ns) < config_.receive_window) {
    if (held_.emplace(ns, std::move(message)).second) ++stats_.out_of_order;
    schedule_ack(now + config_.ack_delay);
  } else {
    ++stats_.beyond_window;
    if (config_.sequencing && config_.sequencing->acknowledges_beyond_window()) schedule_ack(now);
  }
  return delivered;
}

void ControlChannel::deliver_in_order(Time now, wire::ControlMessage message,
                                      std::vector<wire::ControlMessage>& delivered) {
  HL2TP_INVARIANT(message.header.ns == expected_ns_);
  const std::size_t before = delivered.size();
  delivered.push_back(std::move(message));
  expected_ns_ = static_cast<std::uint16_t>(expected_ns_ + 1);
  for (auto it = held_.find(expected_ns_); it != held_.end(); it = held_.find(expected_ns_)) {
    delivered.push_back(std::move(it->second));
    held_.erase(it);
    expected_ns_ = static_cast<std::uint16_t>(expected_ns_ + 1);
  }
  stats_.received += delivered.size() - before;
  // Our Nr moves: the store must know it before any ack carrying it leaves.
  journal_.push_back({JournalEntry::Kind::received, expected_ns_, {}});
  schedule_ack(now + config_.ack_delay);
}

void ControlChannel::acknowledge_duplicate(Time now) {
  ++stats_.duplicates;
  schedule_ack(now);
}

void ControlChannel::handle_timeout(Time now) {
  check_invariants();
  if (failed_ || paused_) return;
  if (retransmit_deadline_ && *retransmit_deadline_ <= now) {
    const bool cycle_spent = ++timeouts_ >= config_.retransmit_timeouts;
    const Time hold_end = unacked_since_.value_or(now) + recovery_hold_;
    if (cycle_spent && hold_end <= now) {
      failed_ = true;
      retransmit_deadline_.reset();
      ack_deadline_.reset();
      return;
    }
    ++stats_.retransmitted;
    early_resent_ = false;
    // Appendix A: on retransmission halve the threshold and restart from one message.
    ssthresh_ = std::max<std::uint32_t>(cwnd_ / 2, 1);
    cwnd_ = 1;
    cwnd_acks_ = 0;
    emit(in_flight_.front().bytes);
    retransmit_interval_ = std::min(retransmit_interval_ * 2, config_.retransmit_cap);
    retransmit_deadline_ = now + retransmit_interval_;
    // Past the cycle we retransmit at the cap only while the peer's Recovery Time lasts.
    if (cycle_spent && hold_end < *retransmit_deadline_) retransmit_deadline_ = hold_end;
  }
  if (ack_deadline_ && *ack_deadline_ <= now) send_zlb();
}

void ControlChannel::restore(Time now, const ChannelState& state) {
  next_ns_ = state.next_ns;
  expected_ns_ = state.expected_ns;
  in_flight_.clear();
  queued_.clear();
  held_.clear();
  for (const auto& [ns, bytes] : state.unacked)
    queued_.push_back({ns, bytes});
  start_afresh();
  restored_end_ = next_ns_;
  transmit(now);
}

void ControlChannel::resume(Time now) {
  if (!paused_) return;
  paused_ = false;
  // The peer has heard nothing from us for a while: start a fresh retransmission cycle.
  timeouts_ = 0;
  retransmit_interval_ = config_.retransmit_initial;
  retransmit_deadline_.reset();
  unacked_since_.reset();
  if (!in_flight_.empty()) {
    emit(in_flight_.front().bytes);
    retransmit_deadline_ = now + retransmit_interval_;
    unacked_since_ = now;
  }
  transmit(now);
}

void ControlChannel::restart_cycle() {
  timeouts_ = 0;
  early_resent_ = false;
  revivals_ = 0;
  answers_without_ack_ = 0;
  retransmit_interval_ = config_.retransmit_initial;
  retransmit_deadline_.reset();
  unacked_since_.reset();
}

void ControlChannel::start_afresh() {
  cwnd_ = 1;
  cwnd_acks_ = 0;
  restart_cycle();
  ack_deadline_.reset();
  failed_ = false;
}

void ControlChannel::limit_transmission(Time now, std::optional<std::uint16_t> limit) {
  HL2TP_INVARIANT(!limit || in_flight_.empty() || sequence_before(in_flight_.back().ns, *limit));
  transmit_limit_ = limit;
  if (!limit) transmit(now);  // what waited for the limit goes now, within the window
}

std::vector<Bytes> ControlChannel::reset(Time now, std::uint16_t ns, std::uint16_t nr) {
  std::vector<Bytes> flushed;
  for (auto* queue : {&in_flight_, &queued_}) {
    for (Outgoing& o : *queue)
      flushed.push_back(durable_form(std::move(o.bytes)));
    queue->clear();
  }
  held_.clear();
  next_ns_ = ns;
  expected_ns_ = nr;
  restored_end_.reset();
  transmit_limit_.reset();
  start_afresh();
  ssthresh_ = peer_window_;
  paused_ = false;
  last_received_ = now;
  journal_.push_back({JournalEntry::Kind::reset, ns, {}, nr});
  return flushed;
}

ChannelState ControlChannel::state() const {
  ChannelState s;
  s.next_ns = next_ns_;
  s.expected_ns = expected_ns_;
  s.acked_ns = in_flight_.empty() ? (queued_.empty() ? next_ns_ : queued_.front().ns)
                                  : in_flight_.front().ns;
  for (const auto* queue : {&in_flight_, &queued_}) {
    for (const Outgoing& o : *queue)
      s.unacked.emplace_back(o.ns, durable_form(o.bytes));
  }
  return s;
}

std::optional<Time> ControlChannel::next_deadline() const {
  if (failed_ || paused_) return std::nullopt;
  std::optional<Time> next = retransmit_deadline_;
  if (ack_deadline_ && (!next || *ack_deadline_ < *next)) next = ack_deadline_;
  return next;
}

}  // namespace hl2tp::channel

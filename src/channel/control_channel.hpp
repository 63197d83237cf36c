#pragma once
// The reliable control channel of one tunnel (RFC 2661 §5.8, Appendices A and B): Ns/Nr, the
// peer's receive window with slow start and congestion avoidance, in-order delivery of what arrives
// out of order, duplicates acknowledged and never delivered twice, delayed acks that ride on the
// next message or go out as a ZLB, retransmission of the oldest unacknowledged message with
// exponential back-off, and failure once the retransmissions are spent.
//
// Pure: driven by (now, message) and (now) calls; datagrams come out of outbox().
#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "base/time.hpp"
#include "channel/channel_config.hpp"
#include "channel/channel_state.hpp"
#include "channel/channel_stats.hpp"
#include "wire/control_codec.hpp"

namespace hl2tp::channel {

class ControlChannel {
 public:
  explicit ControlChannel(const ChannelConfig& config);

  // The Receive Window Size the peer advertised (RFC 2661 §4.4.3: 4 when it sent none). It caps the
  // messages in flight and is the slow-start threshold (Appendix A).
  void set_peer_window(std::uint16_t window);
  // RFC 4951 §5.1: a peer that advertised a Recovery Time may be recovering when it stops
  // answering; the channel fails only once both the retransmission cycle and this hold, counted
  // from the oldest unacknowledged transmission, have run out. Zero: the plain cycle.
  void set_recovery_hold(Duration hold) { recovery_hold_ = hold; }
  // The peer's tunnel ID, for the header of the ZLBs the channel sends on its own.
  void set_peer_tunnel_id(std::uint16_t tunnel_id) { peer_tunnel_id_ = tunnel_id; }

  // Queues a message: its Ns is assigned now, its Nr when it leaves. The header's tunnel and
  // session IDs are the caller's. A message that cannot be encoded is a bug of the caller's and
  // violates an invariant (base/invariant.hpp); the result is then always true.
  bool send(Time now, wire::ControlMessage message, const wire::EncodeOptions& encode);

  // A message from the peer. Its Nr acknowledges what we sent; it returns the messages that are now
  // deliverable in order: none (a ZLB, a duplicate, one held for a gap) or several (a gap filled).
  std::vector<wire::ControlMessage> receive(Time now, wire::ControlMessage message);

  void handle_timeout(Time now);
  // The message just delivered gets no reply (SCCCN, ICCN, OCCN, HELLO): nothing will carry our
  // ack, so it goes at the next timeout handling (the end of the caller's turn, one ZLB for all
  // that turn took in) instead of after the ack delay. No-op when no ack is pending.
  void acknowledge_soon(Time now) {
    if (ack_deadline_) schedule_ack(now);
  }
  std::optional<Time> next_deadline() const;

  // Encoded datagrams to send, in order; the caller takes them (and clears the vector).
  std::vector<Bytes>& outbox() { return outbox_; }

  // A restarted endpoint's channel, from its durable state (docs/recovery-design.md): the same Ns,
  // Nr and unacked queue; the queue goes out again oldest first, with full timer periods.
  void restore(Time now, const ChannelState& state);

  // RFC 4951 §3.2: while a recovery tunnel for this tunnel is being set up the old channel neither
  // transmits nor takes anything in (§3.2.1: what arrives before the reset is discarded); its
  // timers stop, the recovery tunnel's own bound the wait. resume() carries on where it was (the
  // recovery failed: silent failover); reset() flushes both windows and restarts the numbering
  // (§3.2.2), returning what was queued or unacknowledged (durable form) for the tunnel to
  // reconcile what those messages carried.
  void pause() { paused_ = true; }
  void resume(Time now);
  std::vector<Bytes> reset(Time now, std::uint16_t ns, std::uint16_t nr);
  bool paused() const { return paused_; }
  // Messages whose Ns is not before `limit` stay queued, untransmitted, until the limit is lifted
  // (nullopt) or a reset flushes them. The non-failed end sets it while a reset it suggested to a
  // recovering peer may still come (failover/recovery_suggestion.hpp): the peer takes every Ns
  // before the suggested one as old after its reset, so nothing at or past it may leave first.
  void limit_transmission(Time now, std::optional<std::uint16_t> limit);
  const std::optional<std::uint16_t>& transmission_limit() const { return transmit_limit_; }

  // What changed since the journal was last taken (the caller clears it).
  std::vector<JournalEntry>& journal() { return journal_; }
  // The whole durable state now.
  ChannelState state() const;

  // The retransmissions of a message were spent: the tunnel must be cleared (§5.8).
  bool failed() const { return failed_; }
  // In how many back-off intervals the peer sent something while our oldest was overdue, none
  // acknowledging it. A peer that answers copy after copy without acknowledging is not lost: the
  // two ends' numbers are apart.
  std::uint32_t answers_without_ack() const { return answers_without_ack_; }
  // Nothing queued, in flight or waiting to be acked.
  bool quiet() const { return in_flight_.empty() && queued_.empty() && !ack_deadline_; }
  // When the last message from the peer arrived (for Hello, §5.5).
  std::optional<Time> last_received() const { return last_received_; }

  std::uint16_t next_ns() const { return next_ns_; }
  // Ns of the oldest message not yet acknowledged (next_ns() when there is none).
  std::uint16_t oldest_unacked() const {
    return !in_flight_.empty() ? in_flight_.front().ns
                               : (!queued_.empty() ? queued_.front().ns : next_ns_);
  }
  std::uint16_t expected_ns() const { return expected_ns_; }
  std::size_t in_flight() const { return in_flight_.size(); }
  std::size_t queued() const { return queued_.size(); }
  const ChannelStats& stats() const { return stats_; }

 private:
  friend class ChannelMechanics;  // the steps a sequencing rule composes (sequencing_rule.hpp)

  struct Outgoing {
    std::uint16_t ns;
    Bytes bytes;  // encoded; Nr (octets 10–11) is patched on every transmission
  };

  // Checked on entry to every input (the state the previous one left): base/invariant.hpp.
  void check_invariants() const;
  void acknowledge(Time now, std::uint16_t nr);
  // The message with the expected Ns, then whatever was held behind it (§5.8 in-order delivery).
  void deliver_in_order(Time now, wire::ControlMessage message,
                        std::vector<wire::ControlMessage>& delivered);
  void acknowledge_duplicate(Time now);
  // The oldest message's retransmission cycle starts over (an ack made progress, or afresh).
  void restart_cycle();
  // Slow start from one message, a fresh retransmission cycle, nothing pending (restore, reset).
  void start_afresh();
  // One past the last message we may have transmitted: an Nr beyond it acknowledges the unsent.
  std::uint16_t transmitted_end() const;
  void transmit(Time now);  // moves queued messages into the window
  void emit(Bytes& bytes);
  void schedule_ack(Time at);
  void send_zlb();
  std::uint16_t window() const;

  ChannelConfig config_;
  std::uint16_t peer_window_ = 4;
  std::uint16_t peer_tunnel_id_ = 0;

  std::uint16_t next_ns_ = 0;      // Ns of the next message we queue
  std::uint16_t expected_ns_ = 0;  // Nr: the next Ns we expect from the peer

  std::deque<Outgoing> in_flight_;                      // sent, unacknowledged, oldest first
  std::deque<Outgoing> queued_;                         // waiting for room in the window
  std::map<std::uint16_t, wire::ControlMessage> held_;  // arrived ahead of a gap, by Ns

  // Appendix A: congestion window in messages, with the fraction for congestion avoidance.
  std::uint32_t cwnd_ = 1;
  std::uint32_t cwnd_acks_ = 0;
  std::uint32_t ssthresh_ = 4;

  std::optional<Time> retransmit_deadline_;
  std::optional<Time> unacked_since_;            // first transmission of the oldest unacked message
  std::optional<std::uint16_t> transmit_limit_;  // see limit_transmission()
  std::optional<std::uint16_t> restored_end_;    // next Ns at restore: the limit of what was sent
  Duration recovery_hold_{0};
  Duration retransmit_interval_;
  std::uint8_t timeouts_ = 0;  // retransmission intervals passed without progress
  std::optional<Time> ack_deadline_;
  std::optional<Time> last_received_;
  bool failed_ = false;
  bool paused_ = false;
  bool early_resent_ = false;              // an early resend was spent in this back-off interval
  std::uint32_t answers_without_ack_ = 0;  // back-off intervals the peer spoke in, unacknowledging
  std::uint8_t revivals_ = 0;  // fresh cycles given to the oldest message since its last ack

  std::vector<Bytes> outbox_;
  std::vector<JournalEntry> journal_;
  ChannelStats stats_;
};

}  // namespace hl2tp::channel

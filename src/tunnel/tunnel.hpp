#pragma once
// One control connection (RFC 2661 §7.2.1) and its sessions: set-up as originator or recipient,
// tunnel authentication (§5.1.1), Hello (§5.5), StopCCN with the state kept long enough to re-ack
// the peer's retransmissions (§5.7), and the calls it carries (§7.4, §7.5). Pure: the engine drives
// it.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/invariant.hpp"
#include "base/peer_address.hpp"
#include "base/random_source.hpp"
#include "base/result.hpp"
#include "channel/control_channel.hpp"
#include "failover/recovery_link.hpp"
#include "failover/tunnel_recovery.hpp"
#include "session/session.hpp"
#include "tunnel/call_set.hpp"
#include "tunnel/checkpoint.hpp"
#include "tunnel/connection_table.hpp"
#include "tunnel/tunnel_output.hpp"
#include "tunnel/tunnel_settings.hpp"

namespace hl2tp::tunnel {

// What a tunnel is given for one call: the engine's random source, the output every call appends
// to, and how many sessions it may hold now (the engine's limit less the other tunnels' sessions).
struct TunnelContext {
  RandomSource& random;
  TunnelOutput& out;
  std::size_t session_cap;
};

class Tunnel {
 public:
  Tunnel(std::shared_ptr<const TunnelSettings> settings, std::uint16_t local_id, PeerAddress peer);

  // A restarted endpoint's tunnel, rebuilt from its stored record and established sessions: the
  // control channel resumes exactly as stored, timers restart with full periods (docs/failover.md
  // §3 step 5), and nothing is announced: the peer sees retransmissions, not a new tunnel. Its
  // recovery (failover/tunnel_recovery.hpp) begins in the phase its stored method gives. A reset we
  // had suggested to a recovering peer and not yet seen taken up comes back with it.
  static Tunnel restored(Time now, TunnelContext& ctx,
                         std::shared_ptr<const TunnelSettings> settings,
                         const TunnelEstablished& record, std::vector<SessionEstablished> sessions,
                         const std::optional<failover::RecoverySuggestion>& suggestion);
  // A tunnel whose StopCCN had not been acknowledged when we failed: it is sent again, and the
  // tunnel goes once the peer acknowledges it (docs/failover.md §3 step 1).
  static Tunnel restored_closing(Time now, TunnelContext& ctx,
                                 std::shared_ptr<const TunnelSettings> settings,
                                 const TunnelEstablished& record);

  // --- Recovery (docs/failover.md §3–4): the tunnel's recovery machine decides, the tunnel acts
  // --- Failed end: silent failover, or the fall-back to it
  // (failover::TunnelRecovery::begin_silent).
  void begin_silent_recovery(Time now, TunnelContext& ctx, std::string fallback_reason);
  // Failed end: the protocol recovery failed and no fall-back is allowed: cleared without a word.
  void clear_silently(Time now, TunnelContext& ctx, std::string reason);
  // Failed end: the recovery tunnel set the numbers; reset and reconcile.
  void reset_after_recovery(Time now, TunnelContext& ctx, std::uint16_t ns, std::uint16_t nr);
  // Helping end (failover/recovery_suggestion.hpp): a recovery request was answered with
  // `suggestion`; nothing of the live tunnel changes but what it may transmit.
  void await_suggested_reset(Time now, TunnelContext& ctx, failover::RecoverySuggestion suggestion);
  // Helping end: the peer reset to our suggestion (a valid SCCCN, or its use of the suggested Nr).
  // The peer's path is `from`/`to` from now on: a restarted peer may come back on another port.
  void take_up_suggested_reset(
      Time now, TunnelContext& ctx, const PeerAddress& from, const PeerAddress& to,
      std::optional<wire::SuggestedControlSequence> replaced = std::nullopt);
  const std::vector<wire::SuggestedControlSequence>& replaced_suggestions() const {
    return recovery_.replaced_suggestions();
  }
  // Helping end: the peer goes on with the old numbering.
  void withdraw_suggested_reset(Time now, TunnelContext& ctx, std::string reason);
  const std::optional<failover::RecoverySuggestion>& suggestion() const {
    return recovery_.suggestion();
  }
  // A recovery that came over another path (RFC 4951 asks no address match; we ask the same host,
  // docs/failover.md §5): the tunnel uses it from now on, durably. The failed end takes its
  // recovery tunnel's path too: it may itself have come back on another port.
  void follow_path(TunnelContext& ctx, const PeerAddress& peer, const PeerAddress& local);
  const failover::RecoveryStatus& recovery() const { return recovery_.status(); }
  // The failed end's recovery is under way (no Hello, no new call until it is done).
  bool recovering() const { return recovery_.recovering(); }
  failover::TunnelRecovery::Phase recovery_phase() const { return recovery_.phase(); }

  // --- A recovery tunnel (RFC 4951 §3.2.1): set-up only, tied to the old tunnel by its link ---
  // As originator: SCCRQ with the Tunnel Recovery AVP and a Tie Breaker, challenge with the old
  // tunnel's secret, no Failover Capability AVP. Its set-up finishing, or its end before that, is
  // a request to the engine (tunnel_output.hpp).
  void open_recovery(Time now, TunnelContext& ctx, wire::TieBreakerValue tie_breaker,
                     failover::RecoveryLink link);
  // As recipient: its SCCRP carries the Suggested Control Sequence.
  void answer_recovery(failover::RecoveryLink link) { recovery_link_ = std::move(link); }
  const std::optional<failover::RecoveryLink>& recovery_link() const { return recovery_link_; }
  void complete_recovery_link() {
    HL2TP_INVARIANT(recovery_link_);
    recovery_link_->complete();
  }
  void supersede_recovery() {
    if (recovery_link_ && recovery_link_->at_work()) recovery_link_->supersede();
  }
  void note_beaten_request(const wire::TieBreakerValue& theirs) {
    HL2TP_INVARIANT(recovery_link_ && originator_);
    recovery_link_->note_beaten(theirs);
  }
  const TunnelSettings& settings() const { return *settings_; }

  // Originator whose SCCRQ waits its turn (the engine opens tunnels to one peer one at a time,
  // engine/opening_queue.hpp): it stays idle — RFC 2661 §7.2.1's "local open request" not yet
  // acted on — and takes calls, which go once it is established, as in wait-ctl-reply.
  void await_turn() {
    HL2TP_INVARIANT(state_ == State::idle);
    originator_ = true;
  }
  // Originator: send SCCRQ (with our Tie Breaker, if given).
  void open(Time now, TunnelContext& ctx, std::optional<wire::TieBreakerValue> tie_breaker);
  // Any control message for this tunnel, the recipient's first SCCRQ included.
  void receive(Time now, TunnelContext& ctx, wire::ControlMessage message);
  void handle_timeout(Time now, TunnelContext& ctx);
  std::optional<Time> next_deadline() const;

  // A call we place: ICRQ (incoming call, we are the LAC) or OCRQ (outgoing call, we are the
  // LNS), sent once the tunnel is established. Fails with a reason when not allowed or at a limit.
  Result<std::uint16_t, std::string> open_session(Time now, TunnelContext& ctx,
                                                  session::Direction direction,
                                                  session::CallParameters parameters);
  bool close_session(Time now, TunnelContext& ctx, std::uint16_t session_id,
                     wire::ResultCode result);
  // WEN (§6.14, LAC to LNS) or SLI (§6.15, LNS to LAC) on an established session.
  bool send_call_info(Time now, TunnelContext& ctx, std::uint16_t session_id,
                      wire::ControlMessage message);
  // A local close (§7.2.1 "Admin Tunnel Close"): StopCCN (§5.7), every session going with it.
  void close(Time now, TunnelContext& ctx, wire::ResultCode result);
  // Gone without a word (a lost tie breaker, §7.2): sessions still waiting are returned to the
  // caller so that they can ride on the winning tunnel.
  std::vector<session::Session> discard(TunnelContext& ctx);
  // Adopts a session waiting for a tunnel (from a discarded one).
  void adopt_waiting_session(Time now, TunnelContext& ctx, session::Session session);

  std::uint16_t local_id() const { return local_id_; }
  std::uint16_t peer_id() const { return peer_id_; }
  const PeerAddress& peer() const { return peer_; }
  // Our address the peer sends to; unspecified until known (an originator learns it from the
  // SCCRP).
  const PeerAddress& local() const { return local_; }
  State state() const { return state_; }
  bool originator() const { return originator_; }
  const std::optional<wire::TieBreakerValue>& tie_breaker() const { return tie_breaker_; }
  const std::string& peer_host_name() const { return peer_host_name_; }
  const CallSet::Sessions& sessions() const { return calls_.sessions(); }
  const session::Session* find_session(std::uint16_t session_id) const {
    return calls_.find(session_id);
  }
  const channel::ControlChannel& channel() const { return channel_; }
  std::uint16_t peer_window() const { return peer_window_; }
  const std::optional<wire::FailoverCapability>& peer_capability() const {
    return peer_capability_;
  }
  failover::ResyncMethod resync_method() const { return resync_method_; }

  // The originator learns the port the peer answers from with its SCCRP (RFC 2661 §8.1: the
  // responder may answer from any port; from then on neither side's port changes), and the address
  // of ours it was sent to.
  void learn_path(const PeerAddress& from, const PeerAddress& to) {
    if (state_ != State::wait_ctl_reply) return;
    peer_.port = from.port;
    if (!to.unspecified()) local_ = to;
  }
  // A recipient's tunnel is made with the SCCRQ's destination as its local address.
  void set_local(const PeerAddress& to) { local_ = to; }

  // The tunnel's own consistency (base/invariant.hpp): its sessions under their own IDs, the
  // index of established ones by peer ID exact (one owner per peer session ID), nothing held by a
  // tunnel that can no longer carry calls. O(sessions): the simulator checks it after every step.
  void check_invariants() const;

  // The engine's bookkeeping: the deadline under which this tunnel is filed, and how many of its
  // sessions the engine's total counts.
  std::optional<Time> filed_deadline;
  std::size_t filed_sessions = 0;

 private:
  // A tunnel of a previous incarnation, as its record describes it, in `state`.
  static Tunnel from_record(std::shared_ptr<const TunnelSettings> settings,
                            const TunnelEstablished& record, State state);
  // A message the channel delivered: the checks of §4.1 and §4.4.1, then its row of §7.2.1.
  void process(Time now, TunnelContext& ctx, const wire::ControlMessage& m);
  // The §7.2.1 event a message is, and why it is not acceptable, if it is not.
  std::pair<ConnectionEvent, std::optional<wire::ResultCode>> classify(
      const wire::ControlMessage& m, wire::MessageType type) const;
  std::optional<wire::ResultCode> refusal_of(const wire::ControlMessage& m,
                                             wire::MessageType type) const;
  struct ConnectionInput {
    const wire::ControlMessage* message = nullptr;  // for the receive events
    std::optional<wire::ResultCode> result;         // a refusal's, or a local close's
  };
  // Looks up the row for the state and the event (connection_table.hpp) and carries it out.
  void perform(Time now, TunnelContext& ctx, ConnectionEvent event, ConnectionInput in);
  wire::ControlMessage start_control_message(wire::MessageType type) const;  // SCCRQ or SCCRP
  // Takes the peer's tunnel ID, window and host name from its SCCRQ/SCCRP.
  void learn_peer(const wire::ControlMessage& m);
  // Adds the Challenge Response the peer's Challenge asks for, if it sent one.
  void answer_challenge(const wire::ControlMessage& m, wire::MessageType carried_in,
                        wire::ControlMessage& reply) const;
  void send_sccrq(Time now, TunnelContext& ctx);
  void send_sccrp(Time now, TunnelContext& ctx, const wire::ControlMessage& sccrq);
  void send_scccn(Time now, TunnelContext& ctx, const wire::ControlMessage& sccrp);
  // "Send StopCCN, Clean up" (§5.7): every session goes with the tunnel.
  void stop(Time now, TunnelContext& ctx, wire::ResultCode result);
  void on_stopccn(Time now, TunnelContext& ctx, const wire::ControlMessage& m);
  void on_session_message(Time now, TunnelContext& ctx, const wire::ControlMessage& m);
  void on_call_request(Time now, TunnelContext& ctx, const wire::ControlMessage& m);
  // FSQ/FSR (RFC 4951 §3.3), for the recovery machine to answer.
  void on_session_query(Time now, TunnelContext& ctx, const wire::ControlMessage& m);
  // Carries out what the recovery machine asked, in order.
  void act(Time now, TunnelContext& ctx, failover::RecoveryActions actions);
  // A session cleared by reconciliation: no CDN (the peer does not hold it).
  void drop_session(TunnelContext& ctx, std::uint16_t session_id, const std::string& reason);
  // Every state change: a recovery tunnel that ends before its work is done tells the engine.
  void enter(TunnelContext& ctx, State next);
  // The channel's journal as records (once the tunnel is in the store) and its datagrams.
  void flush(TunnelContext& ctx);
  // A record of the tunnel's own, after whatever the channel recorded before it.
  void record(TunnelContext& ctx, Checkpoint r);
  void announce(TunnelContext& ctx, Event e);  // no tunnel events for recovery tunnels
  Event session_event(EventKind kind, const session::Session& s,
                      std::optional<wire::ResultCode> result, std::string reason) const;
  void established(Time now, TunnelContext& ctx);
  void start_waiting_calls(Time now, TunnelContext& ctx);
  void apply(Time now, TunnelContext& ctx, session::Session& s, session::Step step);
  void disown_call(Time now, TunnelContext& ctx, const wire::ControlMessage& m);
  void refuse_call(Time now, TunnelContext& ctx, const wire::ControlMessage& request,
                   wire::ResultCode result);
  void send(Time now, TunnelContext& ctx, wire::ControlMessage m);
  // Every session ends with the tunnel; the store drops the tunnel, or with `stopccn_pending`
  // keeps it (without sessions) until our StopCCN is acknowledged.
  void end_sessions(TunnelContext& ctx, const std::string& reason, bool stopccn_pending = false);
  void finish(TunnelContext& ctx, std::string reason);  // dead, with the event
  std::optional<Bytes> take_challenge(TunnelContext& ctx);
  bool response_is_valid(const wire::ControlMessage& m, wire::MessageType carried_in) const;
  // A free session ID; a new block of them is recorded before any can reach the peer.
  std::uint16_t allocate_session_id(TunnelContext& ctx);
  // A call we placed or adopted: started now, or queued until the tunnel can carry it.
  void start_or_wait(Time now, TunnelContext& ctx, session::Session& s);
  void expire_setups(Time now, TunnelContext& ctx);
  Duration stop_hold() const;
  Duration setup_timeout() const;

  std::shared_ptr<const TunnelSettings> settings_;
  std::uint16_t local_id_;
  std::uint16_t peer_id_ = 0;
  PeerAddress peer_;
  PeerAddress local_{};
  State state_ = State::idle;
  bool originator_ = false;
  channel::ControlChannel channel_;
  std::uint16_t peer_window_ = 4;
  std::string peer_host_name_;
  std::optional<wire::FailoverCapability> peer_capability_;
  failover::ResyncMethod resync_method_ = failover::ResyncMethod::none;
  std::optional<wire::TieBreakerValue> tie_breaker_;
  std::optional<Bytes> challenge_sent_;
  std::optional<Time> hello_due_;
  // Set-up must finish by then: once our SCCRQ/SCCRP is acknowledged nothing else would ever wake
  // a tunnel whose peer's reply is lost for good (found by the randomized simulation, seed 615).
  std::optional<Time> setup_deadline_;
  std::optional<Time> hold_until_;
  std::optional<wire::ResultCode> close_result_;
  bool checkpointed_ = false;  // a TunnelEstablished record was emitted
  CallSet calls_;  // the calls it carries, their IDs, set-up deadlines and the waiting list
  std::optional<failover::RecoveryLink> recovery_link_;  // set on recovery tunnels only
  failover::TunnelRecovery recovery_;
};

}  // namespace hl2tp::tunnel

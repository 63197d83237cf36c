#pragma once
// One tunnel's recovery (RFC 4951 §3, docs/failover.md §3–4), as an explicit machine for both ends.
//
// The failed end (our restart) goes through these phases:
//
//   restored ──(protocol)──────────────▶ awaiting_recovery_tunnel   channel paused (§3.2.1)
//   restored ──(silent)────────────────▶ probing                    channel resumed, HELLO probe
//   awaiting_recovery_tunnel ─(reset)──▶ reconciling                §3.2.2 reset, §3.3 Step I, FSQ
//   awaiting_recovery_tunnel ─(tunnel failed, fall-back allowed)──▶ probing
//   awaiting_recovery_tunnel ─(tunnel failed, protocol only)──────▶ failed     cleared silently
//   reconciling ─(every query answered)─▶ recovered
//   probing ─(the peer acknowledged what we resent)─▶ recovered
//
// The helping end (the peer restarted) holds a suggested reset (recovery_suggestion.hpp) from the
// answer to a recovery request until the peer takes it up (the channel resets to it, then the
// same reconciliation) or is seen not to (withdrawn). Both can happen on one tunnel: an end that
// failed after suggesting a reset still honours it.
//
// The machine decides and drives the channel's mechanics (pause, resume, reset, a transmission
// limit); what the tunnel must do about sessions, the wire and the store comes back as actions.
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/time.hpp"
#include "channel/control_channel.hpp"
#include "failover/recovery_action.hpp"
#include "failover/recovery_status.hpp"
#include "failover/recovery_suggestion.hpp"
#include "session/session.hpp"

namespace hl2tp::failover {

using Sessions = std::unordered_map<std::uint16_t, session::Session>;

class TunnelRecovery {
 public:
  enum class Phase : std::uint8_t {
    none,                      // not recovering (never failed, or done)
    restored,                  // rebuilt from the store; its method not started yet
    awaiting_recovery_tunnel,  // RFC 4951: the channel waits, paused, for the reset
    reconciling,               // reset; FSQs (§3.3) not all answered yet
    probing,                   // silent failover: what we resend not yet acknowledged
    recovered,
    failed,
  };

  // --- The failed end ---
  // Rebuilt after our restart with `sessions_kept` established sessions. With the RFC 4951
  // method the channel is paused before it is restored: nothing goes out on it, and what arrives
  // is discarded, until the reset (§3.2.1).
  void restore(Time now, channel::ControlChannel& channel, ResyncMethod method,
               std::uint32_t sessions_kept);
  // The restored channel resumes as the store left it; the first message the peer acknowledges
  // past what it had proves both ends agree on Ns/Nr. With nothing to resend, a HELLO at the next
  // Ns is the probe (docs/peer-behaviour.md §4 point 4). `fallback_reason` when the protocol
  // failed first.
  RecoveryActions begin_silent(Time now, channel::ControlChannel& channel,
                               std::string fallback_reason);
  // The recovery tunnel did not come up and no fall-back is allowed (§3.2.1).
  RecoveryActions fail(Time now, std::string reason);
  // The recovery tunnel set the numbers (§3.2.2): reset, then reconcile. A reset we had suggested
  // before (both ends failed) is void now.
  RecoveryActions reset(Time now, channel::ControlChannel& channel, std::uint16_t ns,
                        std::uint16_t nr, const Sessions& sessions, const Bytes& secret,
                        bool peer_capable);

  // --- The helping end ---
  // A stored suggestion of a previous incarnation's, before the channel is restored: nothing at
  // or past its limit may leave, now either.
  void restore_suggestion(Time now, channel::ControlChannel& channel, RecoverySuggestion s);
  // A recovery request was answered with `s`: the live tunnel transmits no Ns from its limit on.
  RecoveryActions suggest(Time now, channel::ControlChannel& channel, RecoverySuggestion s);
  // The peer reset to our suggestion, or to `earlier`, one the suggestion replaced: so do we,
  // then reconcile.
  RecoveryActions take_up(Time now, channel::ControlChannel& channel, const Sessions& sessions,
                          const Bytes& secret, bool peer_capable,
                          std::optional<wire::SuggestedControlSequence> earlier = std::nullopt);
  // The peer goes on with the old numbering.
  RecoveryActions withdraw(Time now, channel::ControlChannel& channel, std::string reason);
  const std::optional<RecoverySuggestion>& suggestion() const { return suggestion_; }
  // The suggestions a newer request of the peer's replaced, oldest first. An incarnation of the
  // peer that reset to one of them durably, then failed again, comes back on that numbering if
  // its next recovery falls back to silent failover (campaign, seed 5459821). Kept in memory
  // only, and bounded: a restart of ours forgets them (the store keeps the latest suggestion).
  const std::vector<wire::SuggestedControlSequence>& replaced_suggestions() const {
    return replaced_;
  }

  // --- Both ends: session reconciliation (§3.3) ---
  RecoveryActions on_fsq(const wire::ControlMessage& fsq, const Sessions& sessions);
  RecoveryActions on_fsr(const wire::ControlMessage& fsr, const Sessions& sessions);
  // A call request naming, as its Assigned Session ID, the peer ID of our established session
  // `ours`: the peer no longer holds that session. Refused with a CDN carrying our ID, and the old
  // session cleared.
  RecoveryActions on_colliding_call(std::uint16_t ours, std::uint16_t requested);
  // The session ended by ordinary means: nothing left to reconcile about it.
  void forget_session(std::uint16_t session_id) { queried_.erase(session_id); }

  // After each input the tunnel took: whether the recovery is now done.
  RecoveryActions check(Time now, const channel::ControlChannel& channel);
  // While recovering we originate no Hello (docs/failover.md §3 step 2, as Junos does) for one
  // Hello interval: a recovery still open by then waits on a peer that may be gone, and only a
  // Hello finds out.
  bool allows_hello(Time now, Duration hello_interval) const;
  // The Hello timer fired: queries still unanswered go again, in case the answer was lost to a
  // second reset (campaign, seed 167207).
  RecoveryActions on_hello_due(Time now, Duration hello_interval, const Sessions& sessions,
                               bool peer_capable);

  Phase phase() const { return phase_; }
  // The failed end's recovery is under way: no Hello, no new call until it is done. Helping a
  // peer holds nothing back (issue 13, point 2).
  bool recovering() const {
    return phase_ == Phase::restored || phase_ == Phase::awaiting_recovery_tunnel ||
           phase_ == Phase::reconciling || phase_ == Phase::probing;
  }
  const RecoveryStatus& status() const { return status_; }

 private:
  void enter(Phase next);
  RecoveryActions reconcile(Time now, const std::vector<Bytes>& flushed, const Sessions& sessions,
                            const Bytes& secret, bool peer_capable);
  void query(const std::vector<std::uint16_t>& ids, const Sessions& sessions, bool peer_capable,
             RecoveryActions& out);
  void clear(std::uint16_t session_id, std::string reason, RecoveryActions& out);

  Phase phase_ = Phase::none;
  RecoveryStatus status_;
  std::set<std::uint16_t> queried_;               // sessions asked about with FSQ, not yet answered
  std::uint16_t silent_target_ns_ = 0;            // probing: everything before it must be acked
  std::optional<RecoverySuggestion> suggestion_;  // helping end: a reset we suggested
  RecoveryStatus before_helping_;  // what status() said before the suggestion, for a withdrawal
  std::vector<wire::SuggestedControlSequence> replaced_;
  static constexpr std::size_t kReplacedKept = 4;
};

}  // namespace hl2tp::failover

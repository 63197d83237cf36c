#include "failover/tunnel_recovery.hpp"

#include <algorithm>
#include <array>
#include <span>
#include <utility>

#include "base/invariant.hpp"
#include "channel/sequence_number.hpp"
#include "wire/control_codec.hpp"
#include "wire/message_builders.hpp"

namespace hl2tp::failover {
namespace {

using wire::AvpType;
using wire::MessageType;
using Phase = TunnelRecovery::Phase;

// The failed end's transitions (the diagram in tunnel_recovery.hpp); anything else is a bug.
constexpr std::array<std::pair<Phase, Phase>, 10> kTransitions{{
    {Phase::none, Phase::restored},
    {Phase::restored, Phase::awaiting_recovery_tunnel},
    {Phase::restored, Phase::probing},
    {Phase::awaiting_recovery_tunnel, Phase::probing},
    {Phase::awaiting_recovery_tunnel, Phase::reconciling},
    {Phase::awaiting_recovery_tunnel, Phase::failed},
    // A reset we had suggested, taken up while we probe (both ends failed, Appendix B).
    {Phase::probing, Phase::reconciling},
    {Phase::probing, Phase::recovered},
    // A second reset (the peer failed again meanwhile) starts the reconciliation over.
    {Phase::reconciling, Phase::reconciling},
    {Phase::reconciling, Phase::recovered},
}};

constexpr std::size_t kPairsPerMessage = 64;  // 64 × 16 octets: well inside any MTU's worth

}  // namespace

void TunnelRecovery::enter(Phase next) {
  HL2TP_INVARIANT(std::find(kTransitions.begin(), kTransitions.end(), std::pair{phase_, next}) !=
                  kTransitions.end());
  phase_ = next;
  // The operator's view follows the failed end's phase; helping shows only when not recovering.
  if (recovering()) status_.state = RecoveryState::recovering;
  if (phase_ == Phase::recovered) status_.state = RecoveryState::recovered;
  if (phase_ == Phase::failed) status_.state = RecoveryState::failed;
}

void TunnelRecovery::restore(Time now, channel::ControlChannel& channel, ResyncMethod method,
                             std::uint32_t sessions_kept) {
  HL2TP_INVARIANT(method != ResyncMethod::none);
  enter(Phase::restored);
  status_.method = method;
  status_.started = now;
  status_.sessions_kept = sessions_kept;
  if (method == ResyncMethod::failover_protocol) {
    channel.pause();
    enter(Phase::awaiting_recovery_tunnel);
  }
}

RecoveryActions TunnelRecovery::begin_silent(Time now, channel::ControlChannel& channel,
                                             std::string fallback_reason) {
  enter(Phase::probing);
  status_.method = ResyncMethod::silent;
  status_.failure = std::move(fallback_reason);
  channel.resume(now);
  RecoveryActions out;
  if (channel.in_flight() == 0 && channel.queued() == 0) {
    out.push_back(SendMessage{wire::make_hello()});  // it takes the next Ns
    ++status_.probes_sent;
  }
  // Resynchronized once the peer acknowledged the oldest of those: both ends then agree on Ns and
  // Nr again; draining the rest is ordinary delivery (slow against a peer that drops what arrives
  // ahead of a gap, as xl2tpd does).
  silent_target_ns_ = static_cast<std::uint16_t>(channel.oldest_unacked() + 1);
  return out;
}

RecoveryActions TunnelRecovery::fail(Time now, std::string reason) {
  enter(Phase::failed);
  status_.finished = now;
  status_.failure = reason;
  RecoveryActions out;
  out.push_back(Announce{Notice::recovery_failed, reason});
  out.push_back(ClearTunnel{"recovery failed: " + reason});
  return out;
}

RecoveryActions TunnelRecovery::reset(Time now, channel::ControlChannel& channel, std::uint16_t ns,
                                      std::uint16_t nr, const Sessions& sessions,
                                      const Bytes& secret, bool peer_capable) {
  // A reset we had suggested to the peer before (a previous incarnation's, both ends having
  // failed) is void now: the numbering is the peer's suggestion, and an Nr that happens to equal
  // ours must not reset the channel a second time (campaign, seed 65222). The reset's record
  // clears it in the store likewise.
  suggestion_.reset();
  replaced_.clear();
  const std::vector<Bytes> flushed = channel.reset(now, ns, nr);
  RecoveryActions out = reconcile(now, flushed, sessions, secret, peer_capable);
  std::ranges::move(check(now, channel), std::back_inserter(out));
  return out;
}

void TunnelRecovery::restore_suggestion(Time now, channel::ControlChannel& channel,
                                        RecoverySuggestion s) {
  HL2TP_INVARIANT(phase_ == Phase::none && !suggestion_);
  suggestion_ = s;
  channel.limit_transmission(now, s.transmit_limit);
}

RecoveryActions TunnelRecovery::suggest(Time now, channel::ControlChannel& channel,
                                        RecoverySuggestion s) {
  if (!suggestion_) before_helping_ = status_;
  if (suggestion_) {
    if (replaced_.size() == kReplacedKept) replaced_.erase(replaced_.begin());
    replaced_.push_back(suggestion_->scs);
  }
  suggestion_ = s;
  channel.limit_transmission(now, s.transmit_limit);
  if (!recovering()) {
    status_.state = RecoveryState::helping;
    status_.started = now;
    status_.finished.reset();
  }
  // Write-ahead: the SCCRP carrying the suggestion leaves only after this record is durable.
  return {RecordSuggestion{s}};
}

RecoveryActions TunnelRecovery::take_up(Time now, channel::ControlChannel& channel,
                                        const Sessions& sessions, const Bytes& secret,
                                        bool peer_capable,
                                        std::optional<wire::SuggestedControlSequence> earlier) {
  HL2TP_INVARIANT(suggestion_);
  HL2TP_INVARIANT(!earlier || std::ranges::find(replaced_, *earlier) != replaced_.end());
  const wire::SuggestedControlSequence scs = earlier.value_or(suggestion_->scs);
  suggestion_.reset();
  replaced_.clear();
  const bool helped = status_.state == RecoveryState::helping;
  // §3.2.2: our next Ns is the failed end's Nr, our Nr its next Ns. The reset's record also
  // clears the suggestion in the store.
  const std::vector<Bytes> flushed = channel.reset(now, scs.nr, scs.ns);
  RecoveryActions out = reconcile(now, flushed, sessions, secret, peer_capable);
  std::ranges::move(check(now, channel), std::back_inserter(out));
  if (helped && status_.duration()) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*status_.duration());
    out.push_back(Announce{Notice::peer_recovered,
                           "failover-protocol in " + std::to_string(ms.count()) + " ms"});
  }
  return out;
}

RecoveryActions TunnelRecovery::withdraw(Time now, channel::ControlChannel& channel,
                                         std::string reason) {
  HL2TP_INVARIANT(suggestion_);
  suggestion_.reset();
  replaced_.clear();
  channel.limit_transmission(now, std::nullopt);
  if (status_.state == RecoveryState::helping) status_ = before_helping_;
  RecoveryActions out;
  out.push_back(RecordWithdrawal{});
  out.push_back(Announce{Notice::suggestion_withdrawn, std::move(reason)});
  return out;
}

RecoveryActions TunnelRecovery::reconcile(Time now, const std::vector<Bytes>& flushed,
                                          const Sessions& sessions, const Bytes& secret,
                                          bool peer_capable) {
  RecoveryActions out;
  // §3.2.2 flushes what was in flight. What the peer may not have received and must still learn
  // goes again as a new message: a disconnect (CDN, StopCCN; docs/failover.md §3 step 3) or an FSQ
  // or FSR. A connect (ICCN/OCCN) the peer may have missed leaves the session in doubt: it is
  // queried (§3.3 Step III). Set-up messages are settled by Step I; the rest needs nothing.
  std::vector<std::uint16_t> to_query;
  for (const Bytes& bytes : flushed) {
    auto m = wire::decode_control(bytes, {.secret = secret});
    if (!m || !m->type()) continue;
    switch (*m->type()) {
      case MessageType::CDN:
      case MessageType::StopCCN:
      case MessageType::FSQ:
      case MessageType::FSR: {
        std::erase_if(m->avps, [](const wire::Avp& a) { return a.is<AvpType::RandomVector>(); });
        for (wire::Avp& a : m->avps)
          a.hidden = false;  // the tunnel hides again, under a fresh Random Vector
        out.push_back(SendMessage{std::move(*m)});
        break;
      }
      case MessageType::ICCN:
      case MessageType::OCCN:
        for (const auto& [id, s] : sessions) {
          if (s.peer_id() == m->header.session_id && s.state() == session::State::established) {
            to_query.push_back(id);
          }
        }
        break;
      default:
        break;
    }
  }
  // §3.3 Step I: sessions that were not established are cleared silently, on both ends. Calls
  // waiting for the recovery never reached the wire: they go out once it is done.
  std::vector<std::uint16_t> unestablished;
  for (const auto& [id, s] : sessions) {
    if (s.state() != session::State::established && s.state() != session::State::wait_tunnel) {
      unestablished.push_back(id);
    }
  }
  for (std::uint16_t id : unestablished)
    clear(id, "not established at failover (RFC 4951 Step I)", out);
  query(to_query, sessions, peer_capable, out);
  status_.method = ResyncMethod::failover_protocol;
  if (recovering()) {
    enter(Phase::reconciling);
  } else if (status_.state == RecoveryState::helping) {
    status_.state = RecoveryState::recovered;
    status_.finished = now;
  }
  return out;
}

void TunnelRecovery::query(const std::vector<std::uint16_t>& ids, const Sessions& sessions,
                           bool peer_capable, RecoveryActions& out) {
  // Never to a peer that did not advertise capability: xl2tpd clears the tunnel on message types
  // it does not know, M=0 or not (docs/peer-behaviour.md §1.4).
  if (!peer_capable) return;
  std::vector<wire::FailoverSessionState> batch;
  auto send_batch = [&] {
    if (batch.empty()) return;
    out.push_back(SendMessage{wire::make_fsq(batch)});
    batch.clear();
  };
  for (std::uint16_t id : ids) {
    auto it = sessions.find(id);
    if (it == sessions.end() || !queried_.insert(id).second) continue;
    ++status_.sessions_queried;
    batch.push_back({id, it->second.peer_id()});
    if (batch.size() == kPairsPerMessage) send_batch();
  }
  send_batch();
}

void TunnelRecovery::clear(std::uint16_t session_id, std::string reason, RecoveryActions& out) {
  queried_.erase(session_id);
  ++status_.sessions_cleared;
  out.push_back(ClearSession{session_id, std::move(reason)});
}

RecoveryActions TunnelRecovery::on_fsq(const wire::ControlMessage& fsq, const Sessions& sessions) {
  // §3.3: one answer per query. A pair we hold established is confirmed; anything else is answered
  // with Session ID 0, and a session of ours paired with another peer ID is marked stale and
  // queried in turn, never cleared on the peer's word alone.
  std::vector<wire::FailoverSessionState> answers;
  std::vector<std::uint16_t> stale;
  for (const wire::FailoverSessionState& q : fsq.get_all<AvpType::FailoverSessionState>()) {
    auto it = sessions.find(q.remote_session_id);
    const bool ours = it != sessions.end() && it->second.state() == session::State::established;
    if (ours && it->second.peer_id() == q.session_id) {
      answers.push_back({it->first, q.session_id});
    } else {
      answers.push_back({0, q.session_id});
      if (ours) stale.push_back(it->first);
    }
  }
  RecoveryActions out;
  for (std::size_t i = 0; i < answers.size(); i += kPairsPerMessage) {
    const std::size_t n = std::min(kPairsPerMessage, answers.size() - i);
    out.push_back(SendMessage{wire::make_fsr(std::span(answers).subspan(i, n))});
  }
  // FSQ/FSR pass only between ends that both advertised capability.
  query(stale, sessions, /*peer_capable=*/true, out);
  return out;
}

RecoveryActions TunnelRecovery::on_fsr(const wire::ControlMessage& fsr, const Sessions& sessions) {
  // §3.3: Session ID 0 means the peer does not hold the session: cleared silently. A resent answer
  // (after a second reset) is applied like the first: it is still true.
  RecoveryActions out;
  std::set<std::uint16_t> cleared;  // an answer may come twice in one FSR
  for (const wire::FailoverSessionState& a : fsr.get_all<AvpType::FailoverSessionState>()) {
    queried_.erase(a.remote_session_id);
    if (a.session_id == 0 && sessions.contains(a.remote_session_id) &&
        cleared.insert(a.remote_session_id).second) {
      clear(a.remote_session_id, "peer does not hold it (FSR)", out);
    }
  }
  return out;
}

RecoveryActions TunnelRecovery::on_colliding_call(std::uint16_t ours, std::uint16_t requested) {
  // RFC 4951 §3.3: the peer reuses only free IDs, so it no longer holds our session `ours`.
  wire::ControlMessage cdn =
      wire::make_cdn(ours, {static_cast<std::uint16_t>(wire::CdnResult::general_error),
                            static_cast<std::uint16_t>(wire::GeneralError::invalid_session_id),
                            "session ID collision"});
  cdn.header.session_id = requested;
  RecoveryActions out;
  out.push_back(SendMessage{std::move(cdn)});
  clear(ours, "session ID collision (RFC 4951 §3.3)", out);
  return out;
}

RecoveryActions TunnelRecovery::check(Time now, const channel::ControlChannel& channel) {
  bool done = false;
  if (phase_ == Phase::reconciling) {
    HL2TP_INVARIANT(!channel.paused());  // only a reset ends the pause of the RFC 4951 method
    done = queried_.empty();
  } else if (phase_ == Phase::probing) {
    done = !channel::sequence_before(channel.oldest_unacked(), silent_target_ns_);
  }
  if (!done) return {};
  enter(Phase::recovered);
  status_.finished = now;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - *status_.started);
  RecoveryActions out;
  out.push_back(StartWaitingCalls{});
  out.push_back(Announce{Notice::recovery_completed, std::string(name(status_.method)) + " in " +
                                                         std::to_string(ms.count()) + " ms"});
  return out;
}

bool TunnelRecovery::allows_hello(Time now, Duration hello_interval) const {
  return !recovering() || now - *status_.started >= hello_interval;
}

RecoveryActions TunnelRecovery::on_hello_due(Time now, Duration hello_interval,
                                             const Sessions& sessions, bool peer_capable) {
  RecoveryActions out;
  const bool overdue = recovering() && now - *status_.started >= hello_interval;
  if (overdue && !queried_.empty()) {
    const std::vector<std::uint16_t> again(queried_.begin(), queried_.end());
    queried_.clear();
    query(again, sessions, peer_capable, out);
  }
  return out;
}

}  // namespace hl2tp::failover

// The tunnel's side of its recovery (failover/tunnel_recovery.hpp): it hands the machine its
// channel and sessions, and carries out what the machine asks, in order. What RFC 4951 and silent
// failover decide is decided there; nothing here chooses.
#include <chrono>
#include <variant>

#include "base/invariant.hpp"
#include "tunnel/tunnel.hpp"

namespace hl2tp::tunnel {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;  // clang 14 deduces no aggregate's arguments without it

EventKind event_kind(failover::Notice notice) {
  switch (notice) {
    case failover::Notice::recovery_completed:
      return EventKind::recovery_completed;
    case failover::Notice::recovery_failed:
      return EventKind::recovery_failed;
    case failover::Notice::peer_recovered:
      return EventKind::peer_recovered;
    case failover::Notice::suggestion_withdrawn:
      return EventKind::recovery_suggestion_withdrawn;
  }
  HL2TP_INVARIANT(false);
  return EventKind::recovery_failed;
}

}  // namespace

Tunnel Tunnel::restored(Time now, TunnelContext& ctx,
                        std::shared_ptr<const TunnelSettings> settings,
                        const TunnelEstablished& record, std::vector<SessionEstablished> sessions,
                        const std::optional<failover::RecoverySuggestion>& suggestion) {
  Tunnel t = from_record(std::move(settings), record, State::established);
  // Before the channel is restored: nothing at or past the suggestion's limit may leave.
  if (suggestion) t.recovery_.restore_suggestion(now, t.channel_, *suggestion);
  t.channel_.set_recovery_hold(std::chrono::milliseconds(
      failover::recovery_hold_ms(t.settings_->failover, t.peer_capability_)));
  t.calls_.reserve(sessions.size());
  for (SessionEstablished& s : sessions) {
    t.calls_.add(session::Session::restored(s.session_id, s.peer_session_id, s.role, s.direction,
                                            std::move(s.parameters), s.established_at));
  }
  t.calls_.resume_ids_at(record.session_id_limit);
  t.recovery_.restore(now, t.channel_, record.resync_method,
                      static_cast<std::uint32_t>(t.calls_.size()));
  t.channel_.restore(now, record.channel);
  t.hello_due_ = now + t.settings_->hello_interval;
  t.channel_.journal().clear();  // restoring changes nothing durable
  t.flush(ctx);
  return t;
}

void Tunnel::begin_silent_recovery(Time now, TunnelContext& ctx, std::string fallback_reason) {
  act(now, ctx, recovery_.begin_silent(now, channel_, std::move(fallback_reason)));
  flush(ctx);
}

void Tunnel::clear_silently(Time now, TunnelContext& ctx, std::string reason) {
  act(now, ctx, recovery_.fail(now, std::move(reason)));
  flush(ctx);
}

void Tunnel::reset_after_recovery(Time now, TunnelContext& ctx, std::uint16_t ns,
                                  std::uint16_t nr) {
  act(now, ctx,
      recovery_.reset(now, channel_, ns, nr, calls_.sessions(), settings_->secret,
                      peer_capability_.has_value()));
  hello_due_ = now + settings_->hello_interval;
  flush(ctx);
}

void Tunnel::await_suggested_reset(Time now, TunnelContext& ctx,
                                   failover::RecoverySuggestion suggestion) {
  HL2TP_INVARIANT(state_ == State::established && !recovery_link_);
  act(now, ctx, recovery_.suggest(now, channel_, suggestion));
  flush(ctx);
}

void Tunnel::take_up_suggested_reset(Time now, TunnelContext& ctx, const PeerAddress& from,
                                     const PeerAddress& to,
                                     std::optional<wire::SuggestedControlSequence> replaced) {
  follow_path(ctx, from, to);
  act(now, ctx,
      recovery_.take_up(now, channel_, calls_.sessions(), settings_->secret,
                        peer_capability_.has_value(), replaced));
  hello_due_ = now + settings_->hello_interval;
  flush(ctx);
}

void Tunnel::withdraw_suggested_reset(Time now, TunnelContext& ctx, std::string reason) {
  act(now, ctx, recovery_.withdraw(now, channel_, std::move(reason)));
  flush(ctx);
}

void Tunnel::follow_path(TunnelContext& ctx, const PeerAddress& peer, const PeerAddress& local) {
  if (peer == peer_ && (local.unspecified() || local == local_)) return;
  const std::string what = peer_.to_string() + " -> " + peer.to_string() +
                           (local.unspecified() || local == local_
                                ? std::string()
                                : ", ours " + local_.to_string() + " -> " + local.to_string());
  peer_ = peer;
  if (!local.unspecified()) local_ = local;
  if (checkpointed_) record(ctx, TunnelMoved{local_id_, peer_, local_});
  announce(ctx, {EventKind::tunnel_moved, local_id_, 0, std::nullopt, what});
}

void Tunnel::open_recovery(Time now, TunnelContext& ctx, wire::TieBreakerValue tie_breaker,
                           failover::RecoveryLink link) {
  recovery_link_ = std::move(link);
  open(now, ctx, tie_breaker);
  // Falling back (or giving up) must leave the peer time within its hold of our Recovery Time.
  setup_deadline_ = now + std::chrono::milliseconds(settings_->failover.recovery_tunnel_timeout_ms);
}

void Tunnel::on_session_query(Time now, TunnelContext& ctx, const wire::ControlMessage& m) {
  // RFC 4951 §3.3 between ends that advertised failover capability only: a peer that did not
  // cannot expect an answer, and one that is xl2tpd-like would clear the tunnel on an FSR
  // (docs/peer-behaviour.md §1.4). Acknowledged by the channel, not answered.
  if (!peer_capability_) {
    ++ctx.out.counts.failover_messages_ignored;
    return;
  }
  if (m.type() == wire::MessageType::FSQ)
    return act(now, ctx, recovery_.on_fsq(m, calls_.sessions()));
  act(now, ctx, recovery_.on_fsr(m, calls_.sessions()));
  act(now, ctx, recovery_.check(now, channel_));
}

void Tunnel::act(Time now, TunnelContext& ctx, failover::RecoveryActions actions) {
  for (failover::RecoveryAction& action : actions) {
    std::visit(Overloaded{
                   [&](failover::SendMessage& a) { send(now, ctx, std::move(a.message)); },
                   [&](failover::ClearSession& a) { drop_session(ctx, a.session_id, a.reason); },
                   [&](failover::Announce& a) {
                     announce(ctx, {event_kind(a.notice), local_id_, 0, std::nullopt, a.reason});
                   },
                   [&](failover::RecordSuggestion& a) {
                     record(ctx, RecoverySuggested{local_id_, a.suggestion});
                   },
                   [&](failover::RecordWithdrawal&) {
                     record(ctx, RecoverySuggestionWithdrawn{local_id_});
                   },
                   [&](failover::StartWaitingCalls&) { start_waiting_calls(now, ctx); },
                   [&](failover::ClearTunnel& a) { finish(ctx, a.reason); },
               },
               action);
  }
}

void Tunnel::drop_session(TunnelContext& ctx, std::uint16_t session_id, const std::string& reason) {
  const session::Session* s = calls_.find(session_id);
  HL2TP_INVARIANT(s != nullptr);  // the recovery clears only sessions the tunnel holds
  if (s->was_established()) record(ctx, SessionRemoved{local_id_, session_id});
  ctx.out.event(session_event(EventKind::session_closed, *s, std::nullopt, reason));
  calls_.forget(session_id);
}

}  // namespace hl2tp::tunnel

// The engine's part in recovery (docs/failover.md §3–5): rebuilding from the store after our
// restart, and the RFC 4951 recovery tunnels, which tie two tunnels together and so are the
// engine's to wire: it opens them for the failed end, answers them for the helping end, and acts
// on their requests (tunnel_output.hpp). What is decided about a tunnel is decided by its recovery
// machine (failover/tunnel_recovery.hpp); whether a request may be answered, and with what reset,
// by failover/recovery_request.hpp and failover/suggested_reset.hpp.
#include <algorithm>

#include "base/invariant.hpp"
#include "engine/endpoint.hpp"
#include "engine/unsent_calls.hpp"
#include "failover/recovery_race.hpp"
#include "failover/recovery_request.hpp"
#include "failover/suggested_reset.hpp"

namespace hl2tp::engine {
namespace {

using wire::AvpType;

}  // namespace

Endpoint::RecoveryReport Endpoint::recover(Time now, store::Snapshot snapshot) {
  store::SnapshotInMemory reader(std::move(snapshot));
  return recover(now, reader);
}

Endpoint::RecoveryReport Endpoint::recover(Time now, store::SnapshotReader& reader,
                                           const std::function<void()>& after_each_tunnel) {
  RecoveryReport report;
  // Serials resume past every one the previous incarnation may have used.
  next_call_serial_ = call_serial_limit_ = reader.call_serial_limit();
  // RFC 4951 §3.2.1: a recovery tunnel's ID is one no old tunnel has, including those not read yet.
  HL2TP_INVARIANT(std::is_sorted(reader.tunnel_ids().begin(), reader.tunnel_ids().end()));
  stored_ids_ = &reader.tunnel_ids();
  // A tunnel at a time: its stored sessions are gone before the next tunnel's are read, and its
  // recovery has begun.
  auto rebuilt = [&] {
    if (after_each_tunnel) after_each_tunnel();
  };
  while (auto entry = reader.next()) {
    // Not a structured binding: clang 14 cannot capture one in the lambda below.
    const std::uint16_t id = entry->first;
    store::StoredTunnel& stored = entry->second;
    auto settings = settings_for(stored.tunnel.peer);
    // The events of a restart name the peer, as every tunnel event does.
    auto restart_event = [&](EventKind kind, std::uint16_t session, std::string reason) {
      Event e{kind,
              id,
              session,
              std::nullopt,
              std::move(reason),
              stored.tunnel.peer,
              stored.tunnel.peer_tunnel_id};
      if (auto s = stored.sessions.find(session); session != 0 && s != stored.sessions.end()) {
        e.peer_session_id = s->second.peer_session_id;
        e.call_serial = s->second.parameters.call_serial_number;
      }
      output_.event(std::move(e));
    };
    if (!settings || stored.tunnel.resync_method == failover::ResyncMethod::none) {
      // Not recoverable: the peer was removed from the configuration, or the tunnel negotiated no
      // method (failover-resync = none, or failover-protocol against a peer without capability).
      output_.record(tunnel::TunnelRemoved{id});
      for (const auto& [sid, session] : stored.sessions)
        restart_event(EventKind::session_closed, sid, "not recoverable after restart");
      restart_event(EventKind::tunnel_closed, 0, "not recoverable after restart");
      restart_event(EventKind::recovery_failed, 0,
                    settings ? "no failover method was negotiated with this peer"
                             : "peer no longer in the configuration");
      ++stats_.recoveries_failed;
      ++report.tunnels_cleared;
      rebuilt();
      continue;
    }
    if (stored.closing) {
      // Our StopCCN was not acknowledged yet: it goes again (docs/failover.md §3 step 1).
      auto ctx = context();
      tunnels_.emplace(id, tunnel::Tunnel::restored_closing(now, ctx, settings, stored.tunnel));
      if (!stored.tunnel.originator)
        by_remote_[{stored.tunnel.peer, stored.tunnel.peer_tunnel_id}] = id;
      ++report.tunnels_closing;
      settle(now, id);
      rebuilt();
      continue;
    }
    // Moved, not copied: the snapshot is ours, and a restart of 100,000 sessions spent most of its
    // time allocating copies (issue 14, point 4).
    std::vector<tunnel::SessionEstablished> sessions;
    sessions.reserve(stored.sessions.size());
    for (auto& [sid, s] : stored.sessions)
      sessions.push_back(std::move(s));
    const std::size_t kept = sessions.size();
    const bool protocol = stored.tunnel.resync_method == failover::ResyncMethod::failover_protocol;
    // The calls being set up are gone: their requests do not go out again (unsent_calls.hpp).
    tunnel::TunnelEstablished record = stored.tunnel;
    const UnsentCalls unsent = withhold_unsent_calls(record.channel, *settings);
    if (unsent.withheld != 0) {
      // Durably, before anything leaves: the store holds the channel as it now is, so that another
      // crash finds what was sent (the records rebuild the same queue, and the suggestion, which a
      // reset record clears).
      output_.record(tunnel::ChannelReset{id, record.channel.acked_ns, record.channel.expected_ns});
      for (const auto& [ns, bytes] : record.channel.unacked)
        output_.record(tunnel::ChannelQueued{id, ns, bytes});
      if (stored.suggestion) output_.record(tunnel::RecoverySuggested{id, *stored.suggestion});
    }
    auto ctx = context();
    auto [it, inserted] =
        tunnels_.emplace(id, tunnel::Tunnel::restored(now, ctx, settings, record,
                                                      std::move(sessions), stored.suggestion));
    if (!stored.tunnel.originator)
      by_remote_[{stored.tunnel.peer, stored.tunnel.peer_tunnel_id}] = id;
    report.calls_dropped += unsent.calls;
    report.call_requests_withheld += unsent.withheld;
    stats_.calls_dropped_at_restart += unsent.calls;
    stats_.call_requests_withheld_at_restart += unsent.withheld;
    restart_event(
        EventKind::tunnel_recovered, 0,
        std::string(failover::name(stored.tunnel.resync_method)) +
            (unsent.calls ? "; " + std::to_string(unsent.calls) +
                                " calls that were being set up are gone (only established calls "
                                "are kept); " +
                                std::to_string(unsent.withheld) +
                                " of their requests not sent again (a HELLO in their place)"
                          : std::string()));
    ++report.tunnels_recovered;
    report.sessions_recovered += kept;
    if (protocol) {
      // RFC 4951 §3.2.1: one recovery tunnel per old tunnel.
      open_recovery_tunnel(now, it->second);
    } else {
      it->second.begin_silent_recovery(now, ctx, {});
    }
    settle(now, id);
    rebuilt();
  }
  stored_ids_ = nullptr;
  return report;
}

void Endpoint::open_recovery_tunnel(Time now, const tunnel::Tunnel& old) {
  // Not one at a time (opening_queue.hpp): a recovery tunnel goes only to a peer that advertised
  // the Failover Capability AVP, and RFC 4951 §3.2.1 has the failed end open one for every old
  // tunnel, with the Tie Breaker's scope limited to the recovery tunnels of one old tunnel — a
  // peer that implements it takes several at once from one source. One after another would make
  // the recovery of N tunnels N round trips long, against the peer's hold of our Recovery Time.
  // Copied first: adding a tunnel may move the table's elements.
  const failover::RecoveryLink link(old.local_id(), {old.local_id(), old.peer_id()}, std::nullopt);
  const PeerAddress peer = old.peer(), local = old.local();
  const std::uint16_t id = allocate_tunnel_id();
  auto [it, inserted] = tunnels_.emplace(id, tunnel::Tunnel(settings_for(peer), id, peer));
  // From the old tunnel's address: the peer checks the request comes from where the tunnel was.
  it->second.set_local(local);
  ++stats_.recovery_tunnels_opened;
  wire::TieBreakerValue tie_breaker;
  random_.fill(tie_breaker);
  auto ctx = context();
  it->second.open_recovery(now, ctx, tie_breaker, link);
  link_recovery_tunnel(id);
  settle(now, id);
}

void Endpoint::link_recovery_tunnel(std::uint16_t recovery_id) {
  const tunnel::Tunnel& t = tunnels_.at(recovery_id);
  HL2TP_INVARIANT(t.recovery_link() && tunnels_.contains(t.recovery_link()->old_tunnel_id()));
  recovery_tunnels_.emplace(t.recovery_link()->old_tunnel_id(), recovery_id);
}

void Endpoint::on_request(Time now, const tunnel::EngineRequest& request) {
  auto it = tunnels_.find(request.tunnel_id);
  if (it == tunnels_.end()) return;
  tunnel::Tunnel& recovery = it->second;
  HL2TP_INVARIANT(recovery.recovery_link());
  switch (request.kind) {
    case tunnel::EngineRequest::Kind::recovery_tunnel_established:
      complete_recovery(now, recovery);
      break;
    case tunnel::EngineRequest::Kind::recovery_tunnel_ended:
      // Reaching established is what counts: the peer's StopCCN may follow in the same delivery,
      // after the completion this call already acted on.
      if (recovery.recovery_link()->at_work()) recovery_tunnel_failed(now, recovery);
      break;
  }
}

void Endpoint::complete_recovery(Time now, tunnel::Tunnel& recovery) {
  recovery.complete_recovery_link();
  const failover::RecoveryLink& link = *recovery.recovery_link();
  auto old = tunnels_.find(link.old_tunnel_id());
  auto ctx = context();
  const wire::SuggestedControlSequence scs = link.reset_to();
  if (recovery.originator()) {
    // The failed end (§3.2.2): the old channel restarts at the suggested numbers; the recovery
    // tunnel has done its work and is cleared (Appendix A: the recovery endpoint sends StopCCN).
    if (old != tunnels_.end()) {
      old->second.follow_path(ctx, recovery.peer(), recovery.local());
      old->second.reset_after_recovery(now, ctx, scs.ns, scs.nr);
    }
    recovery.close(now, ctx,
                   {static_cast<std::uint16_t>(wire::StopCcnResult::general_request), std::nullopt,
                    "recovery complete"});
  } else if (old != tunnels_.end() && old->second.suggestion() &&
             old->second.suggestion()->scs == scs) {
    // The remote end (§3.2.2): a valid SCCCN — authenticated when there is a secret — completes
    // the request; the old channel resets to what we suggested, and the tunnel follows the peer
    // to where its recovery came from.
    take_up_suggested_reset(now, old->second, recovery.peer(), recovery.local());
  } else {
    // The suggestion was taken up already (the peer's use of it overtook the SCCCN) or
    // withdrawn; a newer request superseded this one otherwise.
    ++stats_.late_recovery_completions;
  }
  if (old != tunnels_.end()) settle(now, old->first);
}

void Endpoint::recovery_tunnel_failed(Time now, tunnel::Tunnel& recovery) {
  auto old = tunnels_.find(recovery.recovery_link()->old_tunnel_id());
  if (old == tunnels_.end()) return;
  tunnel::Tunnel& t = old->second;
  auto ctx = context();
  if (!recovery.originator()) {
    // A request we answered came to nothing (no valid SCCCN in time, or the peer gave it up): the
    // live tunnel was never touched. A suggestion the peer may still have taken up (every SCCCN
    // lost) stays until the peer's own numbering says which (failover/suggested_reset.hpp).
    ++stats_.recovery_requests_abandoned;
    output_.event(
        {EventKind::recovery_request_abandoned, t.local_id(), 0, std::nullopt,
         "recovery tunnel " + std::to_string(recovery.local_id()) + " ended without a valid SCCCN",
         t.peer(), t.peer_id()});
  }
  // Once: the old tunnel waits paused for its recovery tunnel until this falls back or clears.
  // Also when we were recovering it too and lost the tie to the peer's request (Appendix B) which
  // has now come to nothing.
  if (t.recovery_phase() == failover::TunnelRecovery::Phase::awaiting_recovery_tunnel &&
      !recovery_tunnel_for(t.local_id(), false)) {
    const std::string why = "recovery tunnel not established";
    if (!failover::falls_back_to_silent(t.settings().failover.resync)) {
      // RFC 4951 §3.2.1: the recovery endpoint MUST then clear the old tunnel silently.
      ++stats_.recoveries_failed;
      t.clear_silently(now, ctx, why);
    } else {
      ++stats_.recovery_fallbacks;
      t.begin_silent_recovery(now, ctx, why + "; fell back to silent failover");
    }
  }
  settle(now, old->first);
}

void Endpoint::on_recovery_request(Time now, const PeerAddress& from, const PeerAddress& to,
                                   wire::ControlMessage sccrq,
                                   std::shared_ptr<const tunnel::TunnelSettings> settings) {
  // RFC 4951 §3.2.1 and §8, docs/failover.md §4 and §5: the non-failed end checks that the request
  // may take over the old tunnel, and refuses anything else with a StopCCN on the recovery tunnel,
  // leaving the live tunnel untouched. Every refusal reads the same on the wire, whatever its
  // reason (the reason goes to our log and counters only), so that no answer tells a prober which
  // tunnel IDs are live; and refusals are rate-limited per source.
  const wire::TunnelRecovery ids = *sccrq.get<AvpType::TunnelRecovery>();
  auto refuse = [&](std::string why) {
    ++stats_.recovery_refused;
    output_.event({EventKind::recovery_refused, ids.recover_remote_tunnel_id, 0, std::nullopt,
                   std::move(why), from});
    refuse_tunnel(now, from, to, sccrq,
                  {static_cast<std::uint16_t>(wire::StopCcnResult::general_error),
                   static_cast<std::uint16_t>(wire::GeneralError::none), "recovery refused"});
  };
  auto it = tunnels_.find(ids.recover_remote_tunnel_id);
  std::optional<failover::NamedTunnel> named;
  if (it != tunnels_.end()) {
    const tunnel::Tunnel& t = it->second;
    named = {t.recovery_link().has_value(), t.peer(), t.peer_id(), t.resync_method(),
             t.state() == tunnel::State::established};
  }
  if (auto why = failover::refusal(named, from, ids)) return refuse(std::move(*why));
  const std::uint16_t old_id = it->first;

  // Recovery tunnels for the same old tunnel (Appendix B): failover/recovery_race.hpp decides.
  const auto* theirs = sccrq.get<AvpType::TieBreaker>();
  std::vector<failover::RacingTunnel> racing;
  for (auto [linked, last] = recovery_tunnels_.equal_range(old_id); linked != last; ++linked) {
    const tunnel::Tunnel& t = tunnels_.at(linked->second);
    HL2TP_INVARIANT(t.recovery_link() && t.recovery_link()->old_tunnel_id() == old_id);
    if (t.state() == tunnel::State::dead) continue;
    racing.push_back({linked->second, t.originator(), t.tie_breaker(),
                      t.state() == tunnel::State::wait_ctl_reply, &*t.recovery_link()});
  }
  const failover::RaceVerdict race = failover::weigh_request(racing, theirs);
  stats_.tie_breaker_lost += race.ours_lost;
  switch (race.kind) {
    case failover::RaceVerdict::Kind::stale_copy:
      ++stats_.stale_recovery_requests;
      return;
    case failover::RaceVerdict::Kind::ours_wins:
      ++stats_.tie_breaker_won;  // the peer discards its recovery tunnel and answers ours
      if (theirs) tunnels_.at(*race.winner).note_beaten_request(*theirs);
      return;
    case failover::RaceVerdict::Kind::answer:
      break;
  }
  const std::vector<std::uint16_t>& superseded = race.superseded;
  tunnel::Tunnel& old = tunnels_.at(old_id);
  auto suggestion = failover::suggest_reset(old.channel(), old.settings().channel.receive_window,
                                            old.peer_window(), old.suggestion(), from, to);
  if (!suggestion) return refuse("too many recovery requests without a completed one");
  auto ctx = context();
  for (std::uint16_t id : superseded) {
    tunnel::Tunnel& earlier = tunnels_.at(id);
    if (!earlier.originator()) {
      // The peer's earlier request came to nothing: it failed again, or it was not the peer's.
      ++stats_.recovery_requests_abandoned;
      output_.event({EventKind::recovery_request_abandoned, old_id, 0, std::nullopt,
                     "recovery tunnel " + std::to_string(id) + " superseded by a newer request",
                     from});
    }
    earlier.supersede_recovery();
    earlier.discard(ctx);
    settle(now, id);
  }
  // Nothing of the live tunnel changes but what it may transmit (recovery_suggestion.hpp): it
  // resets only when the request is complete (§3.2.2).
  tunnels_.at(old_id).await_suggested_reset(now, ctx, *suggestion);
  settle(now, old_id);

  const std::uint16_t id = allocate_tunnel_id();
  auto [created, inserted] = tunnels_.emplace(id, tunnel::Tunnel(std::move(settings), id, from));
  created->second.set_local(to);
  created->second.answer_recovery(failover::RecoveryLink(old_id, ids, suggestion->scs));
  link_recovery_tunnel(id);
  ++stats_.recovery_tunnels_opened;
  created->second.receive(now, ctx, std::move(sccrq));
  index_by_remote(id);
  settle(now, id);
}

std::optional<std::uint16_t> Endpoint::recovery_tunnel_for(std::uint16_t old_tunnel_id,
                                                           bool ours_only) const {
  for (auto [linked, last] = recovery_tunnels_.equal_range(old_tunnel_id); linked != last;
       ++linked) {
    const std::uint16_t id = linked->second;
    const tunnel::Tunnel& t = tunnels_.at(id);
    const auto& link = t.recovery_link();
    HL2TP_INVARIANT(link && link->old_tunnel_id() == old_tunnel_id);
    if (link->at_work() && (!ours_only || t.originator()) && t.state() != tunnel::State::dead &&
        t.state() != tunnel::State::stopped && t.state() != tunnel::State::closing) {
      return id;
    }
  }
  return std::nullopt;
}

void Endpoint::take_up_suggested_reset(Time now, tunnel::Tunnel& t, const PeerAddress& from,
                                       const PeerAddress& to,
                                       std::optional<wire::SuggestedControlSequence> replaced) {
  ++stats_.peer_recoveries_completed;
  const PeerAddress before = t.peer();
  auto ctx = context(&t);
  t.take_up_suggested_reset(now, ctx, from, to.unspecified() ? t.local() : to, replaced);
  if (t.peer() == before || t.originator()) return;
  // It moved (the peer recovered from another port): a retransmitted SCCRQ of the peer's now
  // comes from the new address.
  if (auto key = by_remote_.find({before, t.peer_id()});
      key != by_remote_.end() && key->second == t.local_id()) {
    by_remote_.erase(key);
  }
  by_remote_[{t.peer(), t.peer_id()}] = t.local_id();
}

void Endpoint::judge_suggestion(Time now, tunnel::Tunnel& t, const wire::ControlMessage& message,
                                const PeerAddress& from, const PeerAddress& to) {
  // While our own recovery tunnel for it is at work, the old tunnel takes nothing in (RFC 4951
  // §3.2.1): its numbering will be the peer's suggestion, not one we made before we failed (taking
  // that up meanwhile, then resetting again to the peer's, left the two ends apart: campaign,
  // seed 211872).
  if (!t.suggestion() || (t.channel().paused() && recovery_tunnel_for(t.local_id(), true))) {
    return;
  }
  switch (failover::judge(*t.suggestion(), message.header.nr, t.channel().expected_ns())) {
    case failover::SuggestionVerdict::taken_up:
      take_up_suggested_reset(now, t, from, to);
      break;
    case failover::SuggestionVerdict::not_taken: {
      ++stats_.recovery_suggestions_withdrawn;
      auto ctx = context(&t);
      t.withdraw_suggested_reset(now, ctx, "the peer goes on with the old numbering");
      break;
    }
    case failover::SuggestionVerdict::undecided:
      // Or the peer reset to a suggestion this one replaced, and its request for this one came
      // to nothing (its recovery fell back to silent failover on the numbering it had stored).
      if (recovery_tunnel_for(t.local_id(), false)) break;
      if (auto replaced =
              failover::replaced_taken_up(t.replaced_suggestions(), message.header.nr)) {
        ++stats_.replaced_suggestions_taken_up;
        take_up_suggested_reset(now, t, from, to, *replaced);
      }
      break;
  }
}

}  // namespace hl2tp::engine

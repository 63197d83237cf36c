#include "engine/endpoint.hpp"

#include <algorithm>

#include "base/invariant.hpp"
#include "engine/unknown_tunnel_answer.hpp"
#include "engine/unsent_calls.hpp"
#include "failover/recovery_request.hpp"
#include "failover/suggested_reset.hpp"

#include "wire/data_message.hpp"
#include "wire/message_builders.hpp"

namespace hl2tp::engine {
namespace {

using wire::AvpType;
using wire::MessageType;

}  // namespace

Endpoint::Endpoint(EndpointConfig config, RandomSource& random) : random_(random) {
  reconfigure(std::move(config));
}

void Endpoint::reconfigure(EndpointConfig config) {
  config_ = std::move(config);
  config_.tunnel.max_sessions = config_.limits.max_sessions_per_tunnel;
  default_settings_ = std::make_shared<const tunnel::TunnelSettings>(config_.tunnel);
  peer_settings_.clear();
  for (const PeerSettings& peer : config_.peers) {
    tunnel::TunnelSettings s = config_.tunnel;
    s.secret = peer.secret;
    s.hide_avps = peer.hide_avps;
    peer_settings_.emplace_back(peer.host, std::make_shared<const tunnel::TunnelSettings>(s));
  }
}

std::shared_ptr<const tunnel::TunnelSettings> Endpoint::settings_for(
    const PeerAddress& peer) const {
  for (const auto& [host, settings] : peer_settings_) {
    if (host.same_host(peer)) return settings;
  }
  return config_.accept_unlisted_peers ? default_settings_ : nullptr;
}

tunnel::TunnelContext Endpoint::context() {
  return {random_,
          *this,
          total_sessions_,
          config_.limits.max_sessions,
          stats_.refused_sessions,
          stats_.disowned_calls,
          stats_.failover_messages_ignored};
}

void Endpoint::transmit(const PeerAddress& peer, const PeerAddress& local, Bytes bytes) {
  transmit_queue_.push_back({peer, std::move(bytes), local});
}

void Endpoint::event(Event e) {
  if (e.kind == EventKind::tunnel_closed) ++stats_.tunnels_closed;
  if (e.kind == EventKind::recovery_completed) ++stats_.recoveries_completed;
  event_queue_.push_back(std::move(e));
}

void Endpoint::checkpoint(tunnel::Checkpoint record) {
  checkpoint_queue_.push_back(std::move(record));
}

std::optional<tunnel::Checkpoint> Endpoint::poll_checkpoint() {
  if (checkpoint_queue_.empty()) return std::nullopt;
  tunnel::Checkpoint record = std::move(checkpoint_queue_.front());
  checkpoint_queue_.pop_front();
  return record;
}

std::uint16_t Endpoint::allocate_tunnel_id() {
  // Random, non-zero and unused: unpredictable IDs make blind injection harder (RFC 4951 §8), and
  // max_tunnels keeps the table far from full, so a free one turns up within a few draws.
  for (int attempt = 0; attempt < 64; ++attempt) {
    std::byte raw[2];
    random_.fill(raw);
    const auto id = static_cast<std::uint16_t>((std::to_integer<unsigned>(raw[0]) << 8) |
                                               std::to_integer<unsigned>(raw[1]));
    if (id != 0 && free_tunnel_id(id)) return id;
  }
  for (std::uint32_t id = 1; id <= 0xFFFF; ++id) {
    if (free_tunnel_id(static_cast<std::uint16_t>(id))) return static_cast<std::uint16_t>(id);
  }
  return 0;
}

bool Endpoint::free_tunnel_id(std::uint16_t id) const {
  return !tunnels_.contains(id) &&
         !(stored_ids_ && std::binary_search(stored_ids_->begin(), stored_ids_->end(), id));
}

void Endpoint::settle(Time now, std::uint16_t tunnel_id) {
  auto it = tunnels_.find(tunnel_id);
  if (it == tunnels_.end()) return;
  tunnel::Tunnel& t = it->second;
  if (t.recovery_link()) {
    if (auto link = t.take_recovery_completion()) {
      complete_recovery(now, t, *link);
    } else if ((t.state() == tunnel::State::dead || t.state() == tunnel::State::stopped ||
                (t.state() == tunnel::State::closing && !t.originator())) &&
               !t.recovery_link()->completed && !t.recovery_link()->superseded) {
      // Stopped: the peer refused it with a StopCCN. The old tunnel falls back now, not when
      // the recovery tunnel's StopCCN hold ends (a full retransmission cycle later). One we
      // answered has ended once it closes (it timed out waiting for the SCCCN).
      recovery_tunnel_failed(now, t);
    }
  }
  if (t.filed_deadline) timers_.erase({*t.filed_deadline, tunnel_id});
  t.filed_deadline.reset();
  if (t.originator() && t.tie_breaker() && t.state() == tunnel::State::wait_ctl_reply) {
    awaiting_reply_.insert(tunnel_id);
  } else {
    awaiting_reply_.erase(tunnel_id);
  }
  // The head of a line of openings is done opening once it leaves wait-ctl-reply (its SCCRP came,
  // or it ended), or, the peer's tunnel that beat ours in a tie, wait-ctl-conn (its SCCCN came);
  // one waiting its turn leaves the line only when it ends (closed meanwhile).
  const bool leaves_line =
      opening_.contains(tunnel_id) &&
      (opening_.waiting(tunnel_id) ? t.state() == tunnel::State::dead
                                   : t.state() != tunnel::State::wait_ctl_reply &&
                                         t.state() != tunnel::State::wait_ctl_conn);
  if (t.state() == tunnel::State::dead) {
    closed_channel_stats_ += t.channel().stats();
    if (t.recovery_link()) {
      auto [first, last] = recovery_tunnels_.equal_range(t.recovery_link()->old_tunnel_id);
      auto linked = std::find_if(first, last, [&](const auto& e) { return e.second == tunnel_id; });
      HL2TP_INVARIANT(linked != last);  // every recovery tunnel was linked when it was made
      recovery_tunnels_.erase(linked);
    }
    if (auto key = by_remote_.find({t.peer(), t.peer_id()});
        !t.originator() && key != by_remote_.end() && key->second == tunnel_id) {
      by_remote_.erase(key);
    }
    tunnels_.erase(it);
  } else if (auto deadline = t.next_deadline()) {
    t.filed_deadline = deadline;
    timers_.insert({*deadline, tunnel_id});
  }
  if (leaves_line) pass_turn(now, tunnel_id);
}

void Endpoint::pass_turn(Time now, std::uint16_t tunnel_id) {
  if (auto next = opening_.leave(tunnel_id)) {
    ++stats_.tunnels_opened_after_waiting;
    start_opening(now, *next);
  }
}

void Endpoint::start_opening(Time now, std::uint16_t tunnel_id) {
  tunnel::Tunnel& t = tunnels_.at(tunnel_id);
  HL2TP_INVARIANT(t.state() == tunnel::State::idle && t.originator());
  // Drawn now, not when it was queued: the Tie Breaker is weighed against the peer's SCCRQs from
  // when ours is out (RFC 2661 §4.4.3).
  wire::TieBreakerValue tie_breaker;
  random_.fill(tie_breaker);
  auto ctx = context();
  t.open(now, ctx, tie_breaker);
  settle(now, tunnel_id);
}

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
      event(std::move(e));
    };
    if (!settings || stored.tunnel.resync_method == tunnel::ResyncMethod::none) {
      // Not recoverable: the peer was removed from the configuration, or the tunnel negotiated no
      // method (failover-resync = none, or failover-protocol against a peer without capability).
      checkpoint(tunnel::TunnelRemoved{id});
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
    const bool protocol = stored.tunnel.resync_method == tunnel::ResyncMethod::failover_protocol;
    // The calls being set up are gone: their requests do not go out again (unsent_calls.hpp).
    tunnel::TunnelEstablished record = stored.tunnel;
    const UnsentCalls unsent = withhold_unsent_calls(record.channel, *settings);
    if (unsent.withheld != 0) {
      // Durably, before anything leaves: the store holds the channel as it now is, so that another
      // crash finds what was sent (the records rebuild the same queue, and the suggestion, which a
      // reset record clears).
      checkpoint(tunnel::ChannelReset{id, record.channel.acked_ns, record.channel.expected_ns});
      for (const auto& [ns, bytes] : record.channel.unacked)
        checkpoint(tunnel::ChannelQueued{id, ns, bytes});
      if (stored.suggestion) checkpoint(tunnel::RecoverySuggested{id, *stored.suggestion});
    }
    auto ctx = context();
    auto [it, inserted] = tunnels_.emplace(
        id, tunnel::Tunnel::restored(now, ctx, settings, record, std::move(sessions), protocol,
                                     stored.suggestion));
    if (!stored.tunnel.originator)
      by_remote_[{stored.tunnel.peer, stored.tunnel.peer_tunnel_id}] = id;
    report.calls_dropped += unsent.calls;
    report.call_requests_withheld += unsent.withheld;
    stats_.calls_dropped_at_restart += unsent.calls;
    stats_.call_requests_withheld_at_restart += unsent.withheld;
    restart_event(
        EventKind::tunnel_recovered, 0,
        std::string(tunnel::name(stored.tunnel.resync_method)) +
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
  const tunnel::RecoveryLink link{old.local_id(), {old.local_id(), old.peer_id()}, std::nullopt};
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
  HL2TP_INVARIANT(t.recovery_link() && tunnels_.contains(t.recovery_link()->old_tunnel_id));
  recovery_tunnels_.emplace(t.recovery_link()->old_tunnel_id, recovery_id);
}

void Endpoint::complete_recovery(Time now, tunnel::Tunnel& recovery,
                                 const tunnel::RecoveryLink& link) {
  auto old = tunnels_.find(link.old_tunnel_id);
  auto ctx = context();
  const wire::SuggestedControlSequence scs =
      link.suggested.value_or(wire::SuggestedControlSequence{});
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
  auto old = tunnels_.find(recovery.recovery_link()->old_tunnel_id);
  if (old == tunnels_.end()) return;
  tunnel::Tunnel& t = old->second;
  auto ctx = context();
  if (!recovery.originator()) {
    // A request we answered came to nothing (no valid SCCCN in time, or the peer gave it up): the
    // live tunnel was never touched. A suggestion the peer may still have taken up (every SCCCN
    // lost) stays until the peer's own numbering says which (failover/suggested_reset.hpp).
    ++stats_.recovery_requests_abandoned;
    event(
        {EventKind::recovery_request_abandoned, t.local_id(), 0, std::nullopt,
         "recovery tunnel " + std::to_string(recovery.local_id()) + " ended without a valid SCCCN",
         t.peer(), t.peer_id()});
  }
  // Once: the old tunnel waits paused for its recovery tunnel until this falls back or clears.
  // Also when we were recovering it too and lost the tie to the peer's request (Appendix B) which
  // has now come to nothing.
  if (t.recovering() && t.channel().paused() && !recovery_tunnel_for(t.local_id(), false)) {
    const std::string why = "recovery tunnel not established";
    if (t.settings().failover.resync == tunnel::FailoverResync::protocol) {
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

void Endpoint::handle_datagram(Time now, const PeerAddress& from,
                               std::span<const std::byte> datagram) {
  handle_datagram(now, from, PeerAddress{}, datagram);
}

void Endpoint::handle_datagram(Time now, const PeerAddress& from, const PeerAddress& to,
                               std::span<const std::byte> datagram) {
  ++stats_.datagrams_received;
  if (wire::is_control_message(datagram) != true) {
    ++stats_.data_messages_dropped;
    return;
  }
  auto header = wire::decode_control_header(datagram);
  if (!header) {
    ++stats_.decode_errors;
    return;
  }
  if (header->tunnel_id == 0) return on_tunnel_zero(now, from, to, datagram);

  auto it = tunnels_.find(header->tunnel_id);
  // A tunnel waiting its turn has not told anyone its ID: nothing can be for it.
  if (it == tunnels_.end() || opening_.waiting(header->tunnel_id)) {
    ++stats_.unknown_tunnel;
    return answer_unknown_tunnel(now, from, to, datagram);
  }
  tunnel::Tunnel& t = it->second;
  // RFC 2661 §8.1: once a tunnel is set up its addresses and ports stay as they are, so anything
  // else naming it is not from its peer (a spoofer, or another host behind the same NAT address).
  // Two exceptions: the originator learns the port the SCCRP comes from, and a recovering peer
  // may come back on another port with the message that shows it took up our suggested reset.
  const bool on_path =
      from == t.peer() && (to.unspecified() || t.local().unspecified() || to == t.local());
  const bool learning =
      !on_path && t.state() == tunnel::State::wait_ctl_reply && from.same_host(t.peer());
  const bool returning = !on_path && t.suggestion() && from == t.suggestion()->from &&
                         header->nr == t.suggestion()->scs.nr;
  if (!on_path && !learning && !returning) {
    ++stats_.wrong_peer;
    // Another host gets what it would get for a tunnel ID we do not hold, so that the answer does
    // not tell which IDs are live (RFC 4951 §8: blind guessing). The tunnel's own host is not
    // answered: that may be its peer, come back from another port (RFC 4951 recovery).
    if (!from.same_host(t.peer())) answer_unknown_tunnel(now, from, to, datagram);
    return;
  }
  // The tunnel decodes with the settings it was set up with, as it encodes: a reload applies to
  // new tunnels only (a tunnel's peer may still use the old secret; issue 13, point 7).
  auto message = wire::decode_control(datagram, {.secret = t.settings().secret});
  if (!message) {
    ++stats_.decode_errors;
    return;
  }
  if (learning) {
    if (message->type() != MessageType::SCCRP) {
      ++stats_.wrong_peer;
      return;
    }
    t.learn_path(from, to);
  } else if (on_path && t.state() == tunnel::State::wait_ctl_reply &&
             message->type() == MessageType::SCCRP) {
    t.learn_path(from, to);
  }
  auto ctx = context();
  // While our own recovery tunnel for it is at work, the old tunnel takes nothing in (RFC 4951
  // §3.2.1): its numbering will be the peer's suggestion, not one we made before we failed (taking
  // that up meanwhile, then resetting again to the peer's, left the two ends apart: campaign,
  // seed 211872).
  if (t.suggestion() && !(t.channel().paused() && recovery_tunnel_for(t.local_id(), true))) {
    // The non-failed end (failover/suggested_reset.hpp): does this say whether the peer reset?
    switch (failover::judge(*t.suggestion(), message->header.nr, t.channel().expected_ns())) {
      case failover::SuggestionVerdict::taken_up:
        take_up_suggested_reset(now, t, from, to);
        break;
      case failover::SuggestionVerdict::not_taken:
        ++stats_.recovery_suggestions_withdrawn;
        t.withdraw_suggested_reset(now, ctx, "the peer goes on with the old numbering");
        break;
      case failover::SuggestionVerdict::undecided:
        break;
    }
  }
  t.receive(now, ctx, std::move(*message));
  settle(now, header->tunnel_id);
}

void Endpoint::answer_unknown_tunnel(Time now, const PeerAddress& from, const PeerAddress& to,
                                     std::span<const std::byte> datagram) {
  // Stateless and rate-limited like every refusal (refusal_limiter.hpp); a peer we do not serve
  // gets nothing.
  auto settings = settings_for(from);
  if (!settings) return;
  auto message = wire::decode_control(datagram, {.secret = settings->secret});
  if (!message) return;
  auto stop = stopccn_for_unknown_tunnel(*message);
  if (!stop) return;
  if (!refusal_limiter_.allow(from, now)) {
    ++stats_.refusals_rate_limited;
    return;
  }
  ++stats_.unknown_tunnel_stopped;
  transmit_queue_.push_back({from, *wire::encode_control(*stop), to});
}

void Endpoint::on_tunnel_zero(Time now, const PeerAddress& from, const PeerAddress& to,
                              std::span<const std::byte> datagram) {
  auto settings = settings_for(from);
  if (!settings) {
    ++stats_.unlisted_peer;
    return;
  }
  auto message = wire::decode_control(datagram, {.secret = settings->secret});
  if (!message) {
    ++stats_.decode_errors;
    return;
  }
  if (message->type() != MessageType::SCCRQ) {
    ++stats_.not_sccrq;  // only an SCCRQ may name tunnel 0 (§3.1)
    return;
  }
  const std::uint16_t peer_tunnel_id = *message->get<AvpType::AssignedTunnelId>();
  if (auto known = by_remote_.find({from, peer_tunnel_id}); known != by_remote_.end()) {
    const auto state = tunnels_.at(known->second).state();
    if (state == tunnel::State::stopped || state == tunnel::State::closing ||
        state == tunnel::State::dead) {
      // The tunnel under that ID is being torn down (a recovery tunnel lingers in its StopCCN
      // hold for a full cycle): this is a new SCCRQ of a restarted peer that drew the same ID
      // (1,000 recovery tunnels left about 15 such requests unanswered for 10 s: daemon
      // benchmark). The old tunnel finishes its hold unindexed.
      by_remote_.erase(known);
    } else {
      // A retransmitted SCCRQ: its tunnel acks it as a duplicate.
      auto ctx = context();
      tunnels_.at(known->second).receive(now, ctx, std::move(*message));
      return settle(now, known->second);
    }
  }
  if (message->get<AvpType::TunnelRecovery>() != nullptr) {
    return on_recovery_request(now, from, to, std::move(*message), settings);
  }
  std::vector<session::Session> adopted;
  // Drawn before the tie is resolved: a line of our openings whose head loses goes on with this
  // tunnel (opening_queue.hpp). Nothing below draws another ID before the tunnel takes it.
  const std::uint16_t id = allocate_tunnel_id();
  if (!resolve_tie(now, from, *message, id, adopted)) return;
  if (tunnels_.size() >= config_.limits.max_tunnels) {
    ++stats_.refused_tunnels;
    pass_turn(now, id);
    return refuse_tunnel(
        now, from, to, *message,
        {static_cast<std::uint16_t>(wire::StopCcnResult::general_error),
         static_cast<std::uint16_t>(wire::GeneralError::insufficient_resources), "tunnel limit"});
  }

  HL2TP_INVARIANT(!tunnels_.contains(id));
  auto [it, inserted] = tunnels_.emplace(id, tunnel::Tunnel(settings, id, from));
  it->second.set_local(to);
  ++stats_.tunnels_opened;
  auto ctx = context();
  it->second.receive(now, ctx, std::move(*message));
  index_by_remote(id);
  for (session::Session& s : adopted)
    it->second.adopt_waiting_session(now, ctx, std::move(s));
  settle(now, id);
}

void Endpoint::index_by_remote(std::uint16_t id) {
  // Under what the tunnel itself learnt from the SCCRQ, which settle() erases when it dies. An
  // SCCRQ refused before its Assigned Tunnel ID was taken (an unknown mandatory AVP, say) kills
  // the tunnel at once: indexing it anyway left a key to nothing, and the retransmitted SCCRQ
  // crashed the daemon (endpoint fuzzer, 30-minute run).
  const tunnel::Tunnel& t = tunnels_.at(id);
  if (t.peer_id() != 0 && t.state() != tunnel::State::dead)
    by_remote_[{t.peer(), t.peer_id()}] = id;
}

bool Endpoint::resolve_tie(Time now, const PeerAddress& from, const wire::ControlMessage& sccrq,
                           std::uint16_t successor, std::vector<session::Session>& adopted) {
  // RFC 2661 §4.4.3, §7.2: an SCCRQ from a peer to which our own SCCRQ is outstanding. The lower
  // Tie Breaker wins; a side that sent none loses to one that did; equal values: both lose.
  const auto* theirs = sccrq.get<AvpType::TieBreaker>();
  std::vector<std::uint16_t> ours_outstanding;
  for (std::uint16_t id : awaiting_reply_) {
    if (tunnels_.at(id).peer().same_host(from)) ours_outstanding.push_back(id);
  }
  if (ours_outstanding.empty()) return true;
  bool accept = true;
  for (std::uint16_t id : ours_outstanding) {
    tunnel::Tunnel& t = tunnels_.at(id);
    const wire::TieBreakerValue mine = *t.tie_breaker();  // a copy: settle() below may erase t
    if (theirs == nullptr || mine < *theirs) {
      ++stats_.tie_breaker_won;  // the peer discards its tunnel and answers ours
      accept = false;
      continue;
    }
    ++stats_.tie_breaker_lost;
    // Our next opening to this peer waits until the peer's winning tunnel is established: sent
    // at once, its new Tie Breaker would meet that tunnel still opening at the peer and, winning
    // this time, make the peer discard the tunnel we are answering (calls were lost so: sim test
    // TieBreaker.bursts_opened_by_both_ends_at_once_bring_every_call_up).
    if (!opening_.contains(successor)) opening_.hand_over(id, successor);
    auto ctx = context();
    auto waiting = t.discard(ctx);  // lost the tie breaker
    adopted.insert(adopted.end(), waiting.begin(), waiting.end());
    settle(now, id);
    if (mine == *theirs) accept = false;  // both discard
  }
  // No tunnel will take `successor` (we won, or both discarded): the line goes on at once.
  if (!accept) pass_turn(now, successor);
  if (!accept && !adopted.empty()) {
    // The sessions of a tunnel we dropped on a tie go on a fresh attempt of ours.
    auto reopened = open_tunnel(now, from);
    if (reopened) {
      auto ctx = context();
      for (auto& s : adopted)
        tunnels_.at(*reopened).adopt_waiting_session(now, ctx, std::move(s));
      settle(now, *reopened);
    }
    adopted.clear();
  }
  return accept;
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
    event({EventKind::recovery_refused, ids.recover_remote_tunnel_id, 0, std::nullopt,
           std::move(why), from});
    refuse_tunnel(now, from, to, sccrq,
                  {static_cast<std::uint16_t>(wire::StopCcnResult::general_error),
                   static_cast<std::uint16_t>(wire::GeneralError::none), "recovery refused"});
  };
  auto it = tunnels_.find(ids.recover_remote_tunnel_id);
  const tunnel::Tunnel* named = it == tunnels_.end() ? nullptr : &it->second;
  if (auto why = failover::refusal(named, from, ids)) return refuse(std::move(*why));
  const std::uint16_t old_id = named->local_id();

  // Recovery tunnels for the same old tunnel: ours (both ends failed, Appendix B) is decided by the
  // Tie Breaker, the lower value winning; the peer's earlier attempt gives way to this one.
  const auto* theirs = sccrq.get<AvpType::TieBreaker>();
  std::vector<std::uint16_t> superseded;
  for (auto [linked, last] = recovery_tunnels_.equal_range(old_id); linked != last; ++linked) {
    const std::uint16_t id = linked->second;
    tunnel::Tunnel& t = tunnels_.at(id);
    const auto& link = t.recovery_link();
    HL2TP_INVARIANT(link && link->old_tunnel_id == old_id);
    if (t.state() == tunnel::State::dead) continue;
    const bool we_win =
        t.originator() && t.tie_breaker() && (theirs == nullptr || *t.tie_breaker() < *theirs);
    if (link->completed) {
      // Our recovery tunnel for this tunnel is done (it lingers for its StopCCN hold). A request
      // it beat in its round is the peer's own attempt, which the peer discarded on our SCCRQ: a
      // copy still in flight. Answering it would suggest a second reset the peer never takes
      // (found by the campaign, seed 30370); the peer has discarded that tunnel and needs no
      // answer. Any other request is a new round: the peer failed again, perhaps in its turn just
      // after helping us, and whichever Tie Breaker wins, it is answered. (Refusing those that
      // lost to the lingering tunnel sent a helper that fails in its turn to silent failover,
      // after its recovery tunnel's 10 s once the refusals' rate limit was reached.)
      if (theirs && link->beat(*theirs)) {
        ++stats_.stale_recovery_requests;
        return;
      }
      continue;
    }
    if (we_win && t.state() == tunnel::State::wait_ctl_reply) {
      ++stats_.tie_breaker_won;  // the peer discards its recovery tunnel and answers ours
      if (theirs) t.note_beaten_request(*theirs);
      return;
    }
    if (t.originator()) ++stats_.tie_breaker_lost;
    superseded.push_back(id);
  }
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
      event({EventKind::recovery_request_abandoned, old_id, 0, std::nullopt,
             "recovery tunnel " + std::to_string(id) + " superseded by a newer request", from});
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
  created->second.answer_recovery({old_id, ids, suggestion->scs});
  link_recovery_tunnel(id);
  ++stats_.recovery_tunnels_opened;
  created->second.receive(now, ctx, std::move(sccrq));
  index_by_remote(id);
  settle(now, id);
}

void Endpoint::refuse_tunnel(Time now, const PeerAddress& from, const PeerAddress& to,
                             const wire::ControlMessage& sccrq, wire::ResultCode result) {
  // StopCCN sent once and not tracked, so that a flood of SCCRQs costs no state. A retransmitted
  // SCCRQ simply gets another one, within the per-source rate.
  if (!refusal_limiter_.allow(from, now)) {
    ++stats_.refusals_rate_limited;
    return;
  }
  wire::ControlMessage stop = wire::make_stopccn(allocate_tunnel_id(), std::move(result));
  stop.header = {*sccrq.get<AvpType::AssignedTunnelId>(), 0, 0,
                 static_cast<std::uint16_t>(sccrq.header.ns + 1)};
  transmit_queue_.push_back({from, *wire::encode_control(stop), to});
}

std::optional<std::uint16_t> Endpoint::recovery_tunnel_for(std::uint16_t old_tunnel_id,
                                                           bool ours_only) const {
  for (auto [linked, last] = recovery_tunnels_.equal_range(old_tunnel_id); linked != last;
       ++linked) {
    const std::uint16_t id = linked->second;
    const tunnel::Tunnel& t = tunnels_.at(id);
    const auto& link = t.recovery_link();
    HL2TP_INVARIANT(link && link->old_tunnel_id == old_tunnel_id);
    if (!link->completed && !link->superseded && (!ours_only || t.originator()) &&
        t.state() != tunnel::State::dead && t.state() != tunnel::State::stopped &&
        t.state() != tunnel::State::closing) {
      return id;
    }
  }
  return std::nullopt;
}

void Endpoint::take_up_suggested_reset(Time now, tunnel::Tunnel& t, const PeerAddress& from,
                                       const PeerAddress& to) {
  ++stats_.peer_recoveries_completed;
  const PeerAddress before = t.peer();
  auto ctx = context();
  t.take_up_suggested_reset(now, ctx, from, to.unspecified() ? t.local() : to);
  if (t.peer() == before || t.originator()) return;
  // It moved (the peer recovered from another port): a retransmitted SCCRQ of the peer's now
  // comes from the new address.
  if (auto key = by_remote_.find({before, t.peer_id()});
      key != by_remote_.end() && key->second == t.local_id()) {
    by_remote_.erase(key);
  }
  by_remote_[{t.peer(), t.peer_id()}] = t.local_id();
}

void Endpoint::handle_timeout(Time now) {
  while (!timers_.empty() && timers_.begin()->first <= now) {
    const std::uint16_t id = timers_.begin()->second;
    timers_.erase(timers_.begin());
    auto it = tunnels_.find(id);
    if (it == tunnels_.end()) continue;
    it->second.filed_deadline.reset();
    auto ctx = context();
    it->second.handle_timeout(now, ctx);
    settle(now, id);
  }
}

std::optional<Time> Endpoint::next_timeout() const {
  if (timers_.empty()) return std::nullopt;
  return timers_.begin()->first;
}

Result<std::uint16_t, std::string> Endpoint::open_tunnel(Time now, const PeerAddress& peer) {
  auto settings = settings_for(peer);
  if (!settings) return unexpected(std::string("peer not in the configuration"));
  if (tunnels_.size() >= config_.limits.max_tunnels) {
    ++stats_.refused_commands;
    return unexpected(std::string("tunnel limit reached"));
  }
  const std::uint16_t id = allocate_tunnel_id();
  auto [it, inserted] = tunnels_.emplace(id, tunnel::Tunnel(settings, id, peer));
  ++stats_.tunnels_opened;
  it->second.await_turn();
  // One SCCRQ at a time to a peer (opening_queue.hpp): from the shell's choice of address, as
  // every tunnel we open is until its SCCRP tells which of ours the peer answers.
  if (opening_.admit({peer, it->second.local()}, id)) {
    start_opening(now, id);
  } else {
    settle(now, id);  // nothing to file: it waits for the tunnel ahead of it
  }
  return id;
}

std::uint32_t Endpoint::next_call_serial() {
  constexpr std::uint32_t kBlock = 1024;
  if (next_call_serial_ == call_serial_limit_) {
    // Reserve the next block durably before any serial of it can reach a peer (write-ahead).
    call_serial_limit_ += kBlock;
    checkpoint(tunnel::CallSerialsReserved{call_serial_limit_});
  }
  const std::uint32_t serial = next_call_serial_++;
  return serial != 0 ? serial : next_call_serial();  // 0 reads as "none" in our own records
}

Result<std::uint16_t, std::string> Endpoint::open_session(Time now, std::uint16_t tunnel_id,
                                                          session::Direction direction,
                                                          session::CallParameters parameters) {
  auto it = tunnels_.find(tunnel_id);
  if (it == tunnels_.end()) return unexpected(std::string("no such tunnel"));
  // RFC 2661 §4.4.5: Call Serial Numbers increase from call to call, for the life of the process
  // and across its restarts, unless the caller brings its own.
  if (parameters.call_serial_number == 0) parameters.call_serial_number = next_call_serial();
  auto ctx = context();
  auto result = it->second.open_session(now, ctx, direction, std::move(parameters));
  settle(now, tunnel_id);
  if (!result) ++stats_.refused_commands;
  return result;
}

bool Endpoint::close_session(Time now, std::uint16_t tunnel_id, std::uint16_t session_id,
                             wire::ResultCode result) {
  auto it = tunnels_.find(tunnel_id);
  if (it == tunnels_.end()) return false;
  auto ctx = context();
  const bool closed = it->second.close_session(now, ctx, session_id, std::move(result));
  settle(now, tunnel_id);
  return closed;
}

bool Endpoint::close_tunnel(Time now, std::uint16_t tunnel_id, wire::ResultCode result) {
  auto it = tunnels_.find(tunnel_id);
  // An RFC 4951 recovery tunnel lives for a few messages and is not the operator's to clear:
  // clearing it would abandon the recovery of the tunnel it serves (campaign, seed 8602).
  if (it == tunnels_.end() || it->second.recovery_link()) return false;
  auto ctx = context();
  it->second.close(now, ctx, std::move(result));
  settle(now, tunnel_id);
  return true;
}

bool Endpoint::send_call_info(Time now, std::uint16_t tunnel_id, std::uint16_t session_id,
                              wire::ControlMessage message) {
  auto it = tunnels_.find(tunnel_id);
  if (it == tunnels_.end()) return false;
  auto ctx = context();
  const bool sent = it->second.send_call_info(now, ctx, session_id, std::move(message));
  settle(now, tunnel_id);
  return sent;
}

bool Endpoint::send_wan_error_notify(Time now, std::uint16_t tunnel_id, std::uint16_t session_id,
                                     wire::CallErrors errors) {
  return send_call_info(now, tunnel_id, session_id, wire::make_wen(errors));
}

bool Endpoint::send_set_link_info(Time now, std::uint16_t tunnel_id, std::uint16_t session_id,
                                  wire::Accm accm) {
  return send_call_info(now, tunnel_id, session_id, wire::make_sli(accm));
}

std::optional<Datagram> Endpoint::poll_transmit() {
  if (transmit_queue_.empty()) return std::nullopt;
  Datagram d = std::move(transmit_queue_.front());
  transmit_queue_.pop_front();
  return d;
}

std::optional<Event> Endpoint::poll_event() {
  if (event_queue_.empty()) return std::nullopt;
  Event e = std::move(event_queue_.front());
  event_queue_.pop_front();
  return e;
}

const tunnel::Tunnel* Endpoint::find_tunnel(std::uint16_t tunnel_id) const {
  auto it = tunnels_.find(tunnel_id);
  return it == tunnels_.end() ? nullptr : &it->second;
}

EndpointStats Endpoint::stats() const {
  EndpointStats s = stats_;
  s.channel = closed_channel_stats_;
  s.tunnels_waiting_turn = opening_.waiting_count();
  for (const auto& [id, t] : tunnels_) {
    s.channel += t.channel().stats();
    const auto& r = t.recovery();
    s.tunnels_recovering += t.recovering();
    s.sessions_kept += r.sessions_kept;
    s.sessions_cleared += r.sessions_cleared;
    s.sessions_queried += r.sessions_queried;
    s.probes_sent += r.probes_sent;
  }
  return s;
}

}  // namespace hl2tp::engine

#include "engine/endpoint.hpp"

#include <algorithm>

#include "base/invariant.hpp"
#include "engine/unknown_tunnel_answer.hpp"
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

tunnel::TunnelContext Endpoint::context(const tunnel::Tunnel* t) {
  // The engine's session limit less what the other tunnels hold: the one tunnel called cannot
  // change what the others hold.
  const std::size_t others = total_sessions_ - (t ? t->filed_sessions : 0);
  const std::size_t max = config_.limits.max_sessions;
  return {random_, output_, others >= max ? 0 : max - others};
}

std::optional<tunnel::Checkpoint> Endpoint::poll_checkpoint() {
  if (output_.records.empty()) return std::nullopt;
  tunnel::Checkpoint record = std::move(output_.records.front());
  output_.records.pop_front();
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
  // What the tunnel asked of the engine, in order (a recovery tunnel's completion may call into
  // other tunnels, which settle in their turn).
  while (!output_.requests.empty()) {
    const tunnel::EngineRequest request = output_.requests.front();
    output_.requests.pop_front();
    on_request(now, request);
  }
  tunnel::Tunnel& t = it->second;
  total_sessions_ += t.sessions().size();
  total_sessions_ -= t.filed_sessions;
  t.filed_sessions = t.sessions().size();
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
    HL2TP_INVARIANT(t.sessions().empty());  // a tunnel ends its sessions before it dies
    closed_channel_stats_ += t.channel().stats();
    if (t.recovery_link()) {
      auto [first, last] = recovery_tunnels_.equal_range(t.recovery_link()->old_tunnel_id());
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
  auto ctx = context(&t);
  t.open(now, ctx, tie_breaker);
  settle(now, tunnel_id);
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
  judge_suggestion(now, t, *message, from, to);
  auto ctx = context(&t);
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
  output_.transmit({from, *wire::encode_control(*stop), to});
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
      auto ctx = context(&tunnels_.at(known->second));
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
    auto ctx = context(&t);
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
      auto ctx = context(&tunnels_.at(*reopened));
      for (auto& s : adopted)
        tunnels_.at(*reopened).adopt_waiting_session(now, ctx, std::move(s));
      settle(now, *reopened);
    }
    adopted.clear();
  }
  return accept;
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
  output_.transmit({from, *wire::encode_control(stop), to});
}

void Endpoint::handle_timeout(Time now) {
  while (!timers_.empty() && timers_.begin()->first <= now) {
    const std::uint16_t id = timers_.begin()->second;
    timers_.erase(timers_.begin());
    auto it = tunnels_.find(id);
    if (it == tunnels_.end()) continue;
    it->second.filed_deadline.reset();
    auto ctx = context(&it->second);
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
    output_.record(tunnel::CallSerialsReserved{call_serial_limit_});
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
  auto ctx = context(&it->second);
  auto result = it->second.open_session(now, ctx, direction, std::move(parameters));
  settle(now, tunnel_id);
  if (!result) ++stats_.refused_commands;
  return result;
}

bool Endpoint::close_session(Time now, std::uint16_t tunnel_id, std::uint16_t session_id,
                             wire::ResultCode result) {
  auto it = tunnels_.find(tunnel_id);
  if (it == tunnels_.end()) return false;
  auto ctx = context(&it->second);
  const bool closed = it->second.close_session(now, ctx, session_id, std::move(result));
  settle(now, tunnel_id);
  return closed;
}

bool Endpoint::close_tunnel(Time now, std::uint16_t tunnel_id, wire::ResultCode result) {
  auto it = tunnels_.find(tunnel_id);
  // An RFC 4951 recovery tunnel lives for a few messages and is not the operator's to clear:
  // clearing it would abandon the recovery of the tunnel it serves (campaign, seed 8602).
  if (it == tunnels_.end() || it->second.recovery_link()) return false;
  auto ctx = context(&it->second);
  it->second.close(now, ctx, std::move(result));
  settle(now, tunnel_id);
  return true;
}

bool Endpoint::send_call_info(Time now, std::uint16_t tunnel_id, std::uint16_t session_id,
                              wire::ControlMessage message) {
  auto it = tunnels_.find(tunnel_id);
  if (it == tunnels_.end()) return false;
  auto ctx = context(&it->second);
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
  if (output_.datagrams.empty()) return std::nullopt;
  Datagram d = std::move(output_.datagrams.front());
  output_.datagrams.pop_front();
  return d;
}

std::optional<Event> Endpoint::poll_event() {
  if (output_.events.empty()) return std::nullopt;
  Event e = std::move(output_.events.front());
  output_.events.pop_front();
  return e;
}

const tunnel::Tunnel* Endpoint::find_tunnel(std::uint16_t tunnel_id) const {
  auto it = tunnels_.find(tunnel_id);
  return it == tunnels_.end() ? nullptr : &it->second;
}

EndpointStats Endpoint::stats() const {
  EndpointStats s = stats_;
  s.refused_sessions = output_.counts.refused_sessions;
  s.disowned_calls = output_.counts.disowned_calls;
  s.failover_messages_ignored = output_.counts.failover_messages_ignored;
  s.tunnels_closed = output_.counts.tunnels_closed;
  s.recoveries_completed = output_.counts.recoveries_completed;
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

void Endpoint::check_invariants() const {
  std::size_t sessions = 0;
  std::size_t filed = 0;
  for (const auto& [id, t] : tunnels_) {
    HL2TP_INVARIANT(id == t.local_id() && id != 0 && t.state() != tunnel::State::dead);
    t.check_invariants();
    HL2TP_INVARIANT(t.filed_sessions == t.sessions().size());  // settled after every call
    sessions += t.sessions().size();
    if (t.filed_deadline) {
      HL2TP_INVARIANT(timers_.contains({*t.filed_deadline, id}));
      ++filed;
    }
    if (const auto& link = t.recovery_link()) {
      auto [first, last] = recovery_tunnels_.equal_range(link->old_tunnel_id());
      const std::uint16_t linked = id;  // clang 14 captures no structured binding
      HL2TP_INVARIANT(std::any_of(first, last, [&](const auto& e) { return e.second == linked; }));
    }
  }
  HL2TP_INVARIANT(sessions == total_sessions_);
  HL2TP_INVARIANT(filed == timers_.size());
  for (const auto& [key, id] : by_remote_) {
    auto it = tunnels_.find(id);
    HL2TP_INVARIANT(it != tunnels_.end() && !it->second.originator() &&
                    it->second.peer_id() == key.peer_tunnel_id);
  }
  for (std::uint16_t id : awaiting_reply_) {
    auto it = tunnels_.find(id);
    HL2TP_INVARIANT(it != tunnels_.end() && it->second.state() == tunnel::State::wait_ctl_reply);
  }
  HL2TP_INVARIANT(recovery_tunnels_.size() <= tunnels_.size());
}

}  // namespace hl2tp::engine

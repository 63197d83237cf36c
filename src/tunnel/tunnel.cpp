#include "tunnel/tunnel.hpp"

#include <algorithm>

#include "base/invariant.hpp"
#include "channel/sequence_number.hpp"
#include "wire/challenge.hpp"
#include "wire/message_builders.hpp"

namespace hl2tp::tunnel {
namespace {

using wire::AvpType;
using wire::ControlMessage;
using wire::MessageType;
using wire::ResultCode;

constexpr std::size_t kChallengeLength = 16;
constexpr std::uint16_t kSessionIdBlock = 256;  // session IDs reserved durably at a time

// A Result Code AVP value (§4.4.2): an error code is written whenever there is one or a message.
template <typename Result>
ResultCode result_code(Result result, std::string message = {},
                       std::optional<wire::GeneralError> error = std::nullopt) {
  ResultCode r{static_cast<std::uint16_t>(result), std::nullopt, std::move(message)};
  if (error || !r.message.empty()) {
    r.error = static_cast<std::uint16_t>(error.value_or(wire::GeneralError::none));
  }
  return r;
}

}  // namespace

std::string_view name(State state) {
  switch (state) {
    case State::idle:
      return "idle";
    case State::wait_ctl_reply:
      return "wait-ctl-reply";
    case State::wait_ctl_conn:
      return "wait-ctl-conn";
    case State::established:
      return "established";
    case State::closing:
      return "closing";
    case State::stopped:
      return "stopped";
    case State::dead:
      return "dead";
  }
  return "?";
}

Tunnel::Tunnel(std::shared_ptr<const TunnelSettings> settings, std::uint16_t local_id,
               PeerAddress peer)
    : settings_(std::move(settings)),
      local_id_(local_id),
      peer_(peer),
      channel_(settings_->channel) {}

Duration Tunnel::setup_timeout() const {
  // The peer retransmits its SCCRP or SCCCN for a full cycle; past that it has given up.
  return stop_hold();
}

Duration Tunnel::stop_hold() const {
  // §5.7: a full retransmission cycle (1+2+4+8+16 = 31 s with the defaults).
  Duration total{0}, interval = settings_->channel.retransmit_initial;
  for (int i = 0; i < settings_->channel.retransmit_timeouts; ++i) {
    total += interval;
    interval = std::min(interval * 2, settings_->channel.retransmit_cap);
  }
  return total;
}

std::optional<Bytes> Tunnel::take_challenge(TunnelContext& ctx) {
  if (settings_->secret.empty()) return std::nullopt;
  Bytes challenge(kChallengeLength);
  ctx.random.fill(challenge);
  challenge_sent_ = challenge;
  return challenge;
}

bool Tunnel::response_is_valid(const ControlMessage& m, MessageType carried_in) const {
  if (!challenge_sent_) return true;  // we did not ask
  const auto* response = m.get<AvpType::ChallengeResponse>();
  return response != nullptr &&
         *response == wire::challenge_response(carried_in, settings_->secret, *challenge_sent_);
}

void Tunnel::send(Time now, TunnelContext& ctx, ControlMessage m) {
  m.header.tunnel_id = peer_id_;
  const bool hide = settings_->hide_avps && !settings_->secret.empty();
  if (hide) {
    // §4.3: a Random Vector before the first hidden AVP; hide what the RFC lets us hide.
    bool any = false;
    for (std::size_t i = 1; i < m.avps.size(); ++i) {
      auto info =
          m.avps[i].vendor_id == 0 ? wire::avp_info(m.avps[i].attribute_type) : std::nullopt;
      if (info && info->may_hide) m.avps[i].hidden = any = true;
    }
    if (any) m.avps.insert(m.avps.begin() + 1, wire::make_random_vector(ctx.random));
  }
  const std::uint8_t padding = hide ? 15 : 0;
  channel_.send(now, std::move(m), {settings_->secret, &ctx.random, padding});
}

void Tunnel::flush(TunnelContext& ctx) {
  // The channel's changes become records once the tunnel is in the database; before that its whole
  // state goes into TunnelEstablished.
  if (checkpointed_) {
    for (channel::JournalEntry& j : channel_.journal()) {
      switch (j.kind) {
        case channel::JournalEntry::Kind::queued:
          ctx.outputs.checkpoint(ChannelQueued{local_id_, j.value, std::move(j.bytes)});
          break;
        case channel::JournalEntry::Kind::acked:
          ctx.outputs.checkpoint(ChannelAcked{local_id_, j.value});
          break;
        case channel::JournalEntry::Kind::received:
          ctx.outputs.checkpoint(ChannelReceived{local_id_, j.value});
          break;
        case channel::JournalEntry::Kind::reset:
          ctx.outputs.checkpoint(ChannelReset{local_id_, j.value, j.reset_nr});
          break;
      }
    }
  }
  channel_.journal().clear();
  for (Bytes& bytes : channel_.outbox())
    ctx.outputs.transmit(peer_, local_, std::move(bytes));
  channel_.outbox().clear();
}

ControlMessage Tunnel::start_control_message(MessageType type) const {
  ControlMessage m =
      type == MessageType::SCCRQ
          ? wire::make_sccrq(local_id_, settings_->host_name, settings_->framing_capabilities)
          : wire::make_sccrp(local_id_, settings_->host_name, settings_->framing_capabilities);
  m.add<AvpType::BearerCapabilities>(settings_->bearer_capabilities)
      .add<AvpType::FirmwareRevision>(settings_->firmware_revision)
      .add<AvpType::VendorName>(settings_->vendor_name)
      .add<AvpType::ReceiveWindowSize>(settings_->channel.receive_window);
  if (recovery_link_) {
    // RFC 4951 §5.1–5.3: a recovery tunnel carries no Failover Capability AVP; its SCCRQ names the
    // old tunnel, its SCCRP suggests the control sequence.
    if (type == MessageType::SCCRQ) {
      m.add<AvpType::TunnelRecovery>(recovery_link_->ids);
    } else if (recovery_link_->suggested) {
      m.add<AvpType::SuggestedControlSequence>(*recovery_link_->suggested);
    }
    return m;
  }
  // RFC 4951 §3.1: capability goes in the SCCRQ/SCCRP of a normal tunnel, with M=0.
  if (auto capability = advertised_capability(settings_->failover)) {
    m.add<AvpType::FailoverCapability>(*capability);
  }
  return m;
}

bool Tunnel::learn_peer(Time now, TunnelContext& ctx, const ControlMessage& m) {
  peer_id_ = *m.get<AvpType::AssignedTunnelId>();
  channel_.set_peer_tunnel_id(peer_id_);
  // §4.4.3: a peer that sends no Receive Window Size can take 4.
  if (auto* w = m.get<AvpType::ReceiveWindowSize>()) peer_window_ = *w;
  channel_.set_peer_window(peer_window_);
  peer_host_name_ = *m.get<AvpType::HostName>();
  if (const auto* capability = m.get<AvpType::FailoverCapability>()) {
    peer_capability_ = *capability;
  }
  if (*m.get<AvpType::ProtocolVersion>() != wire::ProtocolVersion{1, 0}) {
    close(now, ctx,
          result_code(wire::StopCcnResult::unsupported_version, "L2TPv2 only",
                      wire::GeneralError::none));
    return false;
  }
  return true;
}

bool Tunnel::answer_challenge(Time now, TunnelContext& ctx, const ControlMessage& m,
                              MessageType carried_in, ControlMessage& reply) {
  const auto* challenge = m.get<AvpType::Challenge>();
  if (challenge == nullptr) return true;
  if (settings_->secret.empty()) {
    // We cannot answer a challenge without a secret (§5.1.1): refuse.
    close(now, ctx, result_code(wire::StopCcnResult::not_authorized, "no secret for this peer"));
    return false;
  }
  reply.add<AvpType::ChallengeResponse>(
      wire::challenge_response(carried_in, settings_->secret, *challenge));
  return true;
}

Tunnel Tunnel::from_record(std::shared_ptr<const TunnelSettings> settings,
                           const TunnelEstablished& record, State state) {
  Tunnel t(std::move(settings), record.tunnel_id, record.peer);
  t.local_ = record.local;
  t.state_ = state;
  t.originator_ = record.originator;
  t.peer_id_ = record.peer_tunnel_id;
  t.peer_window_ = record.peer_window;
  t.peer_host_name_ = record.peer_host_name;
  t.peer_capability_ = record.peer_capability;
  t.resync_method_ = record.resync_method;
  t.checkpointed_ = true;  // it is in the store already
  t.channel_.set_peer_tunnel_id(t.peer_id_);
  t.channel_.set_peer_window(t.peer_window_);
  return t;
}

Tunnel Tunnel::restored(Time now, TunnelContext& ctx,
                        std::shared_ptr<const TunnelSettings> settings,
                        const TunnelEstablished& record, std::vector<SessionEstablished> sessions,
                        bool await_recovery_tunnel,
                        const std::optional<RecoverySuggestion>& suggestion) {
  Tunnel t = from_record(std::move(settings), record, State::established);
  if (suggestion) {
    // Before the channel is restored: nothing at or past the limit may leave, now either.
    t.suggestion_ = suggestion;
    t.channel_.limit_transmission(now, suggestion->transmit_limit);
  }
  t.channel_.set_recovery_hold(
      std::chrono::milliseconds(recovery_hold_ms(t.settings_->failover, t.peer_capability_)));
  t.sessions_.reserve(sessions.size());
  t.established_by_peer_.reserve(sessions.size());
  for (SessionEstablished& s : sessions) {
    t.sessions_.emplace(s.session_id, session::Session::restored(
                                          s.session_id, s.peer_session_id, s.role, s.direction,
                                          std::move(s.parameters), s.established_at));
    t.established_by_peer_.assign(s.peer_session_id, s.session_id);
    ++ctx.total_sessions;
  }
  // Session IDs resume past every one the previous incarnation may have handed out: the peer may
  // still hold a call on one of them (found by the crash campaign, seed 10).
  t.next_session_id_ = record.session_id_limit;
  t.session_id_limit_.reset();
  t.recovery_.state = RecoveryState::recovering;
  t.recovery_.method = record.resync_method;
  t.recovery_.started = now;
  t.recovery_.sessions_kept = static_cast<std::uint32_t>(sessions.size());
  // RFC 4951 §3.2.1: until the reset, nothing goes out on the old tunnel and what arrives is
  // discarded.
  if (await_recovery_tunnel) t.channel_.pause();
  t.channel_.restore(now, record.channel);
  t.hello_due_ = now + t.settings_->hello_interval;
  t.channel_.journal().clear();  // restoring changes nothing durable
  t.flush(ctx);
  return t;
}

void Tunnel::begin_silent_recovery(Time now, TunnelContext& ctx, std::string fallback_reason) {
  recovery_.method = ResyncMethod::silent;
  recovery_.failure = std::move(fallback_reason);
  channel_.resume(now);
  if (channel_.in_flight() == 0 && channel_.queued() == 0) {
    send(now, ctx, wire::make_hello());
    ++recovery_.probes_sent;
  }
  // Resynchronized once the peer acknowledged the oldest of those: both ends then agree on Ns and
  // Nr again; draining the rest is ordinary delivery (slow against a peer that drops what arrives
  // ahead of a gap, as xl2tpd does).
  silent_target_ns_ = static_cast<std::uint16_t>(channel_.oldest_unacked() + 1);
  flush(ctx);
}

void Tunnel::open_recovery(Time now, TunnelContext& ctx, wire::TieBreakerValue tie_breaker,
                           RecoveryLink link) {
  recovery_link_ = std::move(link);
  open(now, ctx, tie_breaker);
  // Falling back (or giving up) must leave the peer time within its hold of our Recovery Time.
  setup_deadline_ = now + std::chrono::milliseconds(settings_->failover.recovery_tunnel_timeout_ms);
}

void Tunnel::await_suggested_reset(Time now, TunnelContext& ctx, RecoverySuggestion suggestion) {
  HL2TP_INVARIANT(state_ == State::established && !recovery_link_);
  if (!suggestion_) before_helping_ = recovery_;
  suggestion_ = suggestion;
  channel_.limit_transmission(now, suggestion.transmit_limit);
  // Write-ahead: the SCCRP carrying the suggestion leaves only after this record is durable.
  ctx.outputs.checkpoint(RecoverySuggested{local_id_, suggestion});
  if (recovery_.state != RecoveryState::recovering) {
    recovery_.state = RecoveryState::helping;
    recovery_.started = now;
    recovery_.finished.reset();
  }
}

void Tunnel::take_up_suggested_reset(Time now, TunnelContext& ctx, const PeerAddress& from,
                                     const PeerAddress& to) {
  HL2TP_INVARIANT(suggestion_);
  const RecoverySuggestion s = *suggestion_;
  suggestion_.reset();
  follow_path(ctx, from, to);
  const bool helped = recovery_.state == RecoveryState::helping;
  // §3.2.2: our next Ns is the failed end's Nr, our Nr its next Ns. The reset's record also
  // clears the suggestion in the store.
  reconcile_after_reset(now, ctx, channel_.reset(now, s.scs.nr, s.scs.ns));
  if (helped && recovery_.duration()) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*recovery_.duration());
    announce(ctx, {EventKind::peer_recovered, local_id_, 0, std::nullopt,
                   "failover-protocol in " + std::to_string(ms.count()) + " ms"});
  }
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
  if (checkpointed_) ctx.outputs.checkpoint(TunnelMoved{local_id_, peer_, local_});
  announce(ctx, {EventKind::tunnel_moved, local_id_, 0, std::nullopt, what});
}

void Tunnel::withdraw_suggested_reset(Time now, TunnelContext& ctx, std::string reason) {
  HL2TP_INVARIANT(suggestion_);
  suggestion_.reset();
  channel_.limit_transmission(now, std::nullopt);
  ctx.outputs.checkpoint(RecoverySuggestionWithdrawn{local_id_});
  if (recovery_.state == RecoveryState::helping) recovery_ = before_helping_;
  announce(ctx, {EventKind::recovery_suggestion_withdrawn, local_id_, 0, std::nullopt,
                 std::move(reason)});
  flush(ctx);
}

std::optional<RecoveryLink> Tunnel::take_recovery_completion() {
  // Reaching established is what counts: the peer's StopCCN may follow in the same delivery.
  if (!recovery_link_ || recovery_link_->completed || !recovery_link_->established) {
    return std::nullopt;
  }
  recovery_link_->completed = true;
  return recovery_link_;
}

void Tunnel::reset_after_recovery(Time now, TunnelContext& ctx, std::uint16_t ns,
                                  std::uint16_t nr) {
  // A reset we had suggested to the peer before (a previous incarnation's, both ends having
  // failed) is void now: the numbering is the peer's suggestion, and an Nr that happens to equal
  // ours must not reset the channel a second time (campaign, seed 65222). The reset's record
  // clears it in the store likewise.
  suggestion_.reset();
  reconcile_after_reset(now, ctx, channel_.reset(now, ns, nr));
}

void Tunnel::reconcile_after_reset(Time now, TunnelContext& ctx,
                                   const std::vector<Bytes>& flushed) {
  std::vector<std::uint16_t> to_query;
  for (const Bytes& bytes : flushed)
    reconcile_flushed(now, ctx, bytes, to_query);
  // §3.3 Step I: sessions that were not established are cleared silently, on both ends.
  std::vector<std::uint16_t> unestablished;
  for (const auto& [id, s] : sessions_) {
    // Calls waiting for the recovery never reached the wire: they go out once it is done.
    if (s.state() != session::State::established && s.state() != session::State::wait_tunnel) {
      unestablished.push_back(id);
    }
  }
  for (std::uint16_t id : unestablished)
    drop_session(ctx, id, "not established at failover (RFC 4951 Step I)");
  query_sessions(now, ctx, to_query);
  recovery_.method = ResyncMethod::failover_protocol;
  if (recovery_.state == RecoveryState::helping) {
    recovery_.state = RecoveryState::recovered;
    recovery_.finished = now;
  }
  hello_due_ = now + settings_->hello_interval;
  check_recovered(now, ctx);
  flush(ctx);
}

void Tunnel::reconcile_flushed(Time now, TunnelContext& ctx, const Bytes& bytes,
                               std::vector<std::uint16_t>& to_query) {
  // §3.2.2 flushes what was in flight. What the peer may not have received and must still learn
  // goes again as a new message: a disconnect (CDN, StopCCN; docs/failover.md §3 step 3) or an FSQ
  // or FSR. A connect (ICCN/OCCN) the peer may have missed leaves the session in doubt: it is
  // queried (§3.3 Step III). Set-up messages are settled by Step I; the rest needs nothing.
  auto m = wire::decode_control(bytes, {.secret = settings_->secret});
  if (!m || !m->type()) return;
  switch (*m->type()) {
    case MessageType::CDN:
    case MessageType::StopCCN:
    case MessageType::FSQ:
    case MessageType::FSR: {
      std::erase_if(m->avps, [](const wire::Avp& a) { return a.is<AvpType::RandomVector>(); });
      for (wire::Avp& a : m->avps)
        a.hidden = false;  // send() hides again, under a fresh Random Vector
      send(now, ctx, std::move(*m));
      break;
    }
    case MessageType::ICCN:
    case MessageType::OCCN:
      for (const auto& [id, s] : sessions_) {
        if (s.peer_id() == m->header.session_id && s.state() == session::State::established) {
          to_query.push_back(id);
        }
      }
      break;
    default:
      break;
  }
}

void Tunnel::query_sessions(Time now, TunnelContext& ctx, const std::vector<std::uint16_t>& ids) {
  // Never to a peer that did not advertise capability: xl2tpd clears the tunnel on message types
  // it does not know, M=0 or not (docs/peer-behaviour.md §1.4).
  if (!peer_capability_) return;
  constexpr std::size_t kPerMessage = 64;  // 64 × 16 octets: well inside any MTU's worth
  std::vector<wire::FailoverSessionState> batch;
  auto send_batch = [&] {
    if (batch.empty()) return;
    send(now, ctx, wire::make_fsq(batch));
    batch.clear();
  };
  for (std::uint16_t id : ids) {
    auto it = sessions_.find(id);
    if (it == sessions_.end() || !queried_.insert(id).second) continue;
    ++recovery_.sessions_queried;
    batch.push_back({id, it->second.peer_id()});
    if (batch.size() == kPerMessage) send_batch();
  }
  send_batch();
}

void Tunnel::on_fsq(Time now, TunnelContext& ctx, const ControlMessage& m) {
  // §3.3: one answer per query. A pair we hold established is confirmed; anything else is answered
  // with Session ID 0, and a session of ours paired with another peer ID is marked stale and
  // queried in turn, never cleared on the peer's word alone.
  std::vector<wire::FailoverSessionState> answers;
  std::vector<std::uint16_t> stale;
  for (const wire::FailoverSessionState& q : m.get_all<AvpType::FailoverSessionState>()) {
    auto it = sessions_.find(q.remote_session_id);
    const bool ours = it != sessions_.end() && it->second.state() == session::State::established;
    if (ours && it->second.peer_id() == q.session_id) {
      answers.push_back({it->first, q.session_id});
    } else {
      answers.push_back({0, q.session_id});
      if (ours) stale.push_back(it->first);
    }
  }
  constexpr std::size_t kPerMessage = 64;
  for (std::size_t i = 0; i < answers.size(); i += kPerMessage) {
    const std::size_t n = std::min(kPerMessage, answers.size() - i);
    send(now, ctx, wire::make_fsr(std::span(answers).subspan(i, n)));
  }
  query_sessions(now, ctx, stale);
}

void Tunnel::on_fsr(Time now, TunnelContext& ctx, const ControlMessage& m) {
  // §3.3: Session ID 0 means the peer does not hold the session: cleared silently. A resent answer
  // (after a second reset) is applied like the first: it is still true.
  for (const wire::FailoverSessionState& a : m.get_all<AvpType::FailoverSessionState>()) {
    queried_.erase(a.remote_session_id);
    auto it = sessions_.find(a.remote_session_id);
    if (it == sessions_.end()) continue;
    if (a.session_id == 0) {
      drop_session(ctx, a.remote_session_id, "peer does not hold it (FSR)");
    }
  }
  check_recovered(now, ctx);
}

void Tunnel::drop_session(TunnelContext& ctx, std::uint16_t session_id, const std::string& reason) {
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return;
  if (it->second.was_established()) ctx.outputs.checkpoint(SessionRemoved{local_id_, session_id});
  ctx.outputs.event(session_event(EventKind::session_closed, it->second, std::nullopt, reason));
  forget_session(session_id);
  --ctx.total_sessions;
  queried_.erase(session_id);
  ++recovery_.sessions_cleared;
}

void Tunnel::check_recovered(Time now, TunnelContext& ctx) {
  if (recovery_.state != RecoveryState::recovering) return;
  const bool done = recovery_.method == ResyncMethod::failover_protocol
                        ? !channel_.paused() && queried_.empty()
                        : !channel::sequence_before(channel_.oldest_unacked(), silent_target_ns_);
  if (!done) return;
  recovery_.state = RecoveryState::recovered;
  recovery_.finished = now;
  start_waiting_calls(now, ctx);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - *recovery_.started);
  ctx.outputs.event(
      {EventKind::recovery_completed, local_id_, 0, std::nullopt,
       std::string(name(recovery_.method)) + " in " + std::to_string(ms.count()) + " ms"});
}

void Tunnel::clear_silently(Time now, TunnelContext& ctx, std::string reason) {
  recovery_.state = RecoveryState::failed;
  recovery_.finished = now;
  recovery_.failure = reason;
  ctx.outputs.event({EventKind::recovery_failed, local_id_, 0, std::nullopt, reason});
  finish(ctx, "recovery failed: " + reason);
}

void Tunnel::announce(TunnelContext& ctx, Event e) {
  if (recovery_link_) return;
  e.peer = peer_;
  e.peer_tunnel_id = peer_id_;
  ctx.outputs.event(std::move(e));
}

Event Tunnel::session_event(EventKind kind, const session::Session& s,
                            std::optional<wire::ResultCode> result, std::string reason) const {
  Event e{kind, local_id_, s.local_id(), std::move(result), std::move(reason)};
  e.peer = peer_;
  e.peer_tunnel_id = peer_id_;
  e.peer_session_id = s.peer_id();
  e.call_serial = s.parameters().call_serial_number;
  return e;
}

Tunnel Tunnel::restored_closing(Time now, TunnelContext& ctx,
                                std::shared_ptr<const TunnelSettings> settings,
                                const TunnelEstablished& record) {
  Tunnel t = from_record(std::move(settings), record, State::closing);
  t.channel_.restore(now, record.channel);
  t.channel_.journal().clear();
  t.flush(ctx);
  return t;
}

void Tunnel::open(Time now, TunnelContext& ctx, std::optional<wire::TieBreakerValue> tie_breaker) {
  originator_ = true;
  tie_breaker_ = tie_breaker;
  ControlMessage sccrq = start_control_message(MessageType::SCCRQ);
  if (tie_breaker) sccrq.add<AvpType::TieBreaker>(*tie_breaker);
  if (auto challenge = take_challenge(ctx)) sccrq.add<AvpType::Challenge>(std::move(*challenge));
  state_ = State::wait_ctl_reply;
  setup_deadline_ = now + setup_timeout();
  send(now, ctx, std::move(sccrq));
  flush(ctx);
}

void Tunnel::receive(Time now, TunnelContext& ctx, ControlMessage message) {
  if (state_ == State::dead) return;
  for (ControlMessage& m : channel_.receive(now, std::move(message))) {
    if (state_ == State::dead || state_ == State::stopped) break;
    const auto type = m.type();
    process(now, ctx, m);
    // The last message of a set-up waits for no reply: its sender's channel stays busy until our
    // ack, which the 20-ms delay would hold back for nothing (daemon benchmark: 500 tunnels took
    // 28 ms, 20 of them that delay). A HELLO gets no reply either, and a peer that recovers
    // silently waits for this ack to finish (a restart of 1,000 tunnels spent the 20 ms waiting).
    if (type == MessageType::SCCCN || type == MessageType::ICCN || type == MessageType::OCCN ||
        type == MessageType::HELLO) {
      channel_.acknowledge_soon(now);
    }
  }
  if (state_ == State::established) hello_due_ = now + settings_->hello_interval;
  check_recovered(now, ctx);
  flush(ctx);
}

void Tunnel::process(Time now, TunnelContext& ctx, const ControlMessage& m) {
  const auto type = m.type();
  if (!type) return;
  if (settings_->message_types && settings_->message_types->clears_tunnel(*type)) {
    return close(now, ctx, result_code(wire::StopCcnResult::general_error, "unknown message type"));
  }
  if (!wire::is_known(*type)) {
    // §4.4.1: an unknown message type with M=1 clears the tunnel; with M=0 it is ignored.
    if (m.avps.front().mandatory) {
      close(now, ctx,
            result_code(wire::StopCcnResult::general_error, "unknown mandatory message type",
                        wire::GeneralError::unknown_mandatory_avp));
    }
    return;
  }
  if (auto unknown = m.first_unrecognized_mandatory_avp()) {
    // §4.1: an unrecognised M=1 AVP ends the session, or the tunnel for a tunnel message.
    const std::string what = "unknown mandatory AVP " + std::to_string(unknown->attribute_type);
    if (wire::is_session_scoped(*type) && m.header.session_id != 0) {
      if (auto it = sessions_.find(m.header.session_id); it != sessions_.end()) {
        apply(now, ctx, it->second,
              it->second.close(result_code(wire::CdnResult::general_error, what,
                                           wire::GeneralError::unknown_mandatory_avp)));
      }
      return;
    }
    close(now, ctx,
          result_code(wire::StopCcnResult::general_error, what,
                      wire::GeneralError::unknown_mandatory_avp));
    return;
  }
  if (*type == MessageType::StopCCN) return on_stopccn(now, ctx, m);

  switch (state_) {
    case State::idle:
      if (*type == MessageType::SCCRQ) return on_sccrq(now, ctx, m);
      break;
    case State::wait_ctl_reply:
      if (*type == MessageType::SCCRP) return on_sccrp(now, ctx, m);
      break;
    case State::wait_ctl_conn:
      if (*type == MessageType::SCCCN) return on_scccn(now, ctx, m);
      break;
    case State::established:
      if (*type == MessageType::HELLO) return;  // it only needs its ack
      // RFC 4951 §3.2.1: a recovery tunnel carries nothing but set-up, Hello and StopCCN.
      if (recovery_link_) return;
      if (*type == MessageType::FSQ || *type == MessageType::FSR) {
        // RFC 4951 §3.3 between ends that advertised failover capability only: a peer that did not
        // cannot expect an answer, and one that is xl2tpd-like would clear the tunnel on an FSR
        // (docs/peer-behaviour.md §1.4). Acknowledged by the channel, not answered.
        if (!peer_capability_) {
          ++ctx.failover_messages_ignored;
          return;
        }
        return *type == MessageType::FSQ ? on_fsq(now, ctx, m) : on_fsr(now, ctx, m);
      }
      if (wire::is_session_scoped(*type)) return on_session_message(now, ctx, m);
      break;
    case State::closing:
    case State::stopped:
    case State::dead:
      return;  // only the channel's acks matter now
  }
  // §7.2.1: a message the state table does not allow clears the tunnel.
  close(now, ctx,
        result_code(wire::StopCcnResult::fsm_error,
                    std::string(wire::name(*type)) + " in state " + std::string(name(state_))));
}

void Tunnel::on_sccrq(Time now, TunnelContext& ctx, const ControlMessage& m) {
  if (!learn_peer(now, ctx, m)) return;
  ControlMessage sccrp = start_control_message(MessageType::SCCRP);
  if (!answer_challenge(now, ctx, m, MessageType::SCCRP, sccrp)) return;
  if (auto challenge = take_challenge(ctx)) sccrp.add<AvpType::Challenge>(std::move(*challenge));
  state_ = State::wait_ctl_conn;
  // A recovery tunnel we answer waits for its SCCCN no longer than the failed end waits for our
  // SCCRP: until then the old tunnel takes nothing in (receive()), and the failed end's messages
  // on it must still be within their retransmission cycle when it does.
  setup_deadline_ =
      now + (recovery_link_
                 ? std::chrono::milliseconds(settings_->failover.recovery_tunnel_timeout_ms)
                 : setup_timeout());
  send(now, ctx, std::move(sccrp));
}

void Tunnel::on_sccrp(Time now, TunnelContext& ctx, const ControlMessage& m) {
  if (!learn_peer(now, ctx, m)) return;
  if (!response_is_valid(m, MessageType::SCCRP)) {
    return close(now, ctx,
                 result_code(wire::StopCcnResult::not_authorized, "challenge response mismatch"));
  }
  if (recovery_link_) {
    // §3.2.2: the old tunnel restarts at the suggested numbers, or at 0/0 without an SCS AVP.
    const auto* scs = m.get<AvpType::SuggestedControlSequence>();
    recovery_link_->suggested = scs ? *scs : wire::SuggestedControlSequence{};
  }
  ControlMessage scccn = wire::make_scccn();
  if (!answer_challenge(now, ctx, m, MessageType::SCCCN, scccn)) return;
  send(now, ctx, std::move(scccn));
  established(now, ctx);
}

void Tunnel::on_scccn(Time now, TunnelContext& ctx, const ControlMessage& m) {
  if (!response_is_valid(m, MessageType::SCCCN)) {
    return close(now, ctx,
                 result_code(wire::StopCcnResult::not_authorized, "challenge response mismatch"));
  }
  established(now, ctx);
}

void Tunnel::established(Time now, TunnelContext& ctx) {
  state_ = State::established;
  setup_deadline_.reset();
  if (recovery_link_) {  // transient: never in the database; the engine acts on it
    recovery_link_->established = true;
    return;
  }
  checkpointed_ = true;
  // The method is fixed now, and stored with the tunnel (docs/failover.md §2).
  resync_method_ = effective_method(settings_->failover.resync, peer_capability_);
  channel_.set_recovery_hold(
      std::chrono::milliseconds(recovery_hold_ms(settings_->failover, peer_capability_)));
  channel_.journal().clear();  // what it held is in the state below
  ctx.outputs.checkpoint(
      TunnelEstablished{local_id_, peer_id_, peer_, originator_, peer_host_name_, peer_window_,
                        peer_capability_, resync_method_, channel_.state(),
                        session_id_limit_.value_or(next_session_id_.value_or(0)), local_});
  hello_due_ = now + settings_->hello_interval;
  announce(ctx, {EventKind::tunnel_established, local_id_, 0, std::nullopt, peer_host_name_});
  start_waiting_calls(now, ctx);
}

void Tunnel::start_waiting_calls(Time now, TunnelContext& ctx) {
  // §7.4.1/§7.5.2: "tunnel-open" to the sessions waiting for it, in the order they were placed
  // (issue 13, point 13: the map's order sent them shuffled).
  const std::vector<std::uint16_t> waiting = std::move(waiting_);
  waiting_.clear();
  for (std::uint16_t id : waiting) {
    auto it = sessions_.find(id);
    if (it != sessions_.end() && it->second.state() == session::State::wait_tunnel) {
      apply(now, ctx, it->second, it->second.start());
    }
  }
}

void Tunnel::on_stopccn(Time now, TunnelContext& ctx, const ControlMessage& m) {
  // §5.7: clean up, ack (the channel does), and keep the state for a full retransmission cycle.
  const auto* result = m.get<AvpType::ResultCode>();
  close_result_ = result ? *result : ResultCode{};
  end_sessions(ctx, "tunnel stopped by peer");
  if (state_ != State::closing) {
    announce(ctx, {EventKind::tunnel_closed, local_id_, 0, close_result_, "StopCCN from peer"});
  }
  state_ = State::stopped;
  hold_until_ = now + stop_hold();
  hello_due_.reset();
}

void Tunnel::on_call_request(Time now, TunnelContext& ctx, const ControlMessage& m) {
  const bool incoming = *m.type() == MessageType::ICRQ;
  if (!(incoming ? settings_->accept_incoming_calls : settings_->accept_outgoing_calls)) {
    return refuse_call(now, ctx, m,
                       result_code(wire::CdnResult::no_facilities_permanent,
                                   incoming ? "not an LNS" : "not a LAC"));
  }
  if (sessions_.size() >= settings_->max_sessions || ctx.total_sessions >= ctx.max_total_sessions) {
    ++ctx.refused_sessions;
    return refuse_call(now, ctx, m,
                       result_code(wire::CdnResult::no_facilities_temporary, "session limit",
                                   wire::GeneralError::insufficient_resources));
  }
  // RFC 4951 §3.3: a call request naming, as its Assigned Session ID, the peer ID of a session we
  // hold established means the peer no longer holds that session (it reuses only free IDs): the
  // request is refused with a CDN carrying our ID for the old session, which is cleared.
  const std::uint16_t requested = *m.get<AvpType::AssignedSessionId>();
  // Looked up in an index: a scan of the tunnel's sessions per request made set-up quadratic
  // (100,000 calls over 16 tunnels: 5,500/s against 30,000/s for 10,000; issue 7's profile).
  if (const std::optional<std::uint16_t> old = established_by_peer_.find(requested)) {
    const std::uint16_t ours = *old;
    auto held = sessions_.find(ours);
    if (held != sessions_.end() && held->second.peer_id() == requested &&
        held->second.state() == session::State::established) {
      ControlMessage cdn =
          wire::make_cdn(ours, result_code(wire::CdnResult::general_error, "session ID collision",
                                           wire::GeneralError::invalid_session_id));
      cdn.header.session_id = requested;
      send(now, ctx, std::move(cdn));
      drop_session(ctx, ours, "session ID collision (RFC 4951 §3.3)");
      return;
    }
  }
  const std::uint16_t id = allocate_session_id(ctx);
  auto [it, inserted] = sessions_.emplace(
      id,
      session::Session(id, incoming ? session::Role::lns : session::Role::lac,
                       incoming ? session::Direction::incoming : session::Direction::outgoing, {}));
  ++ctx.total_sessions;
  track_setup(now, id);
  apply(now, ctx, it->second, it->second.accept_request(m));
  // Our bearer is virtual: an outgoing call is answered at once (§7.5.1 wait-cs-answer → OCCN).
  if (!incoming) apply(now, ctx, it->second, it->second.answer());
}

void Tunnel::refuse_call(Time now, TunnelContext& ctx, const ControlMessage& request,
                         ResultCode result) {
  // §7.4.2: ICRQ not acceptable → CDN. We assigned no session, so Assigned Session ID is 0.
  ControlMessage cdn = wire::make_cdn(0, std::move(result));
  cdn.header.session_id = *request.get<AvpType::AssignedSessionId>();
  send(now, ctx, std::move(cdn));
}

void Tunnel::on_session_message(Time now, TunnelContext& ctx, const ControlMessage& m) {
  const MessageType type = *m.type();
  if (type == MessageType::ICRQ || type == MessageType::OCRQ) return on_call_request(now, ctx, m);
  auto it = sessions_.find(m.header.session_id);
  if (it == sessions_.end() && type == MessageType::CDN && m.header.session_id == 0) {
    // §6.12: the peer may not know our ID yet; its Assigned Session ID names the call.
    const std::uint16_t peer_session = *m.get<AvpType::AssignedSessionId>();
    for (auto s = sessions_.begin(); s != sessions_.end(); ++s) {
      if (s->second.peer_id() == peer_session) it = s;
    }
  }
  if (it == sessions_.end()) return disown_call(now, ctx, m);
  if (type == MessageType::CDN) {
    // §6.12: the CDN's Assigned Session ID is the sender's ID for the call. Once we know it, a CDN
    // naming another is about an earlier call that had this ID: stale, and only acked.
    const std::uint16_t peer_session = *m.get<AvpType::AssignedSessionId>();
    if (it->second.peer_id() != 0 && peer_session != 0 && peer_session != it->second.peer_id()) {
      return;
    }
  }
  if (type == MessageType::WEN || type == MessageType::SLI) {
    ctx.outputs.event(
        {type == MessageType::WEN ? EventKind::wan_error_notify : EventKind::set_link_info,
         local_id_, it->first, std::nullopt, ""});
    return;
  }
  apply(now, ctx, it->second, it->second.receive(m));
}

void Tunnel::disown_call(Time now, TunnelContext& ctx, const ControlMessage& m) {
  // A reply or connect for a call we do not hold: the peer holds a call we forgot (a restart
  // between answering it and its becoming established) or one we just cleared. Tell it, so that its
  // half does not stay up (docs/failover.md §3 step 1). Our CDN names our former ID; a peer that
  // already cleared the call ignores it. Anything else (CDN, WEN, SLI) only needs its ack.
  const MessageType type = *m.type();
  if (type != MessageType::ICRP && type != MessageType::OCRP && type != MessageType::ICCN &&
      type != MessageType::OCCN) {
    return;
  }
  ControlMessage cdn = wire::make_cdn(m.header.session_id,
                                      result_code(wire::CdnResult::general_error, "no such call",
                                                  wire::GeneralError::invalid_session_id));
  // ICRP/OCRP name the peer's ID for the call; after ICCN/OCCN only our own is known, and the peer
  // finds its call by it (§6.12, header session ID 0).
  const auto* peer_session = m.get<AvpType::AssignedSessionId>();
  cdn.header.session_id = peer_session ? *peer_session : 0;
  ++ctx.disowned_calls;
  send(now, ctx, std::move(cdn));
}

void Tunnel::apply(Time now, TunnelContext& ctx, session::Session& s, session::Step step) {
  const std::uint16_t id = s.local_id();
  if (step.send) send(now, ctx, std::move(*step.send));
  if (step.established) {
    s.set_established_at(now);
    ctx.outputs.checkpoint(SessionEstablished{local_id_, id, s.peer_id(), s.role(), s.direction(),
                                              s.parameters(), now});
    ctx.outputs.event(session_event(EventKind::session_established, s, std::nullopt, ""));
    established_by_peer_.assign(s.peer_id(), id);
  }
  if (step.ended) {
    if (s.was_established()) ctx.outputs.checkpoint(SessionRemoved{local_id_, id});
    ctx.outputs.event(session_event(EventKind::session_closed, s, step.ended, ""));
    // Its set-up deadline, if any, is dropped lazily by expire_setups().
    forget_session(id);
    queried_.erase(id);  // nothing left to reconcile
    --ctx.total_sessions;
  }
}

void Tunnel::forget_session(std::uint16_t id) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  established_by_peer_.erase(it->second.peer_id(), id);
  sessions_.erase(it);
}

std::uint16_t Tunnel::allocate_session_id(TunnelContext& ctx) {
  if (!next_session_id_) {
    std::byte raw[2];
    ctx.random.fill(raw);
    next_session_id_ = static_cast<std::uint16_t>((std::to_integer<unsigned>(raw[0]) << 8) |
                                                  std::to_integer<unsigned>(raw[1]));
  }
  // §5.3: 0 is never assigned. max_sessions < 65535 guarantees a free ID within one lap.
  for (std::uint32_t tries = 0; tries <= 0xFFFF; ++tries) {
    if (!session_id_limit_ || *next_session_id_ == *session_id_limit_) {
      // Reserve the next block durably before any ID of it can reach the peer (write-ahead):
      // one record per block keeps this off the per-call cost.
      session_id_limit_ = static_cast<std::uint16_t>(*next_session_id_ + kSessionIdBlock);
      if (checkpointed_) ctx.outputs.checkpoint(SessionIdsReserved{local_id_, *session_id_limit_});
    }
    const std::uint16_t id = (*next_session_id_)++;
    if (id != 0 && !sessions_.contains(id)) return id;
  }
  return 0;
}

void Tunnel::track_setup(Time now, std::uint16_t session_id) {
  setup_deadlines_.insert({now + settings_->session_setup_timeout, session_id});
}

void Tunnel::expire_setups(Time now, TunnelContext& ctx) {
  while (!setup_deadlines_.empty() && setup_deadlines_.begin()->first <= now) {
    const std::uint16_t id = setup_deadlines_.begin()->second;
    setup_deadlines_.erase(setup_deadlines_.begin());
    auto it = sessions_.find(id);
    if (it == sessions_.end() || it->second.state() == session::State::established) continue;
    apply(now, ctx, it->second,
          it->second.close(result_code(wire::CdnResult::timeout, "call set-up timed out")));
  }
}

Result<std::uint16_t, std::string> Tunnel::open_session(Time now, TunnelContext& ctx,
                                                        session::Direction direction,
                                                        session::CallParameters parameters) {
  const bool incoming = direction == session::Direction::incoming;
  if (!(incoming ? settings_->place_incoming_calls : settings_->place_outgoing_calls)) {
    return unexpected(std::string(incoming ? "not a LAC" : "not an LNS"));
  }
  const bool awaiting_turn = state_ == State::idle && originator_;
  if (state_ != State::established && state_ != State::wait_ctl_reply &&
      state_ != State::wait_ctl_conn && !awaiting_turn) {
    return unexpected(std::string("tunnel is ") + std::string(name(state_)));
  }
  // RFC 4951 §3.2.2 and docs/failover.md §3 step 2: no new session goes out on a tunnel being
  // recovered; the request waits (as before the tunnel's set-up) until the recovery completes,
  // bounded by the call set-up timeout.
  if (recovery_link_) return unexpected(std::string("not on a recovery tunnel"));
  if (sessions_.size() >= settings_->max_sessions || ctx.total_sessions >= ctx.max_total_sessions) {
    return unexpected(std::string("session limit"));
  }
  if (channel_.queued() >= settings_->channel.max_queued) {
    return unexpected(std::string("control queue full"));
  }
  const std::uint16_t id = allocate_session_id(ctx);
  auto [it, inserted] =
      sessions_.emplace(id, session::Session(id, incoming ? session::Role::lac : session::Role::lns,
                                             direction, std::move(parameters)));
  ++ctx.total_sessions;
  track_setup(now, id);
  if (state_ == State::established && !recovering()) {
    apply(now, ctx, it->second, it->second.start());
  } else {
    waiting_.push_back(id);
  }
  flush(ctx);
  return id;
}

void Tunnel::adopt_waiting_session(Time now, TunnelContext& ctx, session::Session s) {
  // The session keeps its ID if free here, so the operator's handle stays valid where possible.
  const std::uint16_t id =
      sessions_.contains(s.local_id()) ? allocate_session_id(ctx) : s.local_id();
  session::Session moved(id, s.role(), s.direction(), s.parameters());
  auto [it, inserted] = sessions_.emplace(id, std::move(moved));
  ++ctx.total_sessions;
  track_setup(now, id);
  if (state_ == State::established && !recovering()) {
    apply(now, ctx, it->second, it->second.start());
  } else {
    waiting_.push_back(id);
  }
  flush(ctx);
}

bool Tunnel::close_session(Time now, TunnelContext& ctx, std::uint16_t session_id,
                           ResultCode result) {
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return false;
  apply(now, ctx, it->second, it->second.close(std::move(result)));
  flush(ctx);
  return true;
}

bool Tunnel::send_call_info(Time now, TunnelContext& ctx, std::uint16_t session_id,
                            ControlMessage message) {
  auto it = sessions_.find(session_id);
  if (state_ != State::established || it == sessions_.end() ||
      it->second.state() != session::State::established) {
    return false;
  }
  message.header.session_id = it->second.peer_id();
  send(now, ctx, std::move(message));
  flush(ctx);
  return true;
}

void Tunnel::end_sessions(TunnelContext& ctx, const std::string& reason, bool stopccn_pending) {
  // The tunnel leaves the database, and its sessions with it: one record says both.
  if (checkpointed_ && stopccn_pending) {
    ctx.outputs.checkpoint(TunnelClosing{local_id_});
  } else if (checkpointed_) {
    ctx.outputs.checkpoint(TunnelRemoved{local_id_});
    checkpointed_ = false;
  }
  for (auto& [id, s] : sessions_)
    ctx.outputs.event(session_event(EventKind::session_closed, s, std::nullopt, reason));
  ctx.total_sessions -= sessions_.size();
  sessions_.clear();
  established_by_peer_.clear();
  setup_deadlines_.clear();
}

void Tunnel::close(Time now, TunnelContext& ctx, ResultCode result) {
  if (state_ == State::closing || state_ == State::stopped || state_ == State::dead) return;
  end_sessions(ctx, "tunnel closed", /*stopccn_pending=*/peer_id_ != 0);
  announce(ctx, {EventKind::tunnel_closed, local_id_, 0, result, "closed by us"});
  close_result_ = result;
  hello_due_.reset();
  if (peer_id_ == 0) {
    // The peer never told us its tunnel ID (§7.2.1 idle/wait-ctl-reply): no StopCCN can reach it.
    state_ = State::dead;
    return;
  }
  send(now, ctx, wire::make_stopccn(local_id_, std::move(result)));
  state_ = State::closing;
  flush(ctx);
}

std::vector<session::Session> Tunnel::discard(TunnelContext& ctx) {
  // In the order they were placed, so that they go out so on the tunnel that takes them.
  std::vector<session::Session> waiting;
  for (std::uint16_t id : waiting_) {
    if (auto it = sessions_.find(id); it != sessions_.end()) waiting.push_back(it->second);
  }
  for (auto& [id, s] : sessions_) {
    if (std::find(waiting_.begin(), waiting_.end(), id) == waiting_.end()) waiting.push_back(s);
  }
  waiting_.clear();
  ctx.total_sessions -= sessions_.size();
  sessions_.clear();
  established_by_peer_.clear();
  setup_deadlines_.clear();
  state_ = State::dead;
  return waiting;
}

void Tunnel::finish(TunnelContext& ctx, std::string reason) {
  if (state_ != State::closing && state_ != State::stopped) {
    end_sessions(ctx, reason);
    announce(ctx, {EventKind::tunnel_closed, local_id_, 0, std::nullopt, reason});
  }
  state_ = State::dead;
}

void Tunnel::handle_timeout(Time now, TunnelContext& ctx) {
  if (state_ == State::dead) return;
  channel_.handle_timeout(now);
  if (channel_.failed()) {
    // §5.8: retransmissions spent: the tunnel and all its sessions are cleared, without StopCCN.
    flush(ctx);
    // Loss, or (the peer answering all along without acknowledging) sequence numbers apart.
    return finish(ctx, channel_.answers_without_ack() >= 3
                           ? "retransmissions exhausted, the peer answering without acknowledging"
                           : "retransmissions exhausted");
  }
  if (state_ == State::closing && channel_.quiet()) {
    state_ = State::stopped;
    hold_until_ = now + stop_hold();
    if (checkpointed_) {
      ctx.outputs.checkpoint(TunnelRemoved{local_id_});  // the StopCCN was acknowledged
      checkpointed_ = false;
    }
  }
  if (state_ == State::stopped && hold_until_ && *hold_until_ <= now) state_ = State::dead;
  if ((state_ == State::wait_ctl_reply || state_ == State::wait_ctl_conn) && setup_deadline_ &&
      *setup_deadline_ <= now) {
    close(now, ctx, result_code(wire::StopCcnResult::general_error, "tunnel set-up timed out"));
  }
  if (state_ == State::established) expire_setups(now, ctx);
  if (state_ == State::established && hello_due_ && *hello_due_ <= now) {
    // §5.5: nothing heard for the Hello interval: a HELLO; its loss clears the tunnel through §5.8.
    // While recovering we answer Hellos but originate none (docs/failover.md §3 step 2, as Junos
    // does), for one Hello interval: a recovery still open by then waits on a peer that may be gone
    // (it crashed again and lost the tunnel), and only a Hello finds out. Queries still unanswered
    // are asked again, in case the answer was lost to a second reset (campaign, seed 167207).
    const bool overdue =
        recovering() && recovery_.started && now - *recovery_.started >= settings_->hello_interval;
    if (!recovering() || overdue) send(now, ctx, wire::make_hello());
    if (overdue && !queried_.empty()) {
      const std::vector<std::uint16_t> again(queried_.begin(), queried_.end());
      queried_.clear();
      query_sessions(now, ctx, again);
    }
    hello_due_ = now + settings_->hello_interval;
  }
  check_recovered(now, ctx);
  flush(ctx);
}

std::optional<Time> Tunnel::next_deadline() const {
  if (state_ == State::dead) return std::nullopt;
  std::optional<Time> next = channel_.next_deadline();
  auto consider = [&next](std::optional<Time> t) {
    if (t && (!next || *t < *next)) next = t;
  };
  if (state_ == State::established) consider(hello_due_);
  if (state_ == State::established && !setup_deadlines_.empty()) {
    consider(setup_deadlines_.begin()->first);
  }
  if (state_ == State::wait_ctl_reply || state_ == State::wait_ctl_conn) consider(setup_deadline_);
  if (state_ == State::stopped) consider(hold_until_);
  if (state_ == State::closing && channel_.quiet()) consider(Time{});  // move on to stopped now
  return next;
}

const session::Session* Tunnel::find_session(std::uint16_t session_id) const {
  auto it = sessions_.find(session_id);
  return it == sessions_.end() ? nullptr : &it->second;
}

}  // namespace hl2tp::tunnel

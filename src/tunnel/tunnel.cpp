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
using wire::result_code;
using wire::ResultCode;

constexpr std::size_t kChallengeLength = 16;

}  // namespace

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
          ctx.out.record(ChannelQueued{local_id_, j.value, std::move(j.bytes)});
          break;
        case channel::JournalEntry::Kind::acked:
          ctx.out.record(ChannelAcked{local_id_, j.value});
          break;
        case channel::JournalEntry::Kind::received:
          ctx.out.record(ChannelReceived{local_id_, j.value});
          break;
        case channel::JournalEntry::Kind::reset:
          ctx.out.record(ChannelReset{local_id_, j.value, j.reset_nr});
          break;
      }
    }
  }
  channel_.journal().clear();
  for (Bytes& bytes : channel_.outbox())
    ctx.out.transmit({peer_, std::move(bytes), local_});
  channel_.outbox().clear();
}

void Tunnel::record(TunnelContext& ctx, Checkpoint r) {
  // In the order things happened: the channel's changes so far first.
  flush(ctx);
  ctx.out.record(std::move(r));
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
  // RFC 4951 §3.1, §5.2–5.3: what failover puts in a set-up message.
  if (recovery_link_) {
    recovery_link_->add_setup_avps(m);
  } else {
    failover::advertise(m, settings_->failover);
  }
  return m;
}

void Tunnel::learn_peer(const ControlMessage& m) {
  peer_id_ = *m.get<AvpType::AssignedTunnelId>();
  channel_.set_peer_tunnel_id(peer_id_);
  // §4.4.3: a peer that sends no Receive Window Size can take 4.
  if (auto* w = m.get<AvpType::ReceiveWindowSize>()) peer_window_ = *w;
  channel_.set_peer_window(peer_window_);
  peer_host_name_ = *m.get<AvpType::HostName>();
  if (auto capability = failover::advertised_by(m)) peer_capability_ = capability;
}

void Tunnel::answer_challenge(const ControlMessage& m, MessageType carried_in,
                              ControlMessage& reply) const {
  if (const auto* challenge = m.get<AvpType::Challenge>()) {
    reply.add<AvpType::ChallengeResponse>(
        wire::challenge_response(carried_in, settings_->secret, *challenge));
  }
}

std::optional<ResultCode> Tunnel::refusal_of(const ControlMessage& m, MessageType type) const {
  // §7.2.1's "acceptable", in the order the checks are made: the version we speak (§4.4.3), the
  // answer to our Challenge, and a secret to answer theirs with (§5.1.1).
  if ((type == MessageType::SCCRQ || type == MessageType::SCCRP) &&
      *m.get<AvpType::ProtocolVersion>() != wire::ProtocolVersion{1, 0}) {
    return result_code(wire::StopCcnResult::unsupported_version, "L2TPv2 only",
                       wire::GeneralError::none);
  }
  if ((type == MessageType::SCCRP || type == MessageType::SCCCN) && !response_is_valid(m, type)) {
    return result_code(wire::StopCcnResult::not_authorized, "challenge response mismatch");
  }
  if ((type == MessageType::SCCRQ || type == MessageType::SCCRP) &&
      m.get<AvpType::Challenge>() != nullptr && settings_->secret.empty()) {
    return result_code(wire::StopCcnResult::not_authorized, "no secret for this peer");
  }
  return std::nullopt;
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

void Tunnel::announce(TunnelContext& ctx, Event e) {
  if (recovery_link_) return;
  e.peer = peer_;
  e.peer_tunnel_id = peer_id_;
  ctx.out.event(std::move(e));
}

void Tunnel::enter(TunnelContext& ctx, State next) {
  HL2TP_INVARIANT(state_ != State::dead);  // a dead tunnel is only removed
  // A recovery tunnel still at work that stops (the peer refused it, it timed out, or one we
  // answered closed waiting for its SCCCN) has failed: the engine acts for the old tunnel now, not
  // when the StopCCN hold ends a full retransmission cycle later.
  auto ended = [this](State s) {
    return s == State::dead || s == State::stopped || (s == State::closing && !originator_);
  };
  const bool ends_now = ended(next) && !ended(state_);
  state_ = next;
  if (ends_now && recovery_link_ && recovery_link_->at_work()) {
    ctx.out.request({EngineRequest::Kind::recovery_tunnel_ended, local_id_});
  }
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
  perform(now, ctx, ConnectionEvent::local_open_request, {});
  flush(ctx);
}

void Tunnel::close(Time now, TunnelContext& ctx, ResultCode result) {
  perform(now, ctx, ConnectionEvent::admin_tunnel_close, {.result = std::move(result)});
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
  act(now, ctx, recovery_.check(now, channel_));
  flush(ctx);
}

void Tunnel::process(Time now, TunnelContext& ctx, const ControlMessage& m) {
  const auto type = m.type();
  if (!type) return;
  if (settings_->message_types && settings_->message_types->clears_tunnel(*type)) {
    return stop(now, ctx, result_code(wire::StopCcnResult::general_error, "unknown message type"));
  }
  if (!wire::is_known(*type)) {
    // §4.4.1: an unknown message type with M=1 clears the tunnel; with M=0 it is ignored.
    if (m.avps.front().mandatory) {
      stop(now, ctx,
           result_code(wire::StopCcnResult::general_error, "unknown mandatory message type",
                       wire::GeneralError::unknown_mandatory_avp));
    }
    return;
  }
  if (auto unknown = m.first_unrecognized_mandatory_avp()) {
    // §4.1: an unrecognised M=1 AVP ends the session, or the tunnel for a tunnel message.
    const std::string what = "unknown mandatory AVP " + std::to_string(unknown->attribute_type);
    if (wire::is_session_scoped(*type) && m.header.session_id != 0) {
      if (session::Session* s = calls_.find(m.header.session_id)) {
        apply(now, ctx, *s,
              s->close(result_code(wire::CdnResult::general_error, what,
                                   wire::GeneralError::unknown_mandatory_avp)));
      }
      return;
    }
    stop(now, ctx,
         result_code(wire::StopCcnResult::general_error, what,
                     wire::GeneralError::unknown_mandatory_avp));
    return;
  }
  auto [event, refusal] = classify(m, *type);
  perform(now, ctx, event, {.message = &m, .result = std::move(refusal)});
}

std::pair<ConnectionEvent, std::optional<ResultCode>> Tunnel::classify(const ControlMessage& m,
                                                                       MessageType type) const {
  using enum ConnectionEvent;
  std::optional<ResultCode> refusal = refusal_of(m, type);
  switch (type) {
    case MessageType::SCCRQ:
      return {refusal ? receive_sccrq_not_acceptable : receive_sccrq_acceptable, refusal};
    case MessageType::SCCRP:
      return {refusal ? receive_sccrp_not_acceptable : receive_sccrp_acceptable, refusal};
    case MessageType::SCCCN:
      return {refusal ? receive_scccn_not_acceptable : receive_scccn_acceptable, refusal};
    case MessageType::StopCCN:
      return {receive_stopccn, std::nullopt};
    default:
      break;
  }
  // Once set up, a recovery tunnel carries nothing but Hello and StopCCN (RFC 4951 §3.2.1).
  if (recovery_link_ && state_ == State::established && recovery_link_->ignores(type)) {
    return {receive_beyond_recovery, std::nullopt};
  }
  if (type == MessageType::HELLO) return {receive_hello, std::nullopt};
  if (type == MessageType::FSQ || type == MessageType::FSR) {
    return {receive_session_query, std::nullopt};
  }
  HL2TP_INVARIANT(wire::is_session_scoped(type));  // every known type is one of the above
  return {receive_call_message, std::nullopt};
}

void Tunnel::perform(Time now, TunnelContext& ctx, ConnectionEvent event, ConnectionInput in) {
  const ConnectionRow& row = connection_row(state_, event);
  switch (row.action) {
    case ConnectionAction::none:
      break;
    case ConnectionAction::send_sccrq:
      send_sccrq(now, ctx);
      break;
    case ConnectionAction::send_sccrp:
      send_sccrp(now, ctx, *in.message);
      break;
    case ConnectionAction::send_scccn_open_calls:
      send_scccn(now, ctx, *in.message);
      established(now, ctx);
      break;
    case ConnectionAction::open_calls:
      established(now, ctx);
      break;
    case ConnectionAction::refuse:
      // The peer's tunnel ID, from its SCCRQ or SCCRP, is where our StopCCN goes.
      if (in.message->type() != MessageType::SCCCN) learn_peer(*in.message);
      stop(now, ctx, std::move(*in.result));
      break;
    case ConnectionAction::stop:
      stop(now, ctx, std::move(*in.result));
      break;
    case ConnectionAction::refuse_out_of_place:
      stop(now, ctx,
           result_code(wire::StopCcnResult::fsm_error,
                       std::string(wire::name(*in.message->type())) + " in state " +
                           std::string(name(state_))));
      break;
    case ConnectionAction::clean_up:
      on_stopccn(now, ctx, *in.message);
      break;
    case ConnectionAction::to_call:
      on_session_message(now, ctx, *in.message);
      break;
    case ConnectionAction::to_recovery:
      on_session_query(now, ctx, *in.message);
      break;
  }
  // The row's new state; the RFC's clean-up is `dead` at once when no StopCCN can reach the peer.
  HL2TP_INVARIANT(state_ == row.next || (row.next == State::closing && state_ == State::dead));
}

void Tunnel::send_sccrq(Time now, TunnelContext& ctx) {
  ControlMessage sccrq = start_control_message(MessageType::SCCRQ);
  if (tie_breaker_) sccrq.add<AvpType::TieBreaker>(*tie_breaker_);
  if (auto challenge = take_challenge(ctx)) sccrq.add<AvpType::Challenge>(std::move(*challenge));
  enter(ctx, State::wait_ctl_reply);
  setup_deadline_ = now + setup_timeout();
  send(now, ctx, std::move(sccrq));
}

void Tunnel::send_sccrp(Time now, TunnelContext& ctx, const ControlMessage& sccrq) {
  learn_peer(sccrq);
  ControlMessage sccrp = start_control_message(MessageType::SCCRP);
  answer_challenge(sccrq, MessageType::SCCRP, sccrp);
  if (auto challenge = take_challenge(ctx)) sccrp.add<AvpType::Challenge>(std::move(*challenge));
  enter(ctx, State::wait_ctl_conn);
  // A recovery tunnel we answer waits for its SCCCN no longer than the failed end waits for our
  // SCCRP: until then the old tunnel takes nothing in (receive()), and the failed end's messages
  // on it must still be within their retransmission cycle when it does.
  setup_deadline_ =
      now + (recovery_link_
                 ? std::chrono::milliseconds(settings_->failover.recovery_tunnel_timeout_ms)
                 : setup_timeout());
  send(now, ctx, std::move(sccrp));
}

void Tunnel::send_scccn(Time now, TunnelContext& ctx, const ControlMessage& sccrp) {
  learn_peer(sccrp);
  if (recovery_link_) recovery_link_->read_reply(sccrp);
  ControlMessage scccn = wire::make_scccn();
  answer_challenge(sccrp, MessageType::SCCCN, scccn);
  send(now, ctx, std::move(scccn));
}

void Tunnel::established(Time now, TunnelContext& ctx) {
  enter(ctx, State::established);
  setup_deadline_.reset();
  if (recovery_link_) {  // transient: never in the database; the engine acts on it
    recovery_link_->establish();
    ctx.out.request({EngineRequest::Kind::recovery_tunnel_established, local_id_});
    return;
  }
  checkpointed_ = true;
  // The method is fixed now, and stored with the tunnel (docs/failover.md §2).
  resync_method_ = failover::effective_method(settings_->failover.resync, peer_capability_);
  channel_.set_recovery_hold(
      std::chrono::milliseconds(failover::recovery_hold_ms(settings_->failover, peer_capability_)));
  channel_.journal().clear();  // what it held is in the state below
  record(ctx, TunnelEstablished{local_id_, peer_id_, peer_, originator_, peer_host_name_,
                                peer_window_, peer_capability_, resync_method_, channel_.state(),
                                calls_.reserved_limit(), local_});
  hello_due_ = now + settings_->hello_interval;
  announce(ctx, {EventKind::tunnel_established, local_id_, 0, std::nullopt, peer_host_name_});
  start_waiting_calls(now, ctx);
}

void Tunnel::on_stopccn(Time now, TunnelContext& ctx, const ControlMessage& m) {
  // §5.7: clean up, ack (the channel does), and keep the state for a full retransmission cycle.
  const auto* result = m.get<AvpType::ResultCode>();
  close_result_ = result ? *result : ResultCode{};
  end_sessions(ctx, "tunnel stopped by peer");
  if (state_ != State::closing) {
    announce(ctx, {EventKind::tunnel_closed, local_id_, 0, close_result_, "StopCCN from peer"});
  }
  enter(ctx, State::stopped);
  hold_until_ = now + stop_hold();
  hello_due_.reset();
}

void Tunnel::end_sessions(TunnelContext& ctx, const std::string& reason, bool stopccn_pending) {
  // The tunnel leaves the database, and its sessions with it: one record says both.
  if (checkpointed_ && stopccn_pending) {
    record(ctx, TunnelClosing{local_id_});
  } else if (checkpointed_) {
    record(ctx, TunnelRemoved{local_id_});
    checkpointed_ = false;
  }
  for (const auto& [id, s] : calls_.sessions())
    ctx.out.event(session_event(EventKind::session_closed, s, std::nullopt, reason));
  calls_.clear();
}

void Tunnel::stop(Time now, TunnelContext& ctx, ResultCode result) {
  if (state_ == State::closing || state_ == State::stopped || state_ == State::dead) return;
  end_sessions(ctx, "tunnel closed", /*stopccn_pending=*/peer_id_ != 0);
  announce(ctx, {EventKind::tunnel_closed, local_id_, 0, result, "closed by us"});
  close_result_ = result;
  hello_due_.reset();
  if (peer_id_ == 0) {
    // The peer never told us its tunnel ID (§7.2.1 idle/wait-ctl-reply): no StopCCN can reach it.
    enter(ctx, State::dead);
    return;
  }
  send(now, ctx, wire::make_stopccn(local_id_, std::move(result)));
  enter(ctx, State::closing);
  flush(ctx);
}

std::vector<session::Session> Tunnel::discard(TunnelContext& ctx) {
  // In the order they were placed, so that they go out so on the tunnel that takes them.
  std::vector<session::Session> waiting = calls_.take_all();
  enter(ctx, State::dead);
  return waiting;
}

void Tunnel::finish(TunnelContext& ctx, std::string reason) {
  if (state_ != State::closing && state_ != State::stopped) {
    end_sessions(ctx, reason);
    announce(ctx, {EventKind::tunnel_closed, local_id_, 0, std::nullopt, reason});
  }
  enter(ctx, State::dead);
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
    enter(ctx, State::stopped);
    hold_until_ = now + stop_hold();
    if (checkpointed_) {
      record(ctx, TunnelRemoved{local_id_});  // the StopCCN was acknowledged
      checkpointed_ = false;
    }
  }
  if (state_ == State::stopped && hold_until_ && *hold_until_ <= now) enter(ctx, State::dead);
  if ((state_ == State::wait_ctl_reply || state_ == State::wait_ctl_conn) && setup_deadline_ &&
      *setup_deadline_ <= now) {
    stop(now, ctx, result_code(wire::StopCcnResult::general_error, "tunnel set-up timed out"));
  }
  if (state_ == State::established) expire_setups(now, ctx);
  if (state_ == State::established && hello_due_ && *hello_due_ <= now) {
    // §5.5: nothing heard for the Hello interval: a HELLO; its loss clears the tunnel through §5.8.
    // A recovery under way holds it back for a while (failover/tunnel_recovery.hpp).
    if (recovery_.allows_hello(now, settings_->hello_interval)) send(now, ctx, wire::make_hello());
    act(now, ctx,
        recovery_.on_hello_due(now, settings_->hello_interval, calls_.sessions(),
                               peer_capability_.has_value()));
    hello_due_ = now + settings_->hello_interval;
  }
  act(now, ctx, recovery_.check(now, channel_));
  flush(ctx);
}

std::optional<Time> Tunnel::next_deadline() const {
  if (state_ == State::dead) return std::nullopt;
  std::optional<Time> next = channel_.next_deadline();
  auto consider = [&next](std::optional<Time> t) {
    if (t && (!next || *t < *next)) next = t;
  };
  if (state_ == State::established) consider(hello_due_);
  if (state_ == State::established) consider(calls_.next_setup_deadline());
  if (state_ == State::wait_ctl_reply || state_ == State::wait_ctl_conn) consider(setup_deadline_);
  if (state_ == State::stopped) consider(hold_until_);
  if (state_ == State::closing && channel_.quiet()) consider(Time{});  // move on to stopped now
  return next;
}

}  // namespace hl2tp::tunnel

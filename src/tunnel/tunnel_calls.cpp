// The calls a tunnel carries (RFC 2661 §7.4, §7.5): placing and answering them, the session IDs it
// hands out, their set-up deadlines, and what each step of a call's machine (session/session.hpp)
// means for the wire, the store and the operator.
#include <algorithm>

#include "base/invariant.hpp"
#include "tunnel/tunnel.hpp"
#include "wire/message_builders.hpp"

namespace hl2tp::tunnel {
namespace {

using wire::AvpType;
using wire::ControlMessage;
using wire::MessageType;
using wire::result_code;
using wire::ResultCode;

}  // namespace

Event Tunnel::session_event(EventKind kind, const session::Session& s,
                            std::optional<wire::ResultCode> result, std::string reason) const {
  Event e{kind, local_id_, s.local_id(), std::move(result), std::move(reason)};
  e.peer = peer_;
  e.peer_tunnel_id = peer_id_;
  e.peer_session_id = s.peer_id();
  e.call_serial = s.parameters().call_serial_number;
  return e;
}

void Tunnel::start_waiting_calls(Time now, TunnelContext& ctx) {
  // §7.4.1/§7.5.2: "tunnel-open" to the sessions waiting for it, in the order they were placed
  // (issue 13, point 13: the map's order sent them shuffled).
  for (std::uint16_t id : calls_.take_waiting()) {
    session::Session* s = calls_.find(id);
    if (s != nullptr && s->state() == session::State::wait_tunnel) apply(now, ctx, *s, s->start());
  }
}

void Tunnel::on_call_request(Time now, TunnelContext& ctx, const ControlMessage& m) {
  const bool incoming = *m.type() == MessageType::ICRQ;
  if (!(incoming ? settings_->accept_incoming_calls : settings_->accept_outgoing_calls)) {
    return refuse_call(now, ctx, m,
                       result_code(wire::CdnResult::no_facilities_permanent,
                                   incoming ? "not an LNS" : "not a LAC"));
  }
  if (calls_.size() >= std::min<std::size_t>(settings_->max_sessions, ctx.session_cap)) {
    ++ctx.out.counts.refused_sessions;
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
  if (const std::optional<std::uint16_t> ours = calls_.established_with_peer_id(requested)) {
    return act(now, ctx, recovery_.on_colliding_call(*ours, requested));
  }
  const std::uint16_t id = allocate_session_id(ctx);
  session::Session& s = calls_.add(
      session::Session(id, incoming ? session::Role::lns : session::Role::lac,
                       incoming ? session::Direction::incoming : session::Direction::outgoing, {}));
  calls_.track_setup(now + settings_->session_setup_timeout, id);
  apply(now, ctx, s, s.accept_request(m));
  // Our bearer is virtual: an outgoing call is answered at once (§7.5.1 wait-cs-answer → OCCN).
  // (The first step may have ended the call: it is looked up again.)
  if (!incoming) {
    if (session::Session* answered = calls_.find(id))
      apply(now, ctx, *answered, answered->answer());
  }
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
  session::Session* s = calls_.find(m.header.session_id);
  if (s == nullptr && type == MessageType::CDN && m.header.session_id == 0) {
    // §6.12: the peer may not know our ID yet; its Assigned Session ID names the call.
    s = calls_.find_by_peer_id(*m.get<AvpType::AssignedSessionId>());
  }
  if (s == nullptr) return disown_call(now, ctx, m);
  if (type == MessageType::CDN) {
    // §6.12: the CDN's Assigned Session ID is the sender's ID for the call. Once we know it, a CDN
    // naming another is about an earlier call that had this ID: stale, and only acked.
    const std::uint16_t peer_session = *m.get<AvpType::AssignedSessionId>();
    if (s->peer_id() != 0 && peer_session != 0 && peer_session != s->peer_id()) return;
  }
  if (type == MessageType::WEN || type == MessageType::SLI) {
    ctx.out.event(
        {type == MessageType::WEN ? EventKind::wan_error_notify : EventKind::set_link_info,
         local_id_, s->local_id(), std::nullopt, ""});
    return;
  }
  apply(now, ctx, *s, s->receive(m));
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
  ++ctx.out.counts.disowned_calls;
  send(now, ctx, std::move(cdn));
}

void Tunnel::apply(Time now, TunnelContext& ctx, session::Session& s, session::Step step) {
  const std::uint16_t id = s.local_id();
  if (step.send) send(now, ctx, std::move(*step.send));
  if (step.established) {
    s.set_established_at(now);
    record(ctx, SessionEstablished{local_id_, id, s.peer_id(), s.role(), s.direction(),
                                   s.parameters(), now});
    ctx.out.event(session_event(EventKind::session_established, s, std::nullopt, ""));
    calls_.established(s);
  }
  if (step.ended) {
    if (s.was_established()) record(ctx, SessionRemoved{local_id_, id});
    ctx.out.event(session_event(EventKind::session_closed, s, step.ended, ""));
    calls_.forget(id);
    recovery_.forget_session(id);  // nothing left to reconcile
  }
}

std::uint16_t Tunnel::allocate_session_id(TunnelContext& ctx) {
  const CallSet::IdAllocation allocation = calls_.allocate_id(ctx.random);
  if (allocation.reserved_up_to && checkpointed_) {
    record(ctx, SessionIdsReserved{local_id_, *allocation.reserved_up_to});
  }
  return allocation.id;
}

void Tunnel::expire_setups(Time now, TunnelContext& ctx) {
  while (session::Session* s = calls_.take_expired_setup(now)) {
    apply(now, ctx, *s, s->close(result_code(wire::CdnResult::timeout, "call set-up timed out")));
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
  if (calls_.size() >= std::min<std::size_t>(settings_->max_sessions, ctx.session_cap)) {
    return unexpected(std::string("session limit"));
  }
  if (channel_.queued() >= settings_->channel.max_queued) {
    return unexpected(std::string("control queue full"));
  }
  const std::uint16_t id = allocate_session_id(ctx);
  start_or_wait(now, ctx,
                calls_.add(session::Session(id, incoming ? session::Role::lac : session::Role::lns,
                                            direction, std::move(parameters))));
  flush(ctx);
  return id;
}

void Tunnel::start_or_wait(Time now, TunnelContext& ctx, session::Session& s) {
  // §7.4.1/§7.5.2: a call goes out once the tunnel is established and not being recovered
  // (docs/failover.md §3 step 2); until then it waits, in the order placed.
  calls_.track_setup(now + settings_->session_setup_timeout, s.local_id());
  if (state_ == State::established && !recovering()) {
    apply(now, ctx, s, s.start());
  } else {
    calls_.wait(s.local_id());
  }
}

void Tunnel::adopt_waiting_session(Time now, TunnelContext& ctx, session::Session s) {
  // The session keeps its ID if free here, so the operator's handle stays valid where possible.
  const std::uint16_t id =
      calls_.find(s.local_id()) != nullptr ? allocate_session_id(ctx) : s.local_id();
  start_or_wait(now, ctx,
                calls_.add(session::Session(id, s.role(), s.direction(), s.parameters())));
  flush(ctx);
}

bool Tunnel::close_session(Time now, TunnelContext& ctx, std::uint16_t session_id,
                           ResultCode result) {
  session::Session* s = calls_.find(session_id);
  if (s == nullptr) return false;
  apply(now, ctx, *s, s->close(std::move(result)));
  flush(ctx);
  return true;
}

bool Tunnel::send_call_info(Time now, TunnelContext& ctx, std::uint16_t session_id,
                            ControlMessage message) {
  const session::Session* s = calls_.find(session_id);
  if (state_ != State::established || s == nullptr || s->state() != session::State::established) {
    return false;
  }
  message.header.session_id = s->peer_id();
  send(now, ctx, std::move(message));
  flush(ctx);
  return true;
}

void Tunnel::check_invariants() const {
  calls_.check_invariants();
  // A tunnel that has sent or taken its StopCCN, or a recovery tunnel, carries no call.
  if (state_ == State::closing || state_ == State::stopped || state_ == State::dead ||
      recovery_link_) {
    HL2TP_INVARIANT(calls_.holds_nothing());
  }
  // Only an established tunnel with a peer can be in the store.
  if (checkpointed_) HL2TP_INVARIANT(peer_id_ != 0 && !recovery_link_);
  // The failed end's recovery concerns tunnels rebuilt from the store, the helping end's suggestion
  // established ones.
  if (recovery_.recovering() || recovery_.suggestion()) HL2TP_INVARIANT(!recovery_link_);
}

}  // namespace hl2tp::tunnel

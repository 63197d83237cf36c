#include "session/session.hpp"

#include <algorithm>
#include <utility>

#include "base/invariant.hpp"
#include "session/call_table.hpp"
#include "wire/message_builders.hpp"

namespace hl2tp::session {
namespace {

using wire::AvpType;
using wire::ControlMessage;
using wire::MessageType;

constexpr std::uint16_t kCdnGeneralError =
    static_cast<std::uint16_t>(wire::CdnResult::general_error);

// The call messages (§6.6–§6.12): the event each is when the peer sends it, and the direction of
// the calls that carry it (a CDN ends either).
struct CallMessage {
  MessageType type;
  Event received;
  std::optional<Direction> direction;
};
constexpr CallMessage kCallMessages[] = {
    {MessageType::ICRQ, Event::receive_icrq, Direction::incoming},
    {MessageType::ICRP, Event::receive_icrp, Direction::incoming},
    {MessageType::ICCN, Event::receive_iccn, Direction::incoming},
    {MessageType::OCRQ, Event::receive_ocrq, Direction::outgoing},
    {MessageType::OCRP, Event::receive_ocrp, Direction::outgoing},
    {MessageType::OCCN, Event::receive_occn, Direction::outgoing},
    {MessageType::CDN, Event::receive_cdn, std::nullopt},
};

const CallMessage* call_message(std::optional<MessageType> type) {
  const auto* it = std::find_if(std::begin(kCallMessages), std::end(kCallMessages),
                                [&](const CallMessage& c) { return c.type == type; });
  return it == std::end(kCallMessages) ? nullptr : it;
}

// The result of a CDN that refuses a call message out of place (§7.4, §7.5 "Send CDN, Clean up"):
// General Error, saying what the call was waiting for.
wire::ResultCode refusal(State state) {
  // No row refuses a message while the call waits for its tunnel, and closed has no rows.
  HL2TP_INVARIANT(state != State::wait_tunnel && state != State::closed);
  std::string what = "call message on a session past its set-up";  // wait-cs-answer, established
  if (state == State::wait_reply) what = "unexpected message while waiting for the call reply";
  if (state == State::wait_connect) {
    what = "unexpected message while waiting for the call to connect";
  }
  return {kCdnGeneralError, static_cast<std::uint16_t>(wire::GeneralError::bad_value),
          std::move(what)};
}

// The peer's Assigned Session ID in its ICRP or OCRP. The decoder refused one without it
// (wire/required_avps.cpp), so its absence here is a bug, not the peer's doing.
std::uint16_t assigned_session_id(const ControlMessage& reply) {
  const auto* id = reply.get<AvpType::AssignedSessionId>();
  HL2TP_INVARIANT(id != nullptr);
  return *id;
}

}  // namespace

// What an event brings to its row: the peer's message, and the result the call ends with if the
// row ends it (a local close's, or the peer's CDN's).
struct Session::Input {
  const ControlMessage* message = nullptr;
  std::optional<wire::ResultCode> result;
};

std::string_view name(State state) {
  switch (state) {
    case State::wait_tunnel:
      return "wait-tunnel";
    case State::wait_reply:
      return "wait-reply";
    case State::wait_connect:
      return "wait-connect";
    case State::wait_cs_answer:
      return "wait-cs-answer";
    case State::established:
      return "established";
    case State::closed:
      return "closed";
  }
  return "?";
}

CallParameters parameters_of_request(const ControlMessage& m) {
  CallParameters p;
  if (auto* v = m.get<AvpType::CallSerialNumber>()) p.call_serial_number = *v;
  if (auto* v = m.get<AvpType::BearerType>()) p.bearer_type = *v;
  if (auto* v = m.get<AvpType::FramingType>()) p.framing_type = *v;
  if (auto* v = m.get<AvpType::MinimumBps>()) p.minimum_bps = *v;
  if (auto* v = m.get<AvpType::MaximumBps>()) p.maximum_bps = *v;
  if (auto* v = m.get<AvpType::PhysicalChannelId>()) p.physical_channel_id = *v;
  if (auto* v = m.get<AvpType::CallingNumber>()) p.set_calling_number(*v);
  if (auto* v = m.get<AvpType::CalledNumber>()) p.set_called_number(*v);
  if (auto* v = m.get<AvpType::SubAddress>()) p.set_sub_address(*v);
  return p;
}

Session::Session(std::uint16_t local_id, Role role, Direction direction, CallParameters parameters)
    : local_id_(local_id), role_(role), direction_(direction), parameters_(std::move(parameters)) {
  check_invariants();
}

Session Session::restored(std::uint16_t local_id, std::uint16_t peer_id, Role role,
                          Direction direction, CallParameters parameters,
                          std::optional<Time> established_at) {
  // Only established calls are stored (Tunnel::apply), so one comes back in established, the
  // state its table left it in, and no row is taken.
  Session s(local_id, role, direction, std::move(parameters));
  s.established_at_ = established_at;
  s.peer_id_ = peer_id;
  s.state_ = State::established;
  s.was_established_ = true;
  s.check_invariants();
  return s;
}

Step Session::start() {
  return perform(Event::tunnel_open, {});
}

Step Session::accept_request(const ControlMessage& request) {
  // Tunnel::on_call_request gives only the requests it accepted (§7.4.2, §7.5.1).
  const auto type = request.type();
  HL2TP_INVARIANT(type == MessageType::ICRQ || type == MessageType::OCRQ);
  return perform(
      type == MessageType::ICRQ ? Event::receive_icrq_acceptable : Event::receive_ocrq_acceptable,
      {.message = &request, .result = std::nullopt});
}

Step Session::close(wire::ResultCode result) {
  return perform(Event::local_close_request, {.result = std::move(result)});
}

Step Session::answer() {
  return perform(Event::bearer_answer, {});
}

Step Session::receive(const ControlMessage& m) {
  const auto type = m.type();
  // WEN and SLI carry information about the call and change nothing in its state (§6.13, §6.14);
  // the tunnel reports them itself.
  if (type == MessageType::WEN || type == MessageType::SLI) return {};
  // Tunnel::process drops a message of no known type, and on_session_message passes on only
  // session-scoped ones.
  const CallMessage* call = call_message(type);
  HL2TP_INVARIANT(call != nullptr);
  Input input{.message = &m, .result = std::nullopt};
  if (call->received == Event::receive_cdn) {
    // A CDN without a Result Code is refused by the decoder; the general error is a fallback.
    const auto* result = m.get<AvpType::ResultCode>();
    input.result = result ? *result : wire::ResultCode{kCdnGeneralError, std::nullopt, ""};
  }
  return perform(call->received, std::move(input));
}

Step Session::perform(Event event, Input input) {
  const CallTable& table = call_table(role_, direction_);
  // Every message of the peer's has a row in each state the peer can find the call in (checked as
  // the tables compile, call_table.hpp), and the tunnel asks a call only what its state has a row
  // for: a missing row is a bug.
  const Row* row = find_row(table, state_, event);
  HL2TP_INVARIANT(row != nullptr);
  const State from = state_;
  const std::uint16_t peer_before = peer_id_;

  Step step;
  act(row->action, input, step);
  state_ = row->next;
  if (state_ == State::established && from != State::established) {
    step.established = true;
    was_established_ = true;
  }

  // The peer's ID for the call is learnt once, leaving the state it was unknown in (its request
  // in idle, its reply in wait-reply), and kept.
  HL2TP_INVARIANT(peer_id_ == peer_before || from == idle || from == State::wait_reply);
  // A call ends exactly when it reaches closed, and says how: the tunnel forgets it then.
  HL2TP_INVARIANT(step.ended.has_value() == (state_ == State::closed));
  if (step.send) {
    // What a call sends is one of its own direction's messages or a CDN, addressed to the peer's
    // ID for the call (§3.1): 0 while it is unknown (our ICRQ or OCRQ, a CDN before the reply).
    const CallMessage* sent = call_message(step.send->type());
    HL2TP_INVARIANT(sent != nullptr && (!sent->direction || *sent->direction == direction_));
    HL2TP_INVARIANT(step.send->header.session_id == peer_id_);
  }
  check_invariants();
  return step;
}

void Session::act(Action action, Input& input, Step& step) {
  const CallParameters& p = parameters_;
  switch (action) {
    case Action::none:
      return;
    case Action::clean_up:
      HL2TP_INVARIANT(input.result.has_value());
      step.ended = std::move(input.result);
      return;
    case Action::send_cdn_clean_up: {
      wire::ResultCode result = input.result ? std::move(*input.result) : refusal(state_);
      ControlMessage cdn = wire::make_cdn(local_id_, result);
      cdn.header.session_id = peer_id_;
      step.send = std::move(cdn);
      step.ended = std::move(result);
      return;
    }
    case Action::send_icrq: {
      ControlMessage icrq = wire::make_icrq(local_id_, p.call_serial_number);
      if (p.bearer_type != 0) icrq.add<AvpType::BearerType>(p.bearer_type);
      if (p.physical_channel_id) icrq.add<AvpType::PhysicalChannelId>(*p.physical_channel_id);
      if (!p.calling_number().empty()) {
        icrq.add<AvpType::CallingNumber>(std::string(p.calling_number()));
      }
      if (!p.called_number().empty()) {
        icrq.add<AvpType::CalledNumber>(std::string(p.called_number()));
      }
      if (!p.sub_address().empty()) icrq.add<AvpType::SubAddress>(std::string(p.sub_address()));
      step.send = std::move(icrq);
      return;
    }
    case Action::send_ocrq: {
      ControlMessage ocrq =
          wire::make_ocrq(local_id_, p.call_serial_number, p.minimum_bps, p.maximum_bps,
                          p.bearer_type, p.framing_type, std::string(p.called_number()));
      if (!p.sub_address().empty()) ocrq.add<AvpType::SubAddress>(std::string(p.sub_address()));
      step.send = std::move(ocrq);
      return;
    }
    case Action::send_icrp:
    case Action::send_ocrp: {
      HL2TP_INVARIANT(input.message != nullptr);
      const ControlMessage& request = *input.message;
      if (auto* peer = request.get<AvpType::AssignedSessionId>()) peer_id_ = *peer;
      parameters_ = parameters_of_request(request);
      ControlMessage reply =
          action == Action::send_icrp ? wire::make_icrp(local_id_) : wire::make_ocrp(local_id_);
      reply.header.session_id = peer_id_;
      step.send = std::move(reply);
      return;
    }
    case Action::send_iccn:
      HL2TP_INVARIANT(input.message != nullptr);
      peer_id_ = assigned_session_id(*input.message);
      step.send = connected_message(MessageType::ICCN);
      return;
    case Action::send_occn:
      step.send = connected_message(MessageType::OCCN);
      return;
    case Action::learn_peer_id:
      HL2TP_INVARIANT(input.message != nullptr);
      peer_id_ = assigned_session_id(*input.message);
      return;
    case Action::prepare_for_data:
      HL2TP_INVARIANT(input.message != nullptr);
      take_connect_facts(*input.message);
      return;
  }
}

void Session::check_invariants() const {
  const CallTable& table = call_table(role_, direction_);
  // A call is in a state its table has rows for, or closed, which has none.
  HL2TP_INVARIANT(state_ == State::closed || has_rows(table, state_));
  // A call enters the checkpointed database when it becomes established and leaves it when it ends
  // (Tunnel::apply): established implies was_established, which then lasts until closed.
  HL2TP_INVARIANT(state_ != State::established || was_established_);
  HL2TP_INVARIANT(!was_established_ || state_ == State::established || state_ == State::closed);
  // Until the peer's request or reply is taken, its ID for the call is unknown.
  HL2TP_INVARIANT((state_ != State::wait_tunnel && state_ != State::wait_reply) || peer_id_ == 0);
}

ControlMessage Session::connected_message(MessageType type) const {
  // ICCN (§6.8) and OCCN (§6.11) carry the same call facts.
  ControlMessage m = type == MessageType::ICCN
                         ? wire::make_iccn(parameters_.tx_connect_speed, parameters_.framing_type)
                         : wire::make_occn(parameters_.tx_connect_speed, parameters_.framing_type);
  if (parameters_.rx_connect_speed != 0)
    m.add<AvpType::RxConnectSpeed>(parameters_.rx_connect_speed);
  if (parameters_.sequencing_required) m.add<AvpType::SequencingRequired>({});
  m.header.session_id = peer_id_;
  return m;
}

void Session::take_connect_facts(const ControlMessage& m) {
  // "Prepare for data" (§7.4.2): the speeds, framing and sequencing the LAC connected with.
  if (auto* v = m.get<AvpType::TxConnectSpeed>()) parameters_.tx_connect_speed = *v;
  if (auto* v = m.get<AvpType::RxConnectSpeed>()) parameters_.rx_connect_speed = *v;
  if (auto* v = m.get<AvpType::FramingType>()) parameters_.framing_type = *v;
  parameters_.sequencing_required = m.has<AvpType::SequencingRequired>();
}

}  // namespace hl2tp::session

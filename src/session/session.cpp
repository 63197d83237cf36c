#include "session/session.hpp"

#include "wire/message_builders.hpp"

namespace hl2tp::session {
namespace {

using wire::AvpType;
using wire::ControlMessage;
using wire::MessageType;

constexpr std::uint16_t kCdnGeneralError =
    static_cast<std::uint16_t>(wire::CdnResult::general_error);

}  // namespace

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
    : local_id_(local_id), role_(role), direction_(direction), parameters_(std::move(parameters)) {}

Step Session::accept_request(const ControlMessage& request) {
  if (auto* peer = request.get<AvpType::AssignedSessionId>()) peer_id_ = *peer;
  parameters_ = parameters_of_request(request);
  Step step;
  ControlMessage reply =
      direction_ == Direction::incoming ? wire::make_icrp(local_id_) : wire::make_ocrp(local_id_);
  reply.header.session_id = peer_id_;
  step.send = std::move(reply);
  state_ = direction_ == Direction::incoming ? State::wait_connect : State::wait_cs_answer;
  return step;
}

Session Session::restored(std::uint16_t local_id, std::uint16_t peer_id, Role role,
                          Direction direction, CallParameters parameters,
                          std::optional<Time> established_at) {
  Session s(local_id, role, direction, std::move(parameters));
  s.established_at_ = established_at;
  s.peer_id_ = peer_id;
  s.state_ = State::established;
  s.was_established_ = true;
  return s;
}

Step Session::start() {
  Step step;
  if (state_ != State::wait_tunnel) return step;
  const CallParameters& p = parameters_;
  if (direction_ == Direction::incoming) {
    // §7.4.1 LAC: tunnel open → send ICRQ.
    ControlMessage icrq = wire::make_icrq(local_id_, p.call_serial_number);
    if (p.bearer_type != 0) icrq.add<AvpType::BearerType>(p.bearer_type);
    if (p.physical_channel_id) icrq.add<AvpType::PhysicalChannelId>(*p.physical_channel_id);
    if (!p.calling_number().empty()) {
      icrq.add<AvpType::CallingNumber>(std::string(p.calling_number()));
    }
    if (!p.called_number().empty()) icrq.add<AvpType::CalledNumber>(std::string(p.called_number()));
    if (!p.sub_address().empty()) icrq.add<AvpType::SubAddress>(std::string(p.sub_address()));
    step.send = std::move(icrq);
  } else {
    // §7.5.2 LNS: tunnel open → send OCRQ.
    ControlMessage ocrq =
        wire::make_ocrq(local_id_, p.call_serial_number, p.minimum_bps, p.maximum_bps,
                        p.bearer_type, p.framing_type, std::string(p.called_number()));
    if (!p.sub_address().empty()) ocrq.add<AvpType::SubAddress>(std::string(p.sub_address()));
    step.send = std::move(ocrq);
  }
  state_ = State::wait_reply;
  return step;
}

ControlMessage Session::connected_message(MessageType type) const {
  // ICCN (§6.10) and OCCN (§6.13) carry the same call facts.
  ControlMessage m = type == MessageType::ICCN
                         ? wire::make_iccn(parameters_.tx_connect_speed, parameters_.framing_type)
                         : wire::make_occn(parameters_.tx_connect_speed, parameters_.framing_type);
  if (parameters_.rx_connect_speed != 0)
    m.add<AvpType::RxConnectSpeed>(parameters_.rx_connect_speed);
  if (parameters_.sequencing_required) m.add<AvpType::SequencingRequired>({});
  m.header.session_id = peer_id_;
  return m;
}

Step Session::cdn(wire::ResultCode result) {
  Step step;
  ControlMessage m = wire::make_cdn(local_id_, result);
  m.header.session_id = peer_id_;
  step.send = std::move(m);
  step.ended = std::move(result);
  state_ = State::closed;
  return step;
}

Step Session::fsm_error(std::string_view what) {
  // A message the state table does not allow: CDN and clean up (§7.4, §7.5 "send CDN, clean up").
  return cdn({kCdnGeneralError, static_cast<std::uint16_t>(wire::GeneralError::bad_value),
              std::string(what)});
}

Step Session::close(wire::ResultCode result) {
  if (state_ == State::closed) return {};
  if (state_ == State::wait_tunnel) {
    // Nothing went out yet: just clean up.
    state_ = State::closed;
    Step step;
    step.ended = std::move(result);
    return step;
  }
  return cdn(std::move(result));
}

Step Session::answer() {
  Step step;
  if (role_ != Role::lac || direction_ != Direction::outgoing || state_ != State::wait_cs_answer) {
    return step;
  }
  step.send = connected_message(MessageType::OCCN);
  step.established = true;
  state_ = State::established;
  was_established_ = true;
  return step;
}

Step Session::receive(const ControlMessage& m) {
  const auto type = m.type();
  if (!type) return {};
  if (*type == MessageType::CDN) {
    // Any state: CDN → clean up, only acked (§5.6, §7.4, §7.5).
    Step step;
    const auto* result = m.get<AvpType::ResultCode>();
    step.ended = result ? *result : wire::ResultCode{kCdnGeneralError, std::nullopt, ""};
    state_ = State::closed;
    return step;
  }
  if (*type == MessageType::WEN || *type == MessageType::SLI) return {};  // passed up by the tunnel

  Step step;
  switch (state_) {
    case State::wait_reply:
      if (direction_ == Direction::incoming && *type == MessageType::ICRP) {
        // §7.4.1 LAC: ICRP acceptable → send ICCN, established.
        peer_id_ = *m.get<AvpType::AssignedSessionId>();
        step.send = connected_message(MessageType::ICCN);
        step.established = true;
        state_ = State::established;
        was_established_ = true;
        return step;
      }
      if (direction_ == Direction::outgoing && *type == MessageType::OCRP) {
        // §7.5.2 LNS: OCRP acceptable → wait-connect.
        peer_id_ = *m.get<AvpType::AssignedSessionId>();
        state_ = State::wait_connect;
        return step;
      }
      return fsm_error("unexpected message while waiting for the call reply");
    case State::wait_connect:
      if ((direction_ == Direction::incoming && *type == MessageType::ICCN) ||
          (direction_ == Direction::outgoing && *type == MessageType::OCCN)) {
        // §7.4.2 / §7.5.2 LNS: ICCN/OCCN → established.
        if (auto* v = m.get<AvpType::TxConnectSpeed>()) parameters_.tx_connect_speed = *v;
        if (auto* v = m.get<AvpType::RxConnectSpeed>()) parameters_.rx_connect_speed = *v;
        if (auto* v = m.get<AvpType::FramingType>()) parameters_.framing_type = *v;
        parameters_.sequencing_required = m.has<AvpType::SequencingRequired>();
        step.established = true;
        state_ = State::established;
        was_established_ = true;
        return step;
      }
      return fsm_error("unexpected message while waiting for the call to connect");
    case State::wait_cs_answer:
    case State::established:
      // §7.4–7.5: ICRQ/ICRP/ICCN/OCRQ/OCRP/OCCN in these states → CDN, clean up.
      return fsm_error("call message on a session past its set-up");
    case State::wait_tunnel:
    case State::closed:
      return {};
  }
  return {};
}

}  // namespace hl2tp::session

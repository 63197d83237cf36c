#include "wire/message_builders.hpp"

namespace hl2tp::wire {
namespace {

ControlMessage start_control(MessageType type, std::uint16_t assigned_tunnel_id,
                             std::string host_name, std::uint32_t framing_capabilities) {
  ControlMessage m = make_message(type);
  m.add<AvpType::ProtocolVersion>(ProtocolVersion{1, 0})
      .add<AvpType::HostName>(std::move(host_name))
      .add<AvpType::FramingCapabilities>(framing_capabilities)
      .add<AvpType::AssignedTunnelId>(assigned_tunnel_id);
  return m;
}

ControlMessage with_session_states(MessageType type,
                                   std::span<const FailoverSessionState> sessions) {
  ControlMessage m = make_message(type);
  for (const FailoverSessionState& s : sessions)
    m.add<AvpType::FailoverSessionState>(s);
  return m;
}

}  // namespace

ControlMessage make_message(MessageType type) {
  ControlMessage m;
  Avp avp = make_avp<AvpType::MessageType>(static_cast<std::uint16_t>(type));
  avp.mandatory = message_type_mandatory(type);
  m.avps.push_back(std::move(avp));
  return m;
}

Avp make_random_vector(RandomSource& random, std::size_t length) {
  Bytes vector(length);
  random.fill(vector);
  return make_avp<AvpType::RandomVector>(std::move(vector));
}

ControlMessage make_sccrq(std::uint16_t assigned_tunnel_id, std::string host_name,
                          std::uint32_t framing_capabilities) {
  return start_control(MessageType::SCCRQ, assigned_tunnel_id, std::move(host_name),
                       framing_capabilities);
}

ControlMessage make_sccrp(std::uint16_t assigned_tunnel_id, std::string host_name,
                          std::uint32_t framing_capabilities) {
  return start_control(MessageType::SCCRP, assigned_tunnel_id, std::move(host_name),
                       framing_capabilities);
}

ControlMessage make_scccn() {
  return make_message(MessageType::SCCCN);
}

ControlMessage make_stopccn(std::uint16_t assigned_tunnel_id, ResultCode result) {
  ControlMessage m = make_message(MessageType::StopCCN);
  m.add<AvpType::AssignedTunnelId>(assigned_tunnel_id).add<AvpType::ResultCode>(std::move(result));
  return m;
}

ControlMessage make_hello() {
  return make_message(MessageType::HELLO);
}

ControlMessage make_ocrq(std::uint16_t assigned_session_id, std::uint32_t call_serial_number,
                         std::uint32_t minimum_bps, std::uint32_t maximum_bps,
                         std::uint32_t bearer_type, std::uint32_t framing_type,
                         std::string called_number) {
  ControlMessage m = make_message(MessageType::OCRQ);
  m.add<AvpType::AssignedSessionId>(assigned_session_id)
      .add<AvpType::CallSerialNumber>(call_serial_number)
      .add<AvpType::MinimumBps>(minimum_bps)
      .add<AvpType::MaximumBps>(maximum_bps)
      .add<AvpType::BearerType>(bearer_type)
      .add<AvpType::FramingType>(framing_type)
      .add<AvpType::CalledNumber>(std::move(called_number));
  return m;
}

ControlMessage make_ocrp(std::uint16_t assigned_session_id) {
  ControlMessage m = make_message(MessageType::OCRP);
  m.add<AvpType::AssignedSessionId>(assigned_session_id);
  return m;
}

ControlMessage make_occn(std::uint32_t tx_connect_speed, std::uint32_t framing_type) {
  ControlMessage m = make_message(MessageType::OCCN);
  m.add<AvpType::TxConnectSpeed>(tx_connect_speed).add<AvpType::FramingType>(framing_type);
  return m;
}

ControlMessage make_icrq(std::uint16_t assigned_session_id, std::uint32_t call_serial_number) {
  ControlMessage m = make_message(MessageType::ICRQ);
  m.add<AvpType::AssignedSessionId>(assigned_session_id)
      .add<AvpType::CallSerialNumber>(call_serial_number);
  return m;
}

ControlMessage make_icrp(std::uint16_t assigned_session_id) {
  ControlMessage m = make_message(MessageType::ICRP);
  m.add<AvpType::AssignedSessionId>(assigned_session_id);
  return m;
}

ControlMessage make_iccn(std::uint32_t tx_connect_speed, std::uint32_t framing_type) {
  ControlMessage m = make_message(MessageType::ICCN);
  m.add<AvpType::TxConnectSpeed>(tx_connect_speed).add<AvpType::FramingType>(framing_type);
  return m;
}

ControlMessage make_cdn(std::uint16_t assigned_session_id, ResultCode result) {
  ControlMessage m = make_message(MessageType::CDN);
  m.add<AvpType::ResultCode>(std::move(result))
      .add<AvpType::AssignedSessionId>(assigned_session_id);
  return m;
}

ControlMessage make_wen(CallErrors call_errors) {
  ControlMessage m = make_message(MessageType::WEN);
  m.add<AvpType::CallErrors>(call_errors);
  return m;
}

ControlMessage make_sli(Accm accm) {
  ControlMessage m = make_message(MessageType::SLI);
  m.add<AvpType::Accm>(accm);
  return m;
}

ControlMessage make_fsq(std::span<const FailoverSessionState> sessions) {
  return with_session_states(MessageType::FSQ, sessions);
}

ControlMessage make_fsr(std::span<const FailoverSessionState> sessions) {
  return with_session_states(MessageType::FSR, sessions);
}

}  // namespace hl2tp::wire

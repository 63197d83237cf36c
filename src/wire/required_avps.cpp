#include "wire/required_avps.hpp"

#include <array>

namespace hl2tp::wire {
namespace {

using A = AvpType;

constexpr std::array kStartControl = {A::ProtocolVersion, A::HostName, A::FramingCapabilities,
                                      A::AssignedTunnelId};
constexpr std::array kStopCCN = {A::AssignedTunnelId, A::ResultCode};
constexpr std::array kIncomingRequest = {A::AssignedSessionId, A::CallSerialNumber};
constexpr std::array kAssignedSession = {A::AssignedSessionId};
constexpr std::array kConnected = {A::TxConnectSpeed, A::FramingType};
constexpr std::array kOutgoingRequest = {A::AssignedSessionId, A::CallSerialNumber, A::MinimumBps,
                                         A::MaximumBps,        A::BearerType,       A::FramingType,
                                         A::CalledNumber};
constexpr std::array kCDN = {A::ResultCode, A::AssignedSessionId};
constexpr std::array kWEN = {A::CallErrors};
constexpr std::array kSLI = {A::Accm};
constexpr std::array kFailoverSession = {A::FailoverSessionState};

bool has_avp(const ControlMessage& m, AvpType type) {
  for (const Avp& avp : m.avps) {
    if (avp.vendor_id == 0 && avp.attribute_type == static_cast<std::uint16_t>(type) &&
        avp.is_recognized()) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::span<const AvpType> required_avps(MessageType type) {
  switch (type) {
    case MessageType::SCCRQ:
    case MessageType::SCCRP:
      return kStartControl;
    case MessageType::StopCCN:
      return kStopCCN;
    case MessageType::ICRQ:
      return kIncomingRequest;
    case MessageType::ICRP:
    case MessageType::OCRP:
      return kAssignedSession;
    case MessageType::ICCN:
    case MessageType::OCCN:
      return kConnected;
    case MessageType::OCRQ:
      return kOutgoingRequest;
    case MessageType::CDN:
      return kCDN;
    case MessageType::WEN:
      return kWEN;
    case MessageType::SLI:
      return kSLI;
    case MessageType::FSQ:
    case MessageType::FSR:
      return kFailoverSession;
    case MessageType::SCCCN:
    case MessageType::HELLO:
      return {};
  }
  return {};
}

std::optional<AvpType> first_missing_required_avp(const ControlMessage& message) {
  auto type = message.type();
  if (!type) return std::nullopt;
  for (AvpType required : required_avps(*type)) {
    if (!has_avp(message, required)) return required;
  }
  return std::nullopt;
}

}  // namespace hl2tp::wire

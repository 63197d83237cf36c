#include "wire/message_type.hpp"

namespace hl2tp::wire {

bool is_known(MessageType type) {
  return !name(type).empty();
}

bool message_type_mandatory(MessageType type) {
  return type != MessageType::FSQ && type != MessageType::FSR;
}

std::string_view name(MessageType type) {
  switch (type) {
    case MessageType::SCCRQ:
      return "SCCRQ";
    case MessageType::SCCRP:
      return "SCCRP";
    case MessageType::SCCCN:
      return "SCCCN";
    case MessageType::StopCCN:
      return "StopCCN";
    case MessageType::HELLO:
      return "HELLO";
    case MessageType::OCRQ:
      return "OCRQ";
    case MessageType::OCRP:
      return "OCRP";
    case MessageType::OCCN:
      return "OCCN";
    case MessageType::ICRQ:
      return "ICRQ";
    case MessageType::ICRP:
      return "ICRP";
    case MessageType::ICCN:
      return "ICCN";
    case MessageType::CDN:
      return "CDN";
    case MessageType::WEN:
      return "WEN";
    case MessageType::SLI:
      return "SLI";
    case MessageType::FSQ:
      return "FSQ";
    case MessageType::FSR:
      return "FSR";
  }
  return {};
}

bool is_session_scoped(MessageType type) {
  switch (type) {
    case MessageType::OCRQ:
    case MessageType::OCRP:
    case MessageType::OCCN:
    case MessageType::ICRQ:
    case MessageType::ICRP:
    case MessageType::ICCN:
    case MessageType::CDN:
    case MessageType::WEN:
    case MessageType::SLI:
      return true;
    default:
      return false;
  }
}

}  // namespace hl2tp::wire

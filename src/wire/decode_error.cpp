#include "wire/decode_error.hpp"

#include <fmt/format.h>

namespace hl2tp::wire {

std::string_view describe(DecodeErrc code) {
  switch (code) {
    case DecodeErrc::truncated_header:
      return "truncated header";
    case DecodeErrc::unsupported_version:
      return "unsupported version";
    case DecodeErrc::invalid_control_flags:
      return "invalid control message flags";
    case DecodeErrc::length_mismatch:
      return "length field does not match the datagram";
    case DecodeErrc::offset_past_end:
      return "offset size past the end";
    case DecodeErrc::avp_truncated:
      return "truncated AVP header";
    case DecodeErrc::avp_length_too_short:
      return "AVP length below 6";
    case DecodeErrc::avp_length_past_end:
      return "AVP length past the end of the message";
    case DecodeErrc::message_type_not_first:
      return "Message Type AVP is not first";
    case DecodeErrc::message_type_hidden:
      return "Message Type AVP is hidden";
    case DecodeErrc::avp_must_not_be_hidden:
      return "AVP must not be hidden";
    case DecodeErrc::hidden_avp_without_secret:
      return "hidden AVP but no shared secret";
    case DecodeErrc::hidden_avp_without_random_vector:
      return "hidden AVP without a Random Vector";
    case DecodeErrc::hidden_avp_too_short:
      return "hidden AVP too short";
    case DecodeErrc::hidden_length_past_end:
      return "hidden AVP original length past the end";
    case DecodeErrc::invalid_avp_value:
      return "invalid AVP value";
    case DecodeErrc::missing_required_avp:
      return "missing required AVP";
  }
  return "unknown decode error";
}

std::string DecodeError::to_string() const {
  std::string s = fmt::format("{} at offset {}", describe(code), offset);
  if (attribute_type != 0 || code == DecodeErrc::invalid_avp_value ||
      code == DecodeErrc::missing_required_avp) {
    s += fmt::format(" (AVP {})", attribute_type);
  }
  return s;
}

}  // namespace hl2tp::wire

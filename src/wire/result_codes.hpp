#pragma once
// Result and Error Code values (RFC 2661 §4.4.2), and the capability bits of §4.4.3/§4.4.5.
#include <cstdint>
#include <optional>
#include <string>

#include "wire/avp_value.hpp"

namespace hl2tp::wire {

// StopCCN Result Codes.
enum class StopCcnResult : std::uint16_t {
  general_request = 1,
  general_error = 2,  // see Error Code
  channel_exists = 3,
  not_authorized = 4,
  unsupported_version = 5,  // Error Code carries the highest version supported
  shutting_down = 6,
  fsm_error = 7,
};

// CDN Result Codes.
enum class CdnResult : std::uint16_t {
  lost_carrier = 1,
  general_error = 2,  // see Error Code
  administrative = 3,
  no_facilities_temporary = 4,
  no_facilities_permanent = 5,
  invalid_destination = 6,
  no_carrier = 7,
  busy = 8,
  no_dial_tone = 9,
  timeout = 10,
  no_framing = 11,
};

// General Error Codes.
enum class GeneralError : std::uint16_t {
  none = 0,
  no_control_connection = 1,
  bad_length = 2,
  bad_value = 3,
  insufficient_resources = 4,
  invalid_session_id = 5,
  vendor_specific = 6,
  try_another = 7,
  unknown_mandatory_avp = 8,
};

// Framing Capabilities / Framing Type bits (§4.4.3, §4.4.5).
inline constexpr std::uint32_t kFramingSync = 0x1;
inline constexpr std::uint32_t kFramingAsync = 0x2;
// Bearer Capabilities / Bearer Type bits.
inline constexpr std::uint32_t kBearerDigital = 0x1;
inline constexpr std::uint32_t kBearerAnalog = 0x2;

// A Result Code AVP value (§4.4.2) from one of the enums above: an error code is written whenever
// there is one or a message.
template <typename Result>
ResultCode result_code(Result result, std::string message = {},
                       std::optional<GeneralError> error = std::nullopt) {
  ResultCode r{static_cast<std::uint16_t>(result), std::nullopt, std::move(message)};
  if (error || !r.message.empty()) {
    r.error = static_cast<std::uint16_t>(error.value_or(GeneralError::none));
  }
  return r;
}

}  // namespace hl2tp::wire

#pragma once
// Why a datagram could not be decoded. Errors carry what was learned before the failure (the
// header, the message type) so that the caller can still answer as RFC 2661 §7.1 asks.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "wire/control_header.hpp"

namespace hl2tp::wire {

enum class DecodeErrc : std::uint8_t {
  truncated_header,           // shorter than the header its flags announce
  unsupported_version,        // Ver is not 2 (Ver 1 is L2F: silently discarded, RFC 2661 §3.1)
  invalid_control_flags,      // a control message without L or S, or with O or P (§3.1)
  length_mismatch,            // Length field below the header size or not the datagram size
  offset_past_end,            // data message Offset Size points past the end
  avp_truncated,              // fewer than 6 octets left for an AVP header
  avp_length_too_short,       // AVP Length below 6 (§4.1)
  avp_length_past_end,        // AVP Length runs past the message
  message_type_not_first,     // body does not start with the Message Type AVP (§4.4.1)
  message_type_hidden,        // the Message Type AVP has H set (§4.4.1)
  avp_must_not_be_hidden,     // H set on an AVP the RFC never hides
  hidden_avp_without_secret,  // H set but no shared secret configured (§4.3)
  hidden_avp_without_random_vector,  // no Random Vector before the first hidden AVP (§4.3)
  hidden_avp_too_short,              // hidden value shorter than its 2-octet original length
  hidden_length_past_end,            // decrypted original length runs past the hidden value
  invalid_avp_value,                 // a known M=1 AVP whose value has the wrong length or content
  missing_required_avp,              // a message lacks an AVP RFC 2661 §6 requires
};

std::string_view describe(DecodeErrc code);

struct DecodeError {
  DecodeError(DecodeErrc code_, std::size_t offset_, std::uint16_t attribute_type_ = 0,
              std::optional<ControlHeader> header_ = std::nullopt,
              std::optional<std::uint16_t> message_type_ = std::nullopt)
      : code(code_),
        offset(offset_),
        attribute_type(attribute_type_),
        header(header_),
        message_type(message_type_) {}

  DecodeErrc code;
  std::size_t offset = 0;               // octet offset in the datagram where the problem was found
  std::uint16_t attribute_type = 0;     // the AVP concerned, when there is one
  std::optional<ControlHeader> header;  // set once the control header was decoded
  std::optional<std::uint16_t> message_type;  // set once the Message Type AVP was decoded

  // "avp_length_past_end at offset 40 (AVP 7)"
  std::string to_string() const;
};

}  // namespace hl2tp::wire

#pragma once
// Control messages to and from datagrams (RFC 2661 §3.1, §4.1, §4.3).
//
// The decoder trusts nothing: every length is checked against what is left before it is used, a
// decrypted hidden length most of all, and it allocates only in proportion to the input.
#include <cstdint>
#include <optional>
#include <span>

#include "base/random_source.hpp"
#include "base/result.hpp"
#include "wire/control_message.hpp"
#include "wire/decode_error.hpp"

namespace hl2tp::wire {

struct DecodeOptions {
  // The tunnel's shared secret, for hidden AVPs; empty when none is configured.
  std::span<const std::byte> secret;
  // Check the AVPs RFC 2661 §6 requires for each known message type.
  bool check_required_avps = true;
};

// The header alone, for demultiplexing by tunnel ID before the tunnel's secret is known.
Result<ControlHeader, DecodeError> decode_control_header(std::span<const std::byte> datagram);

// The whole message. M=1 AVPs that are not recognised do not fail the decode: they are kept and
// ControlMessage::first_unrecognized_mandatory_avp() names them so that the caller can clear the
// session or tunnel (RFC 2661 §4.1). A known M=0 AVP with an invalid value is kept as opaque
// (ignored, §7.1); a known M=1 one fails with invalid_avp_value.
Result<ControlMessage, DecodeError> decode_control(std::span<const std::byte> datagram,
                                                   const DecodeOptions& options = {});

enum class EncodeErrc : std::uint8_t {
  message_type_not_first,            // the first AVP is not an unhidden Message Type
  value_type_mismatch,               // an AVP's value is not of its type's kind
  hidden_avp_without_secret,         // H set but no secret given
  hidden_avp_without_random_vector,  // no unhidden Random Vector AVP before a hidden one
  hidden_avp_not_allowed,            // H set on an AVP the RFC never hides
  avp_too_long,                      // over 1023 octets with its header
  message_too_long,                  // over 65535 octets
};

struct EncodeError {
  EncodeErrc code;
  std::size_t avp_index = 0;
  bool operator==(const EncodeError&) const = default;
};

struct EncodeOptions {
  std::span<const std::byte> secret;  // for hidden AVPs
  // Hidden values get 0..max_hidden_padding random octets of padding, so that their length does not
  // give them away (RFC 2661 §4.3). Needs `random`.
  RandomSource* random = nullptr;
  std::uint8_t max_hidden_padding = 0;
};

// Appends the encoded message to `out`. On error `out` is restored to its size before the call.
std::optional<EncodeError> encode_control_into(const ControlMessage& message, Bytes& out,
                                               const EncodeOptions& options = {});

Result<Bytes, EncodeError> encode_control(const ControlMessage& message,
                                          const EncodeOptions& options = {});

}  // namespace hl2tp::wire

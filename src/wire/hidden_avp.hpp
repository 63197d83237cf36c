#pragma once
// AVP hiding (RFC 2661 §4.3). The hidden value is
//   u16 original length ‖ original value ‖ padding
// XORed with an MD5 keystream: b1 = MD5(attribute type ‖ secret ‖ random vector), and for every
// further 16-octet block b(i) = MD5(secret ‖ c(i-1)) where c(i-1) is the previous ciphertext block.
#include <cstdint>
#include <optional>
#include <span>

#include "base/result.hpp"
#include "wire/avp_value.hpp"
#include "wire/decode_error.hpp"

namespace hl2tp::wire {

// Appends the hidden form of `value` followed by `padding` (random octets the caller chose).
void hide_avp_value(std::uint16_t attribute_type, std::span<const std::byte> secret,
                    std::span<const std::byte> random_vector, std::span<const std::byte> value,
                    std::span<const std::byte> padding, Bytes& out);

// Reveals a hidden value into `out` (replacing its contents) and returns the original value's
// length; the value is out[2, 2 + length). Fails if the hidden value is too short to hold its
// length octets, or if the decrypted length runs past the end: a length an attacker (or a wrong
// secret) chose is never trusted.
Result<std::size_t, DecodeErrc> reveal_avp_value(std::uint16_t attribute_type,
                                                 std::span<const std::byte> secret,
                                                 std::span<const std::byte> random_vector,
                                                 std::span<const std::byte> hidden, Bytes& out);

}  // namespace hl2tp::wire

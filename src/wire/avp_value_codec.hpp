#pragma once
// Typed AVP values to and from their wire form (the octets after the 6-octet AVP header, before
// hiding). Internal to the wire layer: the message codec calls it.
#include <cstdint>
#include <optional>
#include <span>

#include "wire/avp_value.hpp"

namespace hl2tp::wire {

// Sets `out` to the typed value of vendor-0 attribute `attribute_type` read from `value`. False
// (and `out` unspecified) when the type is not one we know or the octets do not fit its layout
// (wrong length, a zero Receive Window Size…).
bool decode_avp_value(std::uint16_t attribute_type, std::span<const std::byte> value,
                      AvpValue& out);

// Whether `value` holds the alternative the table gives `attribute_type` (an opaque value fits
// any).
bool value_fits_type(std::uint16_t vendor_id, std::uint16_t attribute_type, const AvpValue& value);

// Appends the wire form of `value`.
void encode_avp_value(const AvpValue& value, Bytes& out);

}  // namespace hl2tp::wire

#pragma once
// One AVP as it travels (RFC 2661 §4.1): flags, vendor, attribute type and a typed value.
#include <cstdint>
#include <utility>

#include "wire/avp_type.hpp"
#include "wire/avp_value.hpp"

namespace hl2tp::wire {

inline constexpr std::size_t kAvpHeaderLength = 6;
inline constexpr std::size_t kMaxAvpLength = 0x03FF;  // 10-bit length field, header included

struct Avp {
  std::uint16_t vendor_id = 0;
  std::uint16_t attribute_type = 0;
  bool mandatory = false;  // M
  bool hidden = false;     // H: hidden on the wire; the value held here is always the plain one
  std::uint8_t reserved_bits = 0;  // the 4 reserved flag bits; non-zero only on unrecognised AVPs
  AvpValue value;

  bool operator==(const Avp&) const = default;

  // Vendor 0, a type from the table, no reserved bit, and a value of the table's type: an AVP we
  // act on. Anything else is carried but not interpreted (RFC 2661 §4.1).
  bool is_recognized() const { return !std::holds_alternative<OpaqueValue>(value); }

  // A recognised AVP of type T: vendor 0, T's code, and a value of T's kind.
  template <AvpType T>
  bool is() const {
    return vendor_id == 0 && attribute_type == AvpSpec<T>::kCode &&
           std::holds_alternative<typename AvpSpec<T>::Value>(value);
  }
};

// An AVP of type T with the M bit the RFC gives it.
template <AvpType T>
Avp make_avp(typename AvpSpec<T>::Value value, bool hidden = false) {
  return Avp{0, AvpSpec<T>::kCode, AvpSpec<T>::kMandatory, hidden, 0, AvpValue(std::move(value))};
}

}  // namespace hl2tp::wire

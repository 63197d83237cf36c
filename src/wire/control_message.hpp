#pragma once
// A control message: its header and its AVPs in wire order. The first AVP is the Message Type
// (RFC 2661 §4.4.1) unless the message is a ZLB, which has none (§5.8).
#include <optional>
#include <vector>

#include "wire/avp.hpp"
#include "wire/control_header.hpp"
#include "wire/message_type.hpp"

namespace hl2tp::wire {

// An AVP named by vendor and attribute type, for reporting.
struct AvpId {
  std::uint16_t vendor_id = 0;
  std::uint16_t attribute_type = 0;
  bool operator==(const AvpId&) const = default;
};

struct ControlMessage {
  ControlHeader header;
  std::vector<Avp> avps;

  bool operator==(const ControlMessage&) const = default;

  bool is_zlb() const { return avps.empty(); }

  // The message type, or nullopt for a ZLB.
  std::optional<MessageType> type() const {
    if (avps.empty()) return std::nullopt;
    const auto* v = std::get_if<std::uint16_t>(&avps.front().value);
    return v ? std::optional(static_cast<MessageType>(*v)) : std::nullopt;
  }

  // The first recognised AVP of type T, or nullptr.
  template <AvpType T>
  const typename AvpSpec<T>::Value* get() const {
    for (const Avp& avp : avps) {
      if (avp.is<T>()) return &std::get<typename AvpSpec<T>::Value>(avp.value);
    }
    return nullptr;
  }

  template <AvpType T>
  bool has() const {
    return get<T>() != nullptr;
  }

  // Every recognised AVP of type T in wire order (Failover Session State comes many to a message).
  template <AvpType T>
  std::vector<typename AvpSpec<T>::Value> get_all() const {
    std::vector<typename AvpSpec<T>::Value> values;
    for (const Avp& avp : avps) {
      if (avp.is<T>()) values.push_back(std::get<typename AvpSpec<T>::Value>(avp.value));
    }
    return values;
  }

  // Appends an AVP of type T with its RFC M bit.
  template <AvpType T>
  ControlMessage& add(typename AvpSpec<T>::Value value, bool hidden = false) {
    avps.push_back(make_avp<T>(std::move(value), hidden));
    return *this;
  }

  // The first AVP that has M=1 but that we do not recognise. RFC 2661 §4.1: the receiver must then
  // tear down the session (session-scoped message) or the tunnel, so the decoder reports it rather
  // than dropping the whole message.
  std::optional<AvpId> first_unrecognized_mandatory_avp() const {
    for (const Avp& avp : avps) {
      if (avp.mandatory && !avp.is_recognized()) return AvpId{avp.vendor_id, avp.attribute_type};
    }
    return std::nullopt;
  }
};

}  // namespace hl2tp::wire

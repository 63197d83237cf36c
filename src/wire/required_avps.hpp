#pragma once
// The AVPs each message must carry (RFC 2661 §6.1–6.14; RFC 4951 §4.1–4.2).
#include <optional>
#include <span>

#include "wire/control_message.hpp"

namespace hl2tp::wire {

// Besides the Message Type itself; empty for unknown types.
std::span<const AvpType> required_avps(MessageType type);

// The first required AVP `message` lacks, or nullopt.
std::optional<AvpType> first_missing_required_avp(const ControlMessage& message);

}  // namespace hl2tp::wire

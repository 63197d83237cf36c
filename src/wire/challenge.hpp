#pragma once
// Tunnel authentication digest (RFC 2661 §4.4.3 Challenge Response, §5.1.1).
#include <span>

#include "wire/avp_value.hpp"
#include "wire/message_type.hpp"

namespace hl2tp::wire {

// MD5(ID ‖ secret ‖ challenge) as in CHAP (RFC 1994), where ID is the Message Type of the message
// that carries the response: SCCRP (2) answering an SCCRQ's Challenge, SCCCN (3) answering an
// SCCRP's. The different IDs keep a response from being replayed in the other direction.
ChallengeDigest challenge_response(MessageType carried_in, std::span<const std::byte> secret,
                                   std::span<const std::byte> challenge);

}  // namespace hl2tp::wire

#pragma once
// The typed values of the AVPs we understand (RFC 2661 §4.4, RFC 4951 §5). Each struct mirrors one
// value layout; equality is member-wise so that decode(encode(m)) == m can be tested.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/bytes.hpp"

namespace hl2tp::wire {

// RFC 2661 §4.4.2 Result Code: result, then optionally an error code, then optionally a message
// (a message implies an error code; 0 is written when none was given).
struct ResultCode {
  std::uint16_t result = 0;
  std::optional<std::uint16_t> error;
  std::string message;
  bool operator==(const ResultCode&) const = default;
};

// RFC 2661 §4.4.3 Protocol Version: 1.0 for L2TPv2 (not the header's Ver 2).
struct ProtocolVersion {
  std::uint8_t version = 1;
  std::uint8_t revision = 0;
  bool operator==(const ProtocolVersion&) const = default;
};

using TieBreakerValue = std::array<std::byte, 8>;   // RFC 2661 §4.4.3, 8 octets
using ChallengeDigest = std::array<std::byte, 16>;  // RFC 2661 §4.4.3, an MD5 digest

// RFC 2661 §4.4.5 Q.931 Cause Code: cause, message, optional advisory text.
struct Q931Cause {
  std::uint16_t cause_code = 0;
  std::uint8_t cause_message = 0;
  std::string advisory;
  bool operator==(const Q931Cause&) const = default;
};

// RFC 2661 §4.4.7 Call Errors (after 2 reserved octets).
struct CallErrors {
  std::uint32_t crc_errors = 0;
  std::uint32_t framing_errors = 0;
  std::uint32_t hardware_overruns = 0;
  std::uint32_t buffer_overruns = 0;
  std::uint32_t timeout_errors = 0;
  std::uint32_t alignment_errors = 0;
  bool operator==(const CallErrors&) const = default;
};

// RFC 2661 §4.4.8 ACCM (after 2 reserved octets).
struct Accm {
  std::uint32_t send_accm = 0;
  std::uint32_t receive_accm = 0;
  bool operator==(const Accm&) const = default;
};

// RFC 4951 §5.1 Failover Capability: C (control) and D (data) bits and the Recovery Time in ms.
struct FailoverCapability {
  bool control = false;  // C, 0x0001
  bool data = false;     // D, 0x0002
  std::uint32_t recovery_time_ms = 0;
  bool operator==(const FailoverCapability&) const = default;
};

// RFC 4951 §5.2 Tunnel Recovery (L2TPv2 layout): the sender's own old tunnel ID and the receiver's.
struct TunnelRecovery {
  std::uint16_t recover_tunnel_id = 0;
  std::uint16_t recover_remote_tunnel_id = 0;
  bool operator==(const TunnelRecovery&) const = default;
};

// RFC 4951 §5.3 Suggested Control Sequence, from the recovery endpoint's point of view.
struct SuggestedControlSequence {
  std::uint16_t ns = 0;
  std::uint16_t nr = 0;
  bool operator==(const SuggestedControlSequence&) const = default;
};

// RFC 4951 §5.4 Failover Session State (L2TPv2 layout).
struct FailoverSessionState {
  std::uint16_t session_id = 0;
  std::uint16_t remote_session_id = 0;
  bool operator==(const FailoverSessionState&) const = default;
};

// An AVP with no value (Sequencing Required, RFC 2661 §4.4.6).
struct NoValue {
  bool operator==(const NoValue&) const = default;
};

// The value of an AVP we do not recognise (unknown type, vendor AVP, reserved bits set), or of a
// known M=0 AVP whose value is invalid (RFC 2661 §7.1: logged and ignored): carried unchanged.
struct OpaqueValue {
  Bytes bytes;
  bool operator==(const OpaqueValue&) const = default;
};

using AvpValue = std::variant<OpaqueValue, std::uint16_t, std::uint32_t, std::string, Bytes,
                              NoValue, ResultCode, ProtocolVersion, TieBreakerValue,
                              ChallengeDigest, Q931Cause, CallErrors, Accm, FailoverCapability,
                              TunnelRecovery, SuggestedControlSequence, FailoverSessionState>;

}  // namespace hl2tp::wire

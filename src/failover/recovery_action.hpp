#pragma once
// What a tunnel's recovery asks of the tunnel, in the order it asks it (tunnel_recovery.hpp). The
// recovery decides; the tunnel owns the sessions, the wire and the records, and carries it out.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "failover/recovery_suggestion.hpp"
#include "wire/control_message.hpp"

namespace hl2tp::failover {

// A control message for the peer on the tunnel (a probe, FSQ, FSR, or a disconnect the reset
// flushed before the peer could have seen it).
struct SendMessage {
  wire::ControlMessage message;
};

// A session the peer does not hold (RFC 4951 §3.3): cleared without a CDN.
struct ClearSession {
  std::uint16_t session_id = 0;
  std::string reason;
};

// Something for the operator's log.
enum class Notice : std::uint8_t {
  recovery_completed,    // our recovery ended well (reason: method and duration)
  recovery_failed,       // our recovery failed (reason: why)
  peer_recovered,        // the peer's recovery through us completed (reason: method, duration)
  suggestion_withdrawn,  // the peer goes on with the old numbering (reason: why)
};
struct Announce {
  Notice notice;
  std::string reason;
};

// Durable before the reply that carries it leaves (write-ahead): the suggestion made, or dropped.
struct RecordSuggestion {
  RecoverySuggestion suggestion;
};
struct RecordWithdrawal {};

// The recovery is done: calls placed meanwhile may go out (docs/failover.md §3 step 2).
struct StartWaitingCalls {};

// The tunnel cannot be recovered and no fall-back is allowed: cleared without a word (§3.2.1).
struct ClearTunnel {
  std::string reason;
};

using RecoveryAction = std::variant<SendMessage, ClearSession, Announce, RecordSuggestion,
                                    RecordWithdrawal, StartWaitingCalls, ClearTunnel>;
using RecoveryActions = std::vector<RecoveryAction>;

}  // namespace hl2tp::failover

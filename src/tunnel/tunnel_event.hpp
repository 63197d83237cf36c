#pragma once
// What a tunnel tells its owner: datagrams to send and events for the operator and the tests.
#include <cstdint>
#include <optional>
#include <string>

#include "base/peer_address.hpp"
#include "tunnel/checkpoint.hpp"
#include "wire/avp_value.hpp"

namespace hl2tp::tunnel {

enum class EventKind : std::uint8_t {
  tunnel_established,
  tunnel_closed,  // cleared: by us, by the peer's StopCCN, or retransmissions spent
  session_established,
  session_closed,    // cleared, or refused before it was established
  wan_error_notify,  // WEN received (RFC 2661 §6.14), passed up
  set_link_info,     // SLI received (§6.15), passed up
  tunnel_recovered,  // rebuilt from the store after a restart, resuming its control channel
  // Failover (docs/failover.md §6): a recovery ended well (reason: method and duration), or failed
  // or fell back (reason: why); the non-failed end refused a recovery request (reason: why).
  recovery_completed,
  recovery_failed,
  recovery_refused,
  // The helping end (RFC 4951 §3.2.2): the peer's recovery through us completed (reason: method and
  // duration); a recovery tunnel we answered ended without completing (reason: why); a reset we
  // suggested was not taken up: the peer goes on with the old numbering (reason: why).
  peer_recovered,
  recovery_request_abandoned,
  recovery_suggestion_withdrawn,
  // The peer came back from another address or port with its recovery, and the tunnel moved there
  // (reason: from where to where).
  tunnel_moved,
};

struct Event {
  EventKind kind;
  std::uint16_t tunnel_id = 0;   // ours
  std::uint16_t session_id = 0;  // ours, for session events
  std::optional<wire::ResultCode> result;
  std::string reason;
  // Filled when the event is made, for the operator's log line: the tunnel or session may be gone
  // by the time the event is read.
  PeerAddress peer{};
  std::uint16_t peer_tunnel_id = 0;
  std::uint16_t peer_session_id = 0;  // session events
  std::uint32_t call_serial = 0;      // session events: the Call Serial Number (RFC 2661 §4.4.5)
};

struct Datagram {
  PeerAddress peer;
  Bytes bytes;
  // Ours: the address the peer sent to, from which every datagram of the tunnel must leave (RFC
  // 2661 §8.1; a peer drops a reply from another address). Unspecified: wherever the kernel routes.
  PeerAddress local{};
};

}  // namespace hl2tp::tunnel

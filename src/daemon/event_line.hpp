#pragma once
// The operator's log line of an engine event, in key=value form, for example (one line each):
//   event=session-established peer=192.0.2.1:1701 tunnel=12 peer_tunnel=34 session=5
//       peer_session=6 serial=7
//   event=session-closed (the same names) result=3 error=0 message="..." reason="..."
//   event=tunnel-established peer=192.0.2.1:1701 tunnel=12 peer_tunnel=34 peer_host_name="lac-1"
//   event=tunnel-closed peer=... tunnel=12 peer_tunnel=34 result=1 reason="StopCCN from peer"
// so that a subscriber's call can be found by any of its names: the peer's address, both ends'
// tunnel and session IDs, and the Call Serial Number (RFC 2661 §4.4.5), with the cause of an end
// (the Result Code, §4.4.2, and our reason). `peer` is left out when the event does not know it;
// `result=-` says that a close carried no Result Code. What a peer wrote (its host name, a result
// message) is quoted and escaped, so that it cannot forge a line.
#include <fmt/format.h>

#include <cstdint>
#include <string_view>

#include "tunnel/tunnel_event.hpp"

namespace hl2tp::daemon {

std::string_view event_kind_name(tunnel::EventKind kind);

// Appends the line (without a newline) to `line`; `suppressed_before` > 0 adds how many lines of
// this kind the rate limit held back before it.
void format_event_line(const tunnel::Event& e, std::uint64_t suppressed_before,
                       fmt::memory_buffer& line);

}  // namespace hl2tp::daemon

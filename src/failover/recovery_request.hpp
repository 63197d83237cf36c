#pragma once
// The non-failed end's check of an RFC 4951 recovery request (§3.2.1, §8; docs/failover.md §4, §5):
// may this SCCRQ take over that tunnel? Everything else is refused with a StopCCN on the recovery
// tunnel, and the live tunnel is left as it was.
#include <optional>
#include <string>

#include "tunnel/tunnel.hpp"

namespace hl2tp::failover {

// Why the request must be refused, or nothing when it may go on. `old` is the tunnel named by the
// request's Recover Remote Tunnel ID (ours), if we have one. The challenge with the old secret is
// checked later, by the recovery tunnel's own set-up (RFC 2661 §5.1.1).
std::optional<std::string> refusal(const tunnel::Tunnel* old, const PeerAddress& from,
                                   const wire::TunnelRecovery& ids);

}  // namespace hl2tp::failover

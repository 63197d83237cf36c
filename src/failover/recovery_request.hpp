#pragma once
// The non-failed end's check of an RFC 4951 recovery request (§3.2.1, §8; docs/failover.md §4, §5):
// may this SCCRQ take over that tunnel? Everything else is refused with a StopCCN on the recovery
// tunnel, and the live tunnel is left as it was.
#include <optional>
#include <string>

#include "base/peer_address.hpp"
#include "failover/failover_negotiation.hpp"
#include "wire/avp_value.hpp"

namespace hl2tp::failover {

// What the check needs to know of the tunnel a request names.
struct NamedTunnel {
  bool is_recovery_tunnel = false;  // a recovery tunnel is never itself recovered
  PeerAddress peer;
  std::uint16_t peer_tunnel_id = 0;
  ResyncMethod method = ResyncMethod::none;  // negotiated when it was established
  bool established = false;
};

// Why the request must be refused, or nothing when it may go on. `old` is the tunnel named by the
// request's Recover Remote Tunnel ID (ours), if we have one. The challenge with the old secret is
// checked later, by the recovery tunnel's own set-up (RFC 2661 §5.1.1).
std::optional<std::string> refusal(const std::optional<NamedTunnel>& old, const PeerAddress& from,
                                   const wire::TunnelRecovery& ids);

}  // namespace hl2tp::failover

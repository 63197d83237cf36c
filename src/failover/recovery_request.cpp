#include "failover/recovery_request.hpp"

namespace hl2tp::failover {

std::optional<std::string> refusal(const std::optional<NamedTunnel>& old, const PeerAddress& from,
                                   const wire::TunnelRecovery& ids) {
  if (!old || old->is_recovery_tunnel) return "no such tunnel";
  // §8 and docs/failover.md §5: only from the old peer's address (the port may change across a
  // restart). Every refusal reads the same on the wire, so the order tells a prober nothing.
  if (!old->peer.same_host(from)) return "not the tunnel's peer address";
  // §5.2: the sender's old ID must be the peer ID we hold for that tunnel.
  if (old->peer_tunnel_id != ids.recover_tunnel_id) return "tunnel IDs do not match";
  // §3.2.1: both ends must have advertised capability when the tunnel was set up.
  if (old->method != ResyncMethod::failover_protocol) {
    return "failover capability was not negotiated on this tunnel";
  }
  if (!old->established) return "tunnel is not established";
  return std::nullopt;
}

}  // namespace hl2tp::failover

#include "engine/unknown_tunnel_answer.hpp"

#include "wire/message_builders.hpp"

namespace hl2tp::engine {

std::optional<wire::ControlMessage> stopccn_for_unknown_tunnel(const wire::ControlMessage& m) {
  using wire::AvpType;
  using wire::MessageType;
  const auto type = m.type();
  if (!type || *type == MessageType::StopCCN || *type == MessageType::SCCRQ) return std::nullopt;
  // RFC 2661 §4.4.3 (Assigned Tunnel ID): a StopCCN carries the ID its sender first assigned to
  // the tunnel, "permitting the peer to identify the appropriate tunnel even if a StopCCN is sent
  // before an Assigned Tunnel ID AVP is received": ours is the one the peer wrote in the header.
  wire::ControlMessage stop = wire::make_stopccn(
      m.header.tunnel_id,
      {static_cast<std::uint16_t>(wire::StopCcnResult::general_error),
       static_cast<std::uint16_t>(wire::GeneralError::no_control_connection), "no such tunnel"});
  // The header names the peer's tunnel where we can know it: an SCCRP carries it (the peer
  // answering an SCCRQ of a tunnel we forgot). Any other message does not; the header then says 0,
  // as before an Assigned Tunnel ID is received (§4.4.3), and the AVP above names the tunnel. Ns is
  // what the peer expects of us next (its Nr) and Nr acknowledges this message, so that a peer
  // still opening the tunnel takes the StopCCN in sequence (§5.8).
  const auto* assigned = *type == MessageType::SCCRP ? m.get<AvpType::AssignedTunnelId>() : nullptr;
  stop.header = {assigned ? *assigned : std::uint16_t{0}, 0, m.header.nr,
                 static_cast<std::uint16_t>(m.header.ns + 1)};
  return stop;
}

}  // namespace hl2tp::engine

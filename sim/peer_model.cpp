#include "sim/peer_model.hpp"

#include "sim/peer_sequencing.hpp"
#include "wire/control_codec.hpp"

namespace hl2tp::sim {

using namespace std::chrono_literals;

namespace {

// xl2tpd clears the tunnel on any message type it does not know, whatever its M bit; RFC 4951's
// FSQ and FSR are among them (docs/peer-behaviour.md §1.4).
class Xl2tpdMessageTypes final : public tunnel::MessageTypeRule {
 public:
  bool clears_tunnel(wire::MessageType type) const override {
    return !wire::is_known(type) || type == wire::MessageType::FSQ ||
           type == wire::MessageType::FSR;
  }
};

}  // namespace

std::string_view name(PeerModel model) {
  switch (model) {
    case PeerModel::hl2tp:
      return "hl2tp";
    case PeerModel::xl2tpd:
      return "xl2tpd";
    case PeerModel::accel_ppp:
      return "accel-ppp";
  }
  return "?";
}

engine::EndpointConfig as_peer_model(engine::EndpointConfig config, PeerModel model) {
  if (model == PeerModel::hl2tp) return config;
  auto& t = config.tunnel;
  t.failover.resync = failover::FailoverResync::none;  // advertises no capability
  t.channel.retransmit_initial = 1s;
  t.channel.retransmit_cap = 16s;
  t.hello_interval = 60s;
  if (model == PeerModel::xl2tpd) {
    // docs/peer-behaviour.md §1: ahead dropped, stale ZLB-acked, numeric compares, 5 tries then
    // StopCCN at +31 s; unknown message types (FSQ/FSR) clear the tunnel.
    t.channel.sequencing = xl2tpd_sequencing();
    t.channel.retransmit_timeouts = 5;
    t.message_types = std::make_shared<const Xl2tpdMessageTypes>();
  } else {
    // docs/peer-behaviour.md §2: window 16, an Nr ahead of what it sent discards the message, 5
    // retransmissions (+1, +3, +7, +15, +31 s) and the tunnel freed at the next expiry (+47 s).
    t.channel.sequencing = accel_ppp_sequencing();
    t.channel.receive_window = 16;
    t.channel.retransmit_timeouts = 6;
  }
  return config;
}

Duration last_retransmission(PeerModel model) {
  return model == PeerModel::accel_ppp ? 31s : 15s;
}

bool ignores_second_opening(const engine::Endpoint& receiver, const PeerAddress& from,
                            std::span<const std::byte> datagram) {
  auto header = wire::decode_control_header(datagram);
  if (!header || header->tunnel_id != 0) return false;
  auto message = wire::decode_control(datagram);
  if (!message || message->type() != wire::MessageType::SCCRQ) return false;
  const auto* assigned = message->get<wire::AvpType::AssignedTunnelId>();
  if (assigned == nullptr) return false;
  for (const auto& [id, t] : receiver.tunnels()) {
    const bool opening =
        t.state() == tunnel::State::idle || t.state() == tunnel::State::wait_ctl_conn;
    if (!t.originator() && opening && t.peer() == from && t.peer_id() != *assigned) return true;
  }
  return false;
}

}  // namespace hl2tp::sim

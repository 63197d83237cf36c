#pragma once
// One typed configuration for an endpoint, with its defaults in one place (docs/style.md §3). The
// daemon's config file and CLI take their names from these fields.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/peer_address.hpp"
#include "tunnel/tunnel_settings.hpp"

namespace hl2tp::engine {

struct Limits {
  std::size_t max_tunnels = 8192;
  std::size_t max_sessions = 262144;  // across all tunnels
  std::uint32_t max_sessions_per_tunnel = 8192;

  bool operator==(const Limits&) const = default;
};

// Settings for one peer host, where they differ from the defaults.
struct PeerSettings {
  PeerAddress host;  // the port is ignored: a peer host may use any source port
  Bytes secret;
  bool hide_avps = false;

  bool operator==(const PeerSettings&) const = default;
};

struct EndpointConfig {
  tunnel::TunnelSettings tunnel;  // defaults for every peer
  std::vector<PeerSettings> peers;
  bool accept_unlisted_peers = true;  // peers not listed get the defaults
  Limits limits;

  bool operator==(const EndpointConfig&) const = default;
};

}  // namespace hl2tp::engine

#pragma once
// The tunnel and session database as a restarted endpoint finds it in its store: what RFC 4951
// assumes a failed endpoint still has (docs/architecture.md §5).
#include <cstdint>
#include <map>
#include <optional>

#include "tunnel/checkpoint.hpp"

namespace hl2tp::store {

struct StoredTunnel {
  tunnel::TunnelEstablished tunnel;
  std::map<std::uint16_t, tunnel::SessionEstablished> sessions;  // by our session ID
  bool closing = false;  // our StopCCN is in the channel's queue, not yet acknowledged
  // A reset we suggested to the recovering peer, not yet taken up or withdrawn.
  std::optional<failover::RecoverySuggestion> suggestion;
};

struct Snapshot {
  std::map<std::uint16_t, StoredTunnel> tunnels;  // by our tunnel ID
  std::uint32_t call_serial_limit = 0;  // CallSerialsReserved: serials before it may be in use

  std::size_t session_count() const;
  bool operator==(const Snapshot&) const;
};

// Applies one record. Records arrive in the order the engine produced them, so a session's tunnel
// is always there; a record that does not fit (a session for an unknown tunnel) is ignored and
// reported, never a crash: a store may hold what an older version wrote.
bool apply(Snapshot& snapshot, const tunnel::Checkpoint& record);

}  // namespace hl2tp::store

#pragma once
// Checkpoint records: the changes to the tunnel and session database that a restarted endpoint
// needs to recover (docs/architecture.md §5). The engine emits them in order; the
// shell commits a turn's records before it sends that turn's datagrams, so nothing a peer may rely
// on is announced before it is durable. What more a record must carry for RFC 4951 recovery is
// decided with the store (issue: failover).
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "base/peer_address.hpp"
#include "channel/channel_state.hpp"
#include "failover/failover_negotiation.hpp"
#include "failover/recovery_suggestion.hpp"
#include "session/session.hpp"
#include "wire/avp_value.hpp"

namespace hl2tp::tunnel {

struct TunnelEstablished {
  std::uint16_t tunnel_id = 0;
  std::uint16_t peer_tunnel_id = 0;
  PeerAddress peer;
  bool originator = false;
  std::string peer_host_name;
  std::uint16_t peer_window = 4;
  std::optional<wire::FailoverCapability> peer_capability;  // the peer's AVP, if it sent one
  failover::ResyncMethod resync_method = failover::ResyncMethod::none;  // decided at establishment
  channel::ChannelState channel;  // the control channel as it stood at establishment
  // Session IDs up to (not including) this one may have been handed out: a restarted tunnel
  // allocates from here on, so that no ID the peer may know is given to another call.
  std::uint16_t session_id_limit = 0;
  // Our address the peer sends to, and so the source of everything we send on the tunnel (RFC 2661
  // §8.1): a restarted endpoint with several addresses, or a wildcard socket, sends from it too.
  // Unspecified in records of the first format.
  PeerAddress local{};
};

// The control channel's changes after establishment (docs/recovery-design.md).
struct ChannelQueued {  // a message got its Ns; kept until the peer acknowledges it
  std::uint16_t tunnel_id = 0;
  std::uint16_t ns = 0;
  Bytes bytes;
};

struct ChannelAcked {  // the peer's Nr released every message before it
  std::uint16_t tunnel_id = 0;
  std::uint16_t nr = 0;
};

struct ChannelReceived {  // our Nr advanced
  std::uint16_t tunnel_id = 0;
  std::uint16_t nr = 0;
};

struct ChannelReset {  // RFC 4951 §3.2.2: both windows flushed, numbering restarted at (ns, nr)
  std::uint16_t tunnel_id = 0;
  std::uint16_t ns = 0;
  std::uint16_t nr = 0;
};

struct SessionIdsReserved {  // the session-ID allocator reserved a block, up to `limit`
  std::uint16_t tunnel_id = 0;
  std::uint16_t limit = 0;
};

// We sent StopCCN: the sessions are gone, the tunnel stays in the store until the StopCCN is
// acknowledged, so that a restart sends it again (docs/failover.md §3 step 1, as Junos does).
struct TunnelClosing {
  std::uint16_t tunnel_id = 0;
};

struct TunnelRemoved {
  std::uint16_t tunnel_id = 0;  // its sessions go with it
};

// The non-failed end answered a recovery request with this suggestion (recovery_suggestion.hpp);
// durable before the SCCRP that carries it leaves. A ChannelReset takes it up and clears it.
struct RecoverySuggested {
  std::uint16_t tunnel_id = 0;
  failover::RecoverySuggestion suggestion;
};

struct RecoverySuggestionWithdrawn {  // the peer went on with the old numbering
  std::uint16_t tunnel_id = 0;
};

// The peer recovered from another address or port: the tunnel's path is now this one.
struct TunnelMoved {
  std::uint16_t tunnel_id = 0;
  PeerAddress peer;
  PeerAddress local;
};

struct SessionEstablished {
  std::uint16_t tunnel_id = 0;
  std::uint16_t session_id = 0;
  std::uint16_t peer_session_id = 0;
  session::Role role = session::Role::lac;
  session::Direction direction = session::Direction::incoming;
  session::CallParameters parameters;
  std::optional<Time> established_at;  // for the operator's uptime
};

struct SessionRemoved {
  std::uint16_t tunnel_id = 0;
  std::uint16_t session_id = 0;
};

// Call Serial Numbers up to (not including) `limit` may have been used: a restarted endpoint goes
// on from there, so that serials increase across restarts (RFC 2661 §4.4.5; issue 13, point 13).
// One record per block of serials keeps it off the per-call cost. Not a tunnel's: the endpoint's.
struct CallSerialsReserved {
  std::uint32_t limit = 0;
};

using Checkpoint = std::variant<TunnelEstablished, TunnelClosing, TunnelRemoved, SessionEstablished,
                                SessionRemoved, ChannelQueued, ChannelAcked, ChannelReceived,
                                ChannelReset, SessionIdsReserved, RecoverySuggested,
                                RecoverySuggestionWithdrawn, TunnelMoved, CallSerialsReserved>;

}  // namespace hl2tp::tunnel

#pragma once
// The stored form of what a tunnel and a session are (the parts of TunnelEstablished and
// SessionEstablished that do not change while they live): a compact, versioned binary encoding
// for a store's rows. Decoding never trusts its input: a short or malformed blob is an error,
// never a crash (a store file may be damaged).
#include <optional>
#include <span>

#include "tunnel/checkpoint.hpp"
#include "wire/avp_value.hpp"

namespace hl2tp::store {

// Everything of TunnelEstablished but the channel state and the session-ID limit, which the store
// keeps in columns of their own because they change.
Bytes encode_tunnel(const tunnel::TunnelEstablished& record);
std::optional<tunnel::TunnelEstablished> decode_tunnel(std::span<const std::byte> bytes);

Bytes encode_session(const tunnel::SessionEstablished& record);
std::optional<tunnel::SessionEstablished> decode_session(std::span<const std::byte> bytes);

// A reset the non-failed end suggested (RecoverySuggested), and a tunnel's path after it moved
// (TunnelMoved): the peer's address and ours.
Bytes encode_suggestion(const failover::RecoverySuggestion& suggestion);
std::optional<failover::RecoverySuggestion> decode_suggestion(std::span<const std::byte> bytes);
Bytes encode_path(const PeerAddress& peer, const PeerAddress& local);
std::optional<std::pair<PeerAddress, PeerAddress>> decode_path(std::span<const std::byte> bytes);

}  // namespace hl2tp::store

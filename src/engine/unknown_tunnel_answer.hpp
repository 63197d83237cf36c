#pragma once
// The answer to a control message for a tunnel we do not hold (issue 14, point 3): typically the
// peer's retransmission for a tunnel that was being set up when we restarted (only established
// tunnels are stored), which the peer otherwise repeats until it gives up (about a minute seen) —
// or, as well, from a peer whose tunnel we never had. Either way a StopCCN is the true answer
// (RFC 2661 §5.7): no such control connection exists here. It is built from the message alone, so
// that answering costs no state.
#include <optional>

#include "wire/control_message.hpp"

namespace hl2tp::engine {

// The StopCCN answering `m` (sent to our tunnel ID m.header.tunnel_id, which we do not hold), or
// nothing when `m` must not be answered: a ZLB, a message without a type, or a StopCCN (which
// never gets a StopCCN back: no loops between two ends that both forgot the tunnel).
std::optional<wire::ControlMessage> stopccn_for_unknown_tunnel(const wire::ControlMessage& m);

}  // namespace hl2tp::engine

#pragma once
// Settings of one tunnel's reliable control channel (RFC 2661 §5.8, Appendix A).
#include <cstdint>
#include <memory>

#include "base/time.hpp"
#include "channel/sequencing_rule.hpp"

namespace hl2tp::channel {

struct ChannelConfig {
  // The Receive Window Size we advertise: how many out-of-order messages we hold for in-order
  // delivery. Generous, so that a burst of ICRQs is not retransmitted for want of room.
  std::uint16_t receive_window = 64;
  // First retransmission interval, its cap (the RFC asks for at least 8 s) and how many intervals
  // may pass without an ack before the tunnel is cleared (§5.8 "several", recommended 5). With
  // 1 s, 16 s and 5 the message is retransmitted at 1, 3, 7 and 15 s and the tunnel cleared at
  // 1+2+4+8+16 = 31 s, as Debian's xl2tpd does (docs/peer-behaviour.md §1.2).
  Duration retransmit_initial = std::chrono::seconds(1);
  Duration retransmit_cap = std::chrono::seconds(16);
  std::uint8_t retransmit_timeouts = 5;
  // How long an ack may wait for an outgoing message to ride on before a ZLB carries it.
  Duration ack_delay = std::chrono::milliseconds(20);
  // Messages waiting for room in the peer's window beyond which the tunnel refuses new call
  // requests (responses are always queued: refusing one would strand the peer's call).
  std::uint32_t max_queued = 1024;
  // RFC 2661 §5.8 when empty; another implementation's rules only in the simulator.
  std::shared_ptr<const SequencingRule> sequencing;

  bool operator==(const ChannelConfig&) const = default;
};

}  // namespace hl2tp::channel

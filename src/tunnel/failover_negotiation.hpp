#pragma once
// Failover capability negotiation (RFC 4951 §3.1, docs/failover.md §2). It sits in the tunnel
// layer because it happens during tunnel set-up and its outcome is part of the tunnel's durable
// state; the recovery procedures (src/failover) read that outcome.
#include <cstdint>
#include <optional>
#include <string_view>

#include "wire/avp_value.hpp"

namespace hl2tp::tunnel {

// The `failover-resync` setting.
enum class FailoverResync : std::uint8_t {
  protocol_then_silent,  // "failover-protocol-fall-back-to-silent-failover" (default)
  silent,                // "silent-failover", also what disable-failover-protocol forces
  protocol,              // "failover-protocol": RFC 4951 only, no fall-back
  none,                  // plain RFC 2661: no recovery
};

// How a tunnel recovers after a failure of ours: decided when it is established.
enum class ResyncMethod : std::uint8_t {
  failover_protocol,  // RFC 4951 recovery tunnel, both ends advertised C=1
  silent,             // re-learn Ns/Nr from the peer without its help
  none,               // cannot be recovered: cleared on restart
};

std::string_view name(FailoverResync mode);
std::string_view name(ResyncMethod method);
std::optional<FailoverResync> parse_failover_resync(std::string_view text);

struct FailoverSettings {
  FailoverResync resync = FailoverResync::protocol_then_silent;
  // The Recovery Time we advertise (ms), and the cap on how long we honour a peer's.
  std::uint32_t recovery_time_ms = 60'000;
  // D bit: we can reset the data channel's sequence numbers (RFC 4951 §3.2.3). Off until a data
  // plane that can do it exists.
  bool data_channel_reset = false;
  // How long a recovery tunnel (RFC 4951 §3.2.1) may take to come up before the recovery falls
  // back to silent failover or, under `failover-protocol`, fails: its SCCRQ goes at 0, 1, 3 and
  // 7 s, and a peer holding for our Recovery Time is still waiting.
  std::uint32_t recovery_tunnel_timeout_ms = 10'000;

  bool operator==(const FailoverSettings&) const = default;
};

// The Failover Capability AVP we put in SCCRQ/SCCRP, or nothing (RFC 4951 §3.1: only when we can
// recover with the protocol; C=1 with our Recovery Time).
std::optional<wire::FailoverCapability> advertised_capability(const FailoverSettings& settings);

// The method for a tunnel given our setting and what the peer advertised (nullopt: no AVP).
ResyncMethod effective_method(FailoverResync mode,
                              const std::optional<wire::FailoverCapability>& peer);

// How long we keep a tunnel whose peer stopped answering, beyond the retransmission cycle: the
// peer's Recovery Time, capped by ours (RFC 4951 §5.1, docs/failover.md §4). Zero when the peer
// cannot recover with the protocol or our setting does not honour it.
std::uint32_t recovery_hold_ms(const FailoverSettings& settings,
                               const std::optional<wire::FailoverCapability>& peer);

}  // namespace hl2tp::tunnel

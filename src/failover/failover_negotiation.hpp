#pragma once
// Failover capability negotiation (RFC 4951 §3.1, docs/failover.md §2): what we advertise in a
// tunnel's set-up, and the method the tunnel then recovers with, stored with it.
#include <cstdint>
#include <optional>
#include <string_view>

#include "wire/avp_value.hpp"
#include "wire/control_message.hpp"

namespace hl2tp::failover {

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

// Whether a recovery whose RFC 4951 recovery tunnel failed falls back to silent failover; without
// it the tunnel is cleared silently (RFC 4951 §3.2.1).
bool falls_back_to_silent(FailoverResync mode);

// The Failover Capability AVP we put in SCCRQ/SCCRP, or nothing (RFC 4951 §3.1: only when we can
// recover with the protocol; C=1 with our Recovery Time).
std::optional<wire::FailoverCapability> advertised_capability(const FailoverSettings& settings);

// RFC 4951 §3.1: the capability goes in the SCCRQ/SCCRP of a normal tunnel, with M=0.
void advertise(wire::ControlMessage& m, const FailoverSettings& settings);
// What the peer advertised in its SCCRQ/SCCRP, if anything.
std::optional<wire::FailoverCapability> advertised_by(const wire::ControlMessage& m);

// The method for a tunnel given our setting and what the peer advertised (nullopt: no AVP).
ResyncMethod effective_method(FailoverResync mode,
                              const std::optional<wire::FailoverCapability>& peer);

// How long we keep a tunnel whose peer stopped answering, beyond the retransmission cycle: the
// peer's Recovery Time, capped by ours (RFC 4951 §5.1, docs/failover.md §4). Zero when the peer
// cannot recover with the protocol or our setting does not honour it.
std::uint32_t recovery_hold_ms(const FailoverSettings& settings,
                               const std::optional<wire::FailoverCapability>& peer);

}  // namespace hl2tp::failover

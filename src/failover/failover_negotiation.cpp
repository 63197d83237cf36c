#include "failover/failover_negotiation.hpp"

#include <algorithm>

namespace hl2tp::failover {
namespace {

bool can_recover_with_protocol(FailoverResync mode) {
  return mode == FailoverResync::protocol_then_silent || mode == FailoverResync::protocol;
}

bool peer_has_control_failover(const std::optional<wire::FailoverCapability>& peer) {
  return peer && peer->control;
}

}  // namespace

std::string_view name(FailoverResync mode) {
  switch (mode) {
    case FailoverResync::protocol_then_silent:
      return "failover-protocol-fall-back-to-silent-failover";
    case FailoverResync::silent:
      return "silent-failover";
    case FailoverResync::protocol:
      return "failover-protocol";
    case FailoverResync::none:
      return "none";
  }
  return "?";
}

std::string_view name(ResyncMethod method) {
  switch (method) {
    case ResyncMethod::failover_protocol:
      return "failover-protocol";
    case ResyncMethod::silent:
      return "silent-failover";
    case ResyncMethod::none:
      return "none";
  }
  return "?";
}

std::optional<FailoverResync> parse_failover_resync(std::string_view text) {
  for (auto mode : {FailoverResync::protocol_then_silent, FailoverResync::silent,
                    FailoverResync::protocol, FailoverResync::none}) {
    if (name(mode) == text) return mode;
  }
  return std::nullopt;
}

bool falls_back_to_silent(FailoverResync mode) {
  return mode != FailoverResync::protocol;
}

std::optional<wire::FailoverCapability> advertised_capability(const FailoverSettings& settings) {
  if (!can_recover_with_protocol(settings.resync)) return std::nullopt;
  return wire::FailoverCapability{true, settings.data_channel_reset, settings.recovery_time_ms};
}

void advertise(wire::ControlMessage& m, const FailoverSettings& settings) {
  if (auto capability = advertised_capability(settings)) {
    m.add<wire::AvpType::FailoverCapability>(*capability);
  }
}

std::optional<wire::FailoverCapability> advertised_by(const wire::ControlMessage& m) {
  const auto* capability = m.get<wire::AvpType::FailoverCapability>();
  return capability ? std::optional(*capability) : std::nullopt;
}

ResyncMethod effective_method(FailoverResync mode,
                              const std::optional<wire::FailoverCapability>& peer) {
  switch (mode) {
    case FailoverResync::none:
      return ResyncMethod::none;
    case FailoverResync::silent:
      return ResyncMethod::silent;
    case FailoverResync::protocol:
      // No fall-back: a peer without control-channel failover cannot help us, so the tunnel is
      // cleared after a failure (docs/failover.md §2; RFC 4951 §3.2.1).
      return peer_has_control_failover(peer) ? ResyncMethod::failover_protocol : ResyncMethod::none;
    case FailoverResync::protocol_then_silent:
      return peer_has_control_failover(peer) ? ResyncMethod::failover_protocol
                                             : ResyncMethod::silent;
  }
  return ResyncMethod::none;
}

std::uint32_t recovery_hold_ms(const FailoverSettings& settings,
                               const std::optional<wire::FailoverCapability>& peer) {
  // We honour a peer's Recovery Time only when it may recover through us with the protocol: both
  // advertised capability and the peer has C=1.
  if (!can_recover_with_protocol(settings.resync) || !peer_has_control_failover(peer)) return 0;
  return std::min(peer->recovery_time_ms, settings.recovery_time_ms);
}

}  // namespace hl2tp::failover

#pragma once
// What a tunnel needs to know of its configuration, resolved for one peer by the engine.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "channel/channel_config.hpp"
#include "failover/failover_negotiation.hpp"
#include "tunnel/message_type_rule.hpp"
#include "wire/avp_value.hpp"
#include "wire/result_codes.hpp"

namespace hl2tp::tunnel {

struct TunnelSettings {
  std::string host_name = "hl2tp";
  std::string vendor_name = "hl2tp";
  std::uint16_t firmware_revision = 0x0001;
  std::uint32_t framing_capabilities = wire::kFramingSync | wire::kFramingAsync;
  std::uint32_t bearer_capabilities = wire::kBearerDigital | wire::kBearerAnalog;
  Bytes secret;            // tunnel authentication and AVP hiding; empty: neither
  bool hide_avps = false;  // hide what may be hidden (RFC 2661 §4.3); needs a secret
  channel::ChannelConfig channel;
  failover::FailoverSettings failover;
  Duration hello_interval = std::chrono::seconds(60);  // §5.5, after this long without a message
  // A call not established this long after it began is cleared (CDN result 10, §4.4.2).
  Duration session_setup_timeout = std::chrono::seconds(60);
  std::uint32_t max_sessions = 8192;  // per tunnel; the engine sets it from its limits
  bool place_incoming_calls = true;   // may act as LAC for ICRQ (send ICRQ)
  bool accept_incoming_calls = true;  // may act as LNS for ICRQ (answer ICRQ)
  bool place_outgoing_calls = true;   // may send OCRQ (LNS)
  bool accept_outgoing_calls = true;  // may answer OCRQ (LAC)
  // RFC 2661 §4.4.1 for message types we do not know when empty; another implementation's rule
  // only in the simulator.
  std::shared_ptr<const MessageTypeRule> message_types;

  bool operator==(const TunnelSettings&) const = default;
};

}  // namespace hl2tp::tunnel

#include "engine/unsent_calls.hpp"

#include "base/invariant.hpp"
#include "wire/control_codec.hpp"
#include "wire/message_builders.hpp"

namespace hl2tp::engine {

UnsentCalls withhold_unsent_calls(channel::ChannelState& channel,
                                  const tunnel::TunnelSettings& settings) {
  using wire::MessageType;
  UnsentCalls out;
  for (auto& [ns, bytes] : channel.unacked) {
    const auto m = wire::decode_control(bytes, {.secret = settings.secret});
    if (!m || !m->type()) continue;
    const auto type = *m->type();
    const bool request = type == MessageType::ICRQ || type == MessageType::OCRQ;
    const bool reply = type == MessageType::ICRP || type == MessageType::OCRP;
    out.calls += request || reply;
    if (!request) continue;
    // RFC 2661 §5.8: Ns values are consecutive and each is delivered exactly once, so the number
    // must still go out — but it need not carry the call. A HELLO in its place (§6.5: it asks
    // nothing of the peer but the acknowledgement) fills the gap. If the peer had taken the
    // original already (its acknowledgement lost with us), the HELLO is a duplicate it only
    // acknowledges (§5.8), and its reply for the call is answered with a CDN as before; if it had
    // not, no call is set up at the peer for nothing.
    wire::ControlMessage hello = wire::make_hello();
    hello.header = {m->header.tunnel_id, 0, ns, m->header.nr};
    auto encoded = wire::encode_control(hello);
    HL2TP_INVARIANT(encoded);
    bytes = std::move(*encoded);
    ++out.withheld;
  }
  return out;
}

}  // namespace hl2tp::engine

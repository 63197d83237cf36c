#pragma once
// Peer models: endpoints configured to behave, where it matters for failover, like the third-party
// daemons hl2tp meets in the field, so that the simulator proves silent failover against their
// behaviour and not only against our own (docs/peer-behaviour.md). A model is the non-failed
// end: those daemons lose everything when they restart themselves.
#include <span>
#include <string_view>

#include "engine/endpoint.hpp"
#include "engine/endpoint_config.hpp"

namespace hl2tp::sim {

enum class PeerModel : std::uint8_t {
  hl2tp,      // our own engine, with whatever failover setting it is given
  xl2tpd,     // Debian 12's xl2tpd 1.3.18
  accel_ppp,  // accel-ppp's L2TP (accel-pppd/ctrl/l2tp)
};

std::string_view name(PeerModel model);

// `config` turned into the model: no Failover Capability AVP (neither daemon implements RFC 4951),
// the model's sequencing rules, receive window and retransmission budget.
engine::EndpointConfig as_peer_model(engine::EndpointConfig config, PeerModel model);

// How long the model keeps retransmitting an unanswered message before its last try: a failed end
// that is back before then receives that try and recovers silently (xl2tpd: +1, +3, +7, +15 s,
// cleared at +31 s; accel-ppp: also +31 s, freed at +47 s).
Duration last_retransmission(PeerModel model);

// A behaviour of a widely deployed LNS (issue 14, point 2), as a receive filter
// (Simulation::set_receive_filter): it accepts one opening tunnel per source at a time, ignoring —
// no reply, no acknowledgement — a second SCCRQ from the same address and port while its first
// tunnel from there has not received its SCCCN. A retransmission of that first SCCRQ (the same
// Assigned Tunnel ID) still reaches it.
bool ignores_second_opening(const engine::Endpoint& receiver, const PeerAddress& from,
                            std::span<const std::byte> datagram);

}  // namespace hl2tp::sim

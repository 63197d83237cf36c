// RFC 1661 §3.6, the Network-Layer Protocol phase: IPCP and IPv6CP, each if configured, each
// Opened and Closed on its own; and the checkpoint of the phase, and the resume from it.
#include <utility>

#include "base/invariant.hpp"
#include "ppp/link.hpp"

namespace hl2tp::ppp {

Link Link::resumed(LinkConfig config, const LinkState& state, RandomSource& random, Time now) {
  return Link(std::move(config), random, state, now, Resume{});
}

Link::Link(LinkConfig config, RandomSource& random, const LinkState& state, Time now, Resume)
    : config_(std::move(config)),
      random_(random),
      phase_(Phase::network),
      lcp_options_(config_.lcp, random, state.lcp),
      lcp_(Negotiation::resumed_opened(negotiation_config(kLcpProtocol), state.lcp_identifier)),
      echo_(config_.echo, state.echo_identifier),
      authenticated_(state.lcp.authentication.has_value()),
      peer_name_(state.peer_name) {
  if (config_.ipcp) {
    if (state.ipcp) {
      // The subscriber keeps the addresses it holds, whatever the configuration says now: a
      // renegotiation must not move it (an address pool gave it out, and still holds its lease).
      IpcpConfig held = *config_.ipcp;
      held.our_address = state.ipcp->our_address.value_or(held.our_address);
      if (state.ipcp->peer_address) held.peer_address = state.ipcp->peer_address;
      if (state.ipcp->primary_dns) held.primary_dns = state.ipcp->primary_dns;
      if (state.ipcp->secondary_dns) held.secondary_dns = state.ipcp->secondary_dns;
      ipcp_options_.emplace(held, *state.ipcp);
      ipcp_.negotiation =
          Negotiation::resumed_opened(negotiation_config(kIpcpProtocol), state.ipcp_identifier);
    } else {
      ipcp_options_.emplace(*config_.ipcp);
      ipcp_.negotiation =
          Negotiation::resumed_initial(negotiation_config(kIpcpProtocol), state.ipcp_identifier);
    }
  }
  if (config_.ipv6cp) {
    if (state.ipv6cp) {
      ipv6cp_options_.emplace(*config_.ipv6cp, random_, *state.ipv6cp);
      ipv6cp_.negotiation =
          Negotiation::resumed_opened(negotiation_config(kIpv6cpProtocol), state.ipv6cp_identifier);
    } else {
      ipv6cp_options_.emplace(*config_.ipv6cp, random_);
      ipv6cp_.negotiation = Negotiation::resumed_initial(negotiation_config(kIpv6cpProtocol),
                                                         state.ipv6cp_identifier);
    }
  }
  // §5.8: LCP is Opened, so the keepalive runs, its first Echo-Request one interval from now.
  echo_.start(now);
  check_invariants();
}

std::optional<LinkState> Link::state() const {
  if (phase_ != Phase::network) return std::nullopt;
  LinkState state;
  state.lcp = lcp_options_.agreement();
  state.peer_name = peer_name_;
  if (ipcp_.negotiation) {
    if (ipcp_.negotiation->state() == State::opened) state.ipcp = ipcp_options_->agreement();
    state.ipcp_identifier = ipcp_.negotiation->next_identifier();
  }
  if (ipv6cp_.negotiation) {
    if (ipv6cp_.negotiation->state() == State::opened) state.ipv6cp = ipv6cp_options_->agreement();
    state.ipv6cp_identifier = ipv6cp_.negotiation->next_identifier();
  }
  state.lcp_identifier = lcp_.next_identifier();
  state.echo_identifier = echo_.next_identifier();
  return state;
}

void Link::checkpoint(LinkOutput& out) const {
  // What is durable changes as the phase is entered and as each NCP opens or closes; the
  // Identifiers change with every Echo-Request too, but a write per keepalive per subscriber
  // would be the store's heaviest load for nothing: the subscriber copies an Echo-Request's
  // Identifier into its reply and matches nothing against it (§5.8).
  if (phase_ == Phase::network) out.events.push_back(Checkpoint{state()});
}

void Link::enter_network(Time now, LinkOutput& out) {
  change_phase(PhaseEvent::success);
  for (Ncp* ncp : {&ipcp_, &ipv6cp_}) {
    // A protocol the peer rejected on an earlier LCP is offered again on this one.
    ncp->rejected_by_peer = false;
    if (ncp->negotiation) start_ncp(now, *ncp, out);
  }
  checkpoint(out);
}

void Link::start_ncp(Time now, Ncp& ncp, LinkOutput& out) {
  follow_ncp(ncp, ncp.negotiation->open(now, policy_of(ncp)), out);
  follow_ncp(ncp, ncp.negotiation->up(now, policy_of(ncp)), out);
}

void Link::stop_ncp(Time now, Ncp& ncp, LinkOutput& out) {
  ncp.rejected_by_peer = true;
  if (!ncp.negotiation) return;
  // §5.7: "MUST stop sending packets of the indicated protocol": a Down, which sends nothing
  // (the table's RXJ- would send a Terminate-Request on the rejected protocol), then a Close to
  // Initial, where it stays.
  const State state = ncp.negotiation->state();
  if (state != State::initial && state != State::starting) {
    follow_ncp(ncp, ncp.negotiation->down(now, policy_of(ncp)), out);
  }
  follow_ncp(ncp, ncp.negotiation->close(now, policy_of(ncp)), out);
}

void Link::receive_ncp(Time now, Ncp& ncp, std::span<const std::byte> information,
                       LinkOutput& out) {
  // Not configured: a protocol this link does not support (§3.6 Implementation Note).
  if (!ncp.negotiation) {
    reject_protocol(ncp.protocol, information, out);
    return;
  }
  // §3.4, §3.5, §3.7: "All other packets received during this phase MUST be silently discarded."
  if (phase_ != Phase::network) {
    out.discarded = LinkDiscard::not_in_phase;
    return;
  }
  if (ncp.rejected_by_peer) {
    out.discarded = LinkDiscard::not_running;
    return;
  }
  // A resumed link starts an NCP that was not Opened when the subscriber first speaks it.
  if (ncp.negotiation->state() == State::initial) start_ncp(now, ncp, out);
  follow_ncp(ncp, ncp.negotiation->receive(now, information, policy_of(ncp)), out);
}

void Link::follow_ncp(Ncp& ncp, NegotiationOutput n, LinkOutput& out) {
  for (Bytes& packet : n.send)
    out.send.push_back(LinkFrame{ncp.protocol, std::move(packet)});
  if (n.discarded != Discard::none) {
    out.discarded = LinkDiscard::ncp;
    out.negotiation_discard = n.discarded;
    out.decode_error = n.decode_error;
  }
  for (LayerEvent event : n.layer_events) {
    if (event == LayerEvent::up) {
      if (&ncp == &ipcp_) out.events.push_back(IpcpUp{ipcp_options_->agreement()});
      if (&ncp == &ipv6cp_) out.events.push_back(Ipv6cpUp{ipv6cp_options_->agreement()});
      checkpoint(out);
    } else if (event == LayerEvent::down) {
      out.events.push_back(NcpDown{ncp.protocol});
      checkpoint(out);
    }
  }
}

void Link::reject_protocol(std::uint16_t protocol, std::span<const std::byte> information,
                           LinkOutput& out) {
  // §5.7 and §3.6's Implementation Note: while LCP is Opened, an unsupported protocol is returned
  // in a Protocol-Reject; before, there is nothing to reject it with and it is dropped. §3.5's
  // "all other packets ... MUST be silently discarded" is read with that note, as about the
  // protocols we do support: the Authenticate phase rejects an unknown one too.
  auto lcp = lcp_.reject_protocol(protocol, information, lcp_options_);
  if (lcp.discarded != Discard::none) {
    out.discarded = LinkDiscard::unsupported;
    return;
  }
  for (Bytes& packet : lcp.send)
    out.send.push_back(LinkFrame{kLcpProtocol, std::move(packet)});
}

NegotiationPolicy& Link::policy_of(const Ncp& ncp) {
  if (&ncp == &ipcp_) return *ipcp_options_;
  HL2TP_INVARIANT(&ncp == &ipv6cp_);
  return *ipv6cp_options_;
}

NegotiationConfig Link::negotiation_config(std::uint16_t protocol) const {
  NegotiationConfig config = config_.negotiation;
  config.protocol = protocol;
  return config;
}

}  // namespace hl2tp::ppp

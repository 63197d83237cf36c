// RFC 1661 §3: the phases, performed by the table of link_phase.cpp, and LCP, which moves the link
// through them. Each part is called downward and its output taken into the one LinkOutput; the
// Authenticate phase is link_authentication.cpp, the Network phase link_network.cpp.
//
// The keepalive counts any frame from the peer as an answer, not only Echo-Replies: what it asks
// is whether the peer is still there, and any frame says so (pppd's lcp-echo-adaptive reasons the
// same way). A peer that is busy negotiating, or whose Echo-Replies alone are lost, is not judged
// dead; a frame that is our own come back (an Echo with our Magic-Number) is not from the peer, so
// a looped-back link still ends as "peer not answering".
#include "ppp/link.hpp"

#include <algorithm>

#include "base/byte_reader.hpp"
#include "base/invariant.hpp"

namespace hl2tp::ppp {
namespace {

void take_earliest(std::optional<Time>& earliest, std::optional<Time> candidate) {
  if (candidate && (!earliest || *candidate < *earliest)) earliest = candidate;
}

// A termination the peer starts: its Terminate-Request (§5.5), or a reject that ends LCP (§5.6,
// §5.7).
std::optional<DownReason> peer_cause(const ControlPacket& packet) {
  switch (static_cast<Code>(packet.code)) {
    case Code::terminate_request:
      return DownReason::peer_terminated;
    case Code::code_reject:
    case Code::protocol_reject:
      return DownReason::lcp_rejected;
    default:
      return std::nullopt;
  }
}

constexpr EnumSet<State> kEnding{State::closing, State::stopping, State::closed, State::stopped};

}  // namespace

Link::Link(LinkConfig config, RandomSource& random, std::optional<ProxyLcp> proxy)
    : config_(std::move(config)),
      random_(random),
      proxied_(proxy && !config_.renegotiate_proxied_lcp
                   ? take_proxied_lcp(config_.lcp, *proxy, random)
                   : std::nullopt),
      lcp_options_(proxied_ ? LcpOptions(config_.lcp, random, proxied_->agreement)
                            : LcpOptions(config_.lcp, random)),
      lcp_(negotiation_config(kLcpProtocol)),
      echo_(config_.echo) {
  if (config_.ipcp) {
    ipcp_options_.emplace(*config_.ipcp);
    ipcp_.negotiation.emplace(negotiation_config(kIpcpProtocol));
  }
  if (config_.ipv6cp) {
    ipv6cp_options_.emplace(*config_.ipv6cp, random_);
    ipv6cp_.negotiation.emplace(negotiation_config(kIpv6cpProtocol));
  }
}

LinkOutput Link::lower_up(Time now) {
  LinkOutput out;
  // Up once: a link that ended is not begun again (the caller makes a new one for a new call).
  if (phase_ != Phase::dead || lcp_.state() != State::initial || down_reported_) {
    out.discarded = LinkDiscard::lcp;
    out.negotiation_discard = Discard::illegal_event;
    return finished(std::move(out));
  }
  if (closed_) {
    // Closed before it came up: LCP takes the Up into Closed, and the link stays Dead.
    follow_lcp(now, lcp_.up(now, lcp_options_), out);
    return finished(std::move(out));
  }
  if (proxied_) {
    change_phase(PhaseEvent::up);
    start_proxied(now, out);
    return finished(std::move(out));
  }
  // §3.3: the Up event to LCP, Opened administratively (into Starting, still Dead) as the link
  // is wanted.
  follow_lcp(now, lcp_.open(now, lcp_options_), out);
  change_phase(PhaseEvent::up);
  follow_lcp(now, lcp_.up(now, lcp_options_), out);
  return finished(std::move(out));
}

LinkOutput Link::lower_down(Time now) {
  LinkOutput out;
  if (!ending_) ending_ = LinkDown{DownReason::lower_layer_down, {}};
  follow_lcp(now, lcp_.down(now, lcp_options_), out);
  // §3.3: the link is Dead, whatever phase it was in; the Down itself is the end.
  report_down(DownReason::lower_layer_down, out);
  return finished(std::move(out));
}

LinkOutput Link::close(Time now, std::string reason) {
  LinkOutput out;
  closed_ = true;
  if (!ending_) ending_ = LinkDown{DownReason::administrative, std::move(reason)};
  follow_lcp(now, lcp_.close(now, lcp_options_), out);
  // Closed while Dead: there is no Terminate exchange to wait for.
  if (phase_ == Phase::dead) report_down(DownReason::administrative, out);
  return finished(std::move(out));
}

LinkOutput Link::receive(Time now, std::uint16_t protocol, std::span<const std::byte> information) {
  LinkOutput out;
  switch (protocol) {
    case kLcpProtocol:
      receive_lcp(now, information, out);
      break;
    case kPapProtocol:
    case kChapProtocol:
      receive_authentication(now, protocol, information, out);
      break;
    case kIpcpProtocol:
      receive_ncp(now, ipcp_, information, out);
      break;
    case kIpv6cpProtocol:
      receive_ncp(now, ipv6cp_, information, out);
      break;
    default:
      reject_protocol(protocol, information, out);
      break;
  }
  if (out.discarded != LinkDiscard::looped_back) echo_.heard_from_peer();
  return finished(std::move(out));
}

LinkOutput Link::timeout(Time now) {
  LinkOutput out;
  const auto due = [now](std::optional<Time> deadline) { return deadline && *deadline <= now; };
  if (due(lcp_.deadline())) follow_lcp(now, lcp_.timeout(now, lcp_options_), out);
  if (pap_ && due(pap_->deadline()))
    follow_authentication(now, kPapProtocol, pap_->timeout(now), out);
  if (chap_ && due(chap_->deadline())) {
    follow_authentication(now, kChapProtocol, chap_->timeout(now), out);
  }
  if (due(proxied_verdict_deadline_)) {
    // The verifier never answered the proxied credentials.
    std::string name = std::visit([](const auto& c) { return c.peer_name; }, *proxied_credentials_);
    proxied_credentials_.reset();
    proxied_verdict_deadline_.reset();
    decide_authentication(now, AuthOutcome{AuthResult::timed_out, RefusalReason::none, name, {}},
                          out);
  }
  for (Ncp* ncp : {&ipcp_, &ipv6cp_}) {
    if (ncp->negotiation && due(ncp->negotiation->deadline())) {
      follow_ncp(*ncp, ncp->negotiation->timeout(now, policy_of(*ncp)), out);
    }
  }
  if (due(echo_.deadline())) tick_echo(now, out);
  return finished(std::move(out));
}

void Link::change_phase(PhaseEvent event) {
  const auto next = next_phase(phase_, event);
  HL2TP_INVARIANT(next.has_value());
  phase_ = *next;
}

void Link::follow_lcp(Time now, NegotiationOutput lcp, LinkOutput& out) {
  for (Bytes& packet : lcp.send)
    out.send.push_back(LinkFrame{kLcpProtocol, std::move(packet)});
  if (lcp.discarded != Discard::none) {
    out.discarded = LinkDiscard::lcp;
    out.negotiation_discard = lcp.discarded;
    out.decode_error = lcp.decode_error;
  }
  // §5.7: the peer does not run this NCP; it stops, and the link goes on (§3.7 Implementation
  // Note: one NCP closing is no reason to end the link). A rejected authentication protocol needs
  // nothing here: the authenticator's own timeout ends the link.
  if (lcp.rejected_protocol == kIpcpProtocol) stop_ncp(now, ipcp_, out);
  if (lcp.rejected_protocol == kIpv6cpProtocol) stop_ncp(now, ipv6cp_, out);
  if (lcp.gave_up && !ending_) ending_ = LinkDown{DownReason::lcp_failed, {}};
  for (LayerEvent event : lcp.layer_events) {
    switch (event) {
      case LayerEvent::up:
        change_phase(PhaseEvent::opened);
        echo_.start(now);
        enter_authenticate(now, out);
        break;
      case LayerEvent::down:
        lcp_left_opened(now, out);
        break;
      case LayerEvent::started:
        break;
      case LayerEvent::finished: {
        // Out of Establish this is the diagram's FAIL; out of Terminate the exchange is over.
        const bool negotiating = phase_ == Phase::establish;
        change_phase(PhaseEvent::finished);
        // Stopped would take the peer's next Configure-Request as a new negotiation; the link has
        // ended, so LCP is Closed, where the table answers with a Terminate-Ack (§4.1).
        if (lcp_.state() == State::stopped) {
          const auto closed = lcp_.close(now, lcp_options_);
          HL2TP_INVARIANT(closed.send.empty() && closed.layer_events.empty());
        }
        report_down(negotiating ? DownReason::lcp_failed : DownReason::peer_terminated, out);
        break;
      }
    }
  }
  // Entering Closing or Stopping is not always a layer event: a Close in Req-Sent sends a
  // Terminate-Request without tld (§4.1).
  const State state = lcp_.state();
  if ((state == State::closing || state == State::stopping) && phase_ != Phase::terminate) {
    change_phase(PhaseEvent::closing);
  }
  if ((state == State::initial || state == State::starting) && phase_ != Phase::dead) {
    change_phase(PhaseEvent::down);
  }
}

void Link::lcp_left_opened(Time now, LinkOutput& out) {
  echo_.stop();
  const bool was_network = phase_ == Phase::network;
  const State state = lcp_.state();
  // §3.4 last paragraph: a Configure-Request returns the link to Establish; otherwise it is
  // terminating (§3.7), or its lower layer is gone.
  if (kConfiguring.contains(state)) {
    change_phase(PhaseEvent::renegotiate);
  } else if (state == State::closing || state == State::stopping) {
    change_phase(PhaseEvent::closing);
  } else {
    change_phase(PhaseEvent::down);
  }
  // §3.7: the NCPs are told (a Down: they send nothing, "no need ... [for] a flurry of Terminate
  // packets"); a renegotiated LCP authenticates the peer anew before they run again (§3.5).
  for (Ncp* ncp : {&ipcp_, &ipv6cp_}) {
    if (!ncp->negotiation) continue;
    const State s = ncp->negotiation->state();
    if (s != State::initial && s != State::starting) {
      follow_ncp(*ncp, ncp->negotiation->down(now, policy_of(*ncp)), out);
    }
  }
  stop_authentication();
  if (was_network) out.events.push_back(Checkpoint{std::nullopt});
}

void Link::terminate(Time now, DownReason reason, std::string text, LinkOutput& out) {
  if (!ending_) ending_ = LinkDown{reason, std::move(text)};
  follow_lcp(now, lcp_.close(now, lcp_options_), out);
}

void Link::report_down(DownReason fallback, LinkOutput& out) {
  if (down_reported_) return;
  down_reported_ = true;
  out.events.push_back(ending_ ? *ending_ : LinkDown{fallback, {}});
}

void Link::receive_lcp(Time now, std::span<const std::byte> information, LinkOutput& out) {
  const auto packet = decode_packet(information);
  std::optional<DownReason> cause;
  if (packet && lcp_.state() == State::opened) {
    const auto code = static_cast<Code>(packet->code);
    if (code == Code::echo_request || code == Code::echo_reply) {
      // §5.8, §6.4: the peer's Magic-Number differs from ours (lcp_options.cpp Naks ours), so an
      // Echo with ours is our own frame come back: counted, not answered, and no sign of the peer.
      ByteReader reader(packet->data);
      const auto magic = reader.u32();
      const std::uint32_t ours = lcp_options_.agreement().our_magic_number;
      if (magic && ours != 0 && *magic == ours) {
        out.discarded = LinkDiscard::looped_back;
        return;
      }
    }
    cause = peer_cause(*packet);
  }
  const State before = lcp_.state();
  auto lcp = lcp_.receive(now, information, lcp_options_);
  if (cause && !ending_ && !kEnding.contains(before) && kEnding.contains(lcp_.state())) {
    ending_ = LinkDown{*cause, {}};
  }
  follow_lcp(now, std::move(lcp), out);
}

void Link::tick_echo(Time now, LinkOutput& out) {
  const EchoTick tick = echo_.timeout(now, lcp_options_.agreement().our_magic_number);
  if (tick.request) out.send.push_back(LinkFrame{kLcpProtocol, *tick.request});
  if (tick.peer_dead) {
    // §3.7 "link quality failure": LCP closes, and the Terminate-Request has its Restart timer
    // before the link is reported down.
    echo_.stop();
    terminate(now, DownReason::peer_not_answering, {}, out);
  }
}

std::optional<Time> Link::deadline() const {
  std::optional<Time> earliest;
  take_earliest(earliest, lcp_.deadline());
  if (pap_) take_earliest(earliest, pap_->deadline());
  if (chap_) take_earliest(earliest, chap_->deadline());
  take_earliest(earliest, proxied_verdict_deadline_);
  for (const Ncp* ncp : {&ipcp_, &ipv6cp_}) {
    if (ncp->negotiation) take_earliest(earliest, ncp->negotiation->deadline());
  }
  take_earliest(earliest, echo_.deadline());
  return earliest;
}

std::optional<State> Link::ipcp_state() const {
  if (!ipcp_.negotiation) return std::nullopt;
  return ipcp_.negotiation->state();
}

std::optional<State> Link::ipv6cp_state() const {
  if (!ipv6cp_.negotiation) return std::nullopt;
  return ipv6cp_.negotiation->state();
}

LinkOutput Link::finished(LinkOutput out) const {
  out.deadline = deadline();
  check_invariants();
  return out;
}

void Link::check_invariants() const {
  // The phase is what the LCP automaton is in (§3.3-§3.7).
  HL2TP_INVARIANT(lcp_states(phase_).contains(lcp_.state()));
  // The NCPs run only in the Network phase (§3.6): elsewhere their lower layer is down.
  for (const Ncp* ncp : {&ipcp_, &ipv6cp_}) {
    if (phase_ == Phase::network || !ncp->negotiation) continue;
    const State s = ncp->negotiation->state();
    HL2TP_INVARIANT(s == State::initial || s == State::starting);
  }
  // §3.5: no Network phase before the peer authenticated, when LCP agreed it must; and LCP agrees
  // authentication whenever the configuration requires it (lcp_options.cpp gives up otherwise).
  const auto& agreed = lcp_options_.agreement().authentication;
  HL2TP_INVARIANT(phase_ != Phase::network || !agreed || authenticated_);
  HL2TP_INVARIANT(phase_ != Phase::network || agreed || config_.lcp.authentication.empty());
  // §5.8: Echo-Requests only in LCP Opened.
  HL2TP_INVARIANT(!echo_.running() || lcp_.state() == State::opened);
  // One authenticator at most, and only from the Authenticate phase on.
  HL2TP_INVARIANT(!(pap_ && chap_) && !(proxied_credentials_ && (pap_ || chap_)));
  HL2TP_INVARIANT(!proxied_credentials_ || phase_ == Phase::authenticate);
}

}  // namespace hl2tp::ppp

// RFC 1661 §3.5, the Authenticate phase: the authenticator LCP agreed, or none (the diagram's
// SUCCESS/NONE), or the verdict on the credentials a LAC proxied (RFC 2661 §4.4.5, proxy_lcp.cpp).
#include <utility>

#include "base/invariant.hpp"
#include "ppp/link.hpp"

namespace hl2tp::ppp {

void Link::start_proxied(Time now, LinkOutput& out) {
  HL2TP_INVARIANT(proxied_.has_value());
  // LCP as the LAC left it with the subscriber: Opened, without a packet. Its Identifiers are the
  // LAC's, which we do not know; ours start at a drawn one rather than at 1 every time.
  std::byte identifier{};
  random_.fill(std::span(&identifier, 1));
  lcp_ = Negotiation::resumed_opened(negotiation_config(kLcpProtocol),
                                     std::to_integer<std::uint8_t>(identifier));
  change_phase(PhaseEvent::opened);
  echo_.start(now);
  std::optional<Credentials> credentials = std::move(proxied_->credentials);
  proxied_.reset();
  if (!credentials) {
    // Nothing usable was proxied: the LNS authenticates the subscriber itself (RFC 2661 §4.4.5,
    // Proxy Authen Type), or needs no authentication.
    enter_authenticate(now, out);
    return;
  }
  // The verifier judges them as it would our own authenticator's; the subscriber sees nothing.
  const bool pap = std::holds_alternative<PapCredentials>(*credentials);
  proxied_verdict_deadline_ =
      now + (pap ? config_.pap.verdict_timeout : config_.chap.verdict_timeout);
  proxied_credentials_ = credentials;
  out.verify = std::move(credentials);
}

void Link::enter_authenticate(Time now, LinkOutput& out) {
  const auto& agreed = lcp_options_.agreement().authentication;
  if (!agreed) {
    enter_network(now, out);  // NONE (§3.5: "By default, authentication is not mandatory")
    return;
  }
  // §3.5: "as soon as possible after link establishment".
  if (*agreed == AuthProtocol::pap) {
    pap_.emplace(config_.pap);
    follow_authentication(now, kPapProtocol, pap_->start(now), out);
  } else {
    chap_.emplace(config_.chap);
    follow_authentication(now, kChapProtocol, chap_->start(now, random_), out);
  }
}

LinkOutput Link::verdict(Time now, const AuthVerdict& verdict) {
  LinkOutput out;
  if (pap_) {
    follow_authentication(now, kPapProtocol, pap_->verdict(now, verdict), out);
  } else if (chap_) {
    follow_authentication(now, kChapProtocol, chap_->verdict(now, verdict), out);
  } else if (proxied_credentials_) {
    std::string name = std::visit([](const auto& c) { return c.peer_name; }, *proxied_credentials_);
    proxied_credentials_.reset();
    proxied_verdict_deadline_.reset();
    decide_authentication(
        now,
        AuthOutcome{verdict.accepted ? AuthResult::accepted : AuthResult::refused,
                    verdict.accepted ? RefusalReason::none : RefusalReason::verifier,
                    std::move(name), bounded_message(verdict.message)},
        out);
  } else {
    // A verdict for a link that moved on (renegotiated, terminated) or never asked.
    out.discarded = LinkDiscard::no_verification;
  }
  return finished(std::move(out));
}

void Link::receive_authentication(Time now, std::uint16_t protocol,
                                  std::span<const std::byte> information, LinkOutput& out) {
  // §3.4, §3.7: only LCP in Establish and Terminate. From Authenticate on they are the
  // authenticator's, in Network too: a peer that missed our answer repeats its Request or
  // Response, and gets the same answer (RFC 1334 §2.2.1, RFC 1994 §4.1).
  if (phase_ != Phase::authenticate && phase_ != Phase::network) {
    out.discarded = LinkDiscard::not_in_phase;
    return;
  }
  const auto& agreed = lcp_options_.agreement().authentication;
  const bool pap = protocol == kPapProtocol;
  if (!agreed || (*agreed == AuthProtocol::pap) != pap) {
    out.discarded = LinkDiscard::not_agreed;
    return;
  }
  if (pap && pap_) {
    follow_authentication(now, protocol, pap_->receive(now, information), out);
  } else if (!pap && chap_) {
    follow_authentication(now, protocol, chap_->receive(now, information), out);
  } else {
    out.discarded = LinkDiscard::not_running;  // resumed, or proxied: no authenticator ran here
  }
}

void Link::follow_authentication(Time now, std::uint16_t protocol, AuthOutput auth,
                                 LinkOutput& out) {
  for (Bytes& packet : auth.send)
    out.send.push_back(LinkFrame{protocol, std::move(packet)});
  if (auth.discarded != AuthDiscard::none) {
    out.discarded = LinkDiscard::authentication;
    out.auth_discard = auth.discarded;
    out.decode_error = auth.decode_error;
  }
  if (auth.verify) out.verify = std::move(auth.verify);
  if (auth.outcome) decide_authentication(now, *auth.outcome, out);
}

void Link::decide_authentication(Time now, const AuthOutcome& outcome, LinkOutput& out) {
  HL2TP_INVARIANT(phase_ == Phase::authenticate);
  if (outcome.result == AuthResult::accepted) {
    authenticated_ = true;
    peer_name_ = outcome.peer_name;
    out.events.push_back(Authenticated{peer_name_});
    enter_network(now, out);
    return;
  }
  // §3.5: "If authentication fails, the authenticator SHOULD proceed instead to the Link
  // Termination phase"; the PAP Nak or CHAP Failure is already in the output, before the
  // Terminate-Request.
  change_phase(PhaseEvent::fail);
  terminate(now,
            outcome.result == AuthResult::timed_out ? DownReason::authentication_timed_out
                                                    : DownReason::authentication_refused,
            outcome.message, out);
}

void Link::stop_authentication() {
  pap_.reset();
  chap_.reset();
  proxied_credentials_.reset();
  proxied_verdict_deadline_.reset();
  authenticated_ = false;
}

}  // namespace hl2tp::ppp

#pragma once
// The authenticator's side of PAP (RFC 1334 §2): the LNS waits for the peer's
// Authenticate-Request, hands its Peer-ID and Password up to be verified, and answers with
// Authenticate-Ack or Authenticate-Nak once the verdict comes back. The peer drives the pace
// (§2: it repeats its Request until answered), so the only timers here bound the wait: for the
// peer's first Request, and for the verifier. Sans-IO, like negotiation.hpp: each call takes the
// time and one input and returns one AuthOutput.
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "base/time.hpp"
#include "ppp/authentication.hpp"

namespace hl2tp::ppp {

// §2.2 Code.
enum class PapCode : std::uint8_t {
  authenticate_request = 1,
  authenticate_ack = 2,
  authenticate_nak = 3,
};

struct PapConfig {
  // How long the peer has to send its first Request. The RFC sets none (the peer retries at its
  // pace); this is RFC 1661 §4.6's Max-Configure times its Restart interval, the time CHAP's
  // challenges take to give up, so both protocols wait alike.
  Duration request_timeout = std::chrono::seconds(30);
  // How long the verifier has to answer; a RADIUS client gives up well before this.
  Duration verdict_timeout = std::chrono::seconds(30);
};

class PapAuthenticator {
 public:
  explicit PapAuthenticator(PapConfig config = {});

  // LCP is Opened and PAP was agreed: the Authentication phase begins (RFC 1661 §3.5).
  AuthOutput start(Time now);
  // A packet on PAP's protocol, the PPP Information field as received.
  AuthOutput receive(Time now, std::span<const std::byte> information);
  // The verifier's answer to the credentials of an earlier output's `verify`.
  AuthOutput verdict(Time now, const AuthVerdict& verdict);
  // The timer's expiry: the wait for the peer or the verifier ends, if its deadline has passed.
  AuthOutput timeout(Time now);

  // The outcome once decided; also reported once, in the output of the call that decided it.
  const std::optional<AuthOutcome>& outcome() const { return outcome_; }
  std::optional<Time> deadline() const { return deadline_; }

 private:
  enum class Phase : std::uint8_t {
    idle,              // before start(): Requests are silently discarded (§2.2.1)
    waiting_request,   // for the peer's first Authenticate-Request
    awaiting_verdict,  // credentials handed up, Requests absorbed
    decided,           // answered: every later Request gets the same answer (§2.2.1)
    gave_up,           // timed out with nothing to repeat
  };

  void take_request(Time now, std::uint8_t identifier, PapCredentials credentials, AuthOutput& out);
  void decide(AuthResult result, RefusalReason reason, std::string message, AuthOutput& out);
  void send_answer(std::uint8_t identifier, AuthOutput& out) const;
  AuthOutput finished(AuthOutput out) const;

  PapConfig config_;
  Phase phase_ = Phase::idle;
  std::optional<Time> deadline_;
  // The Request being verified, and the Identifier the answer will carry: the latest Request's,
  // since the peer changes it with each Request it sends (§2.2.1 Identifier).
  PapCredentials pending_;
  std::uint8_t answer_identifier_ = 0;
  // The answer, kept to be repeated (§2.2.1 Implementation Note).
  PapCode answer_code_ = PapCode::authenticate_nak;
  std::string answer_message_;
  std::optional<AuthOutcome> outcome_;
};

}  // namespace hl2tp::ppp

#pragma once
// The authenticator's side of CHAP with MD5 (RFC 1994, Algorithm 5): the LNS sends a Challenge,
// retransmits it on a Restart timer until a Response comes or its attempts run out, hands the
// Response up to be verified, and answers Success or Failure once the verdict comes back. Sans-IO,
// like negotiation.hpp: each call takes the time and one input and returns one AuthOutput; the
// Challenge Value comes from the caller's RandomSource (docs/style.md §2).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "base/bytes.hpp"
#include "base/random_source.hpp"
#include "base/time.hpp"
#include "ppp/authentication.hpp"

namespace hl2tp::ppp {

// RFC 1994 §4 Code.
enum class ChapCode : std::uint8_t {
  challenge = 1,
  response = 2,
  success = 3,
  failure = 4,
};

// An MD5 digest: the only Response Value Algorithm 5 can produce (§4.1).
inline constexpr std::size_t kChapMd5ResponseSize = 16;

struct ChapConfig {
  // Our Name in the Challenge (§4.1: one or more octets, not NUL or CR/LF terminated).
  std::string name = "hl2tp";
  // The Challenge Value's length (§4.1: one or more octets, independent of the hash). Sixteen
  // random octets make a repeat, which §2.3 warns against, as unlikely as an MD5 collision.
  std::size_t challenge_length = 16;
  // The Restart timer and the attempts of RFC 1661 §4.6 (Max-Configure), applied to the
  // Challenge, which "MUST be sent until a valid Response packet is received, or an optional retry
  // counter expires" (§4.1).
  Duration restart_interval = std::chrono::seconds(3);
  unsigned max_challenges = 10;
  // How long the verifier has to answer; a RADIUS client gives up well before this.
  Duration verdict_timeout = std::chrono::seconds(30);
};

class ChapAuthenticator {
 public:
  explicit ChapAuthenticator(ChapConfig config = {});

  // LCP is Opened and CHAP was agreed: the first Challenge goes out, its Identifier and Value
  // drawn from `random`.
  AuthOutput start(Time now, RandomSource& random);
  // A packet on CHAP's protocol, the PPP Information field as received.
  AuthOutput receive(Time now, std::span<const std::byte> information);
  // The verifier's answer to the credentials of an earlier output's `verify`.
  AuthOutput verdict(Time now, const AuthVerdict& verdict);
  // The timer's expiry: a retransmission, or the end of the wait, if its deadline has passed.
  AuthOutput timeout(Time now);

  // The outcome once decided; also reported once, in the output of the call that decided it.
  const std::optional<AuthOutcome>& outcome() const { return outcome_; }
  std::optional<Time> deadline() const { return deadline_; }
  unsigned challenges_sent() const { return challenges_sent_; }

 private:
  enum class Phase : std::uint8_t {
    idle,              // before start(): Responses are silently discarded (§4.1)
    challenging,       // the Challenge is out, retransmitted on the timer
    awaiting_verdict,  // a Response handed up; its repeats are absorbed
    decided,           // answered: a Response to this Challenge gets the same answer (§4.1)
    gave_up,           // no Response came after the last Challenge
  };

  void take_response(Time now, Bytes value, std::string name, AuthOutput& out);
  void decide(AuthResult result, RefusalReason reason, std::string message, AuthOutput& out);
  void send_challenge(AuthOutput& out);
  void send_answer(AuthOutput& out) const;
  AuthOutput finished(AuthOutput out) const;

  ChapConfig config_;
  Phase phase_ = Phase::idle;
  std::optional<Time> deadline_;
  unsigned challenges_sent_ = 0;
  // The current Challenge (§4.1: a Response must carry its Identifier).
  std::uint8_t identifier_ = 0;
  Bytes challenge_;
  // The Response taken, for the verification and the outcome.
  std::string peer_name_;
  // The answer, kept to be repeated (§4.1 Implementation Notes).
  ChapCode answer_code_ = ChapCode::failure;
  std::string answer_message_;
  std::optional<AuthOutcome> outcome_;
};

}  // namespace hl2tp::ppp

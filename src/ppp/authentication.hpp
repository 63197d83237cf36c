#pragma once
// What the authenticators (pap_authenticator.hpp, chap_authenticator.hpp) share: the credentials
// they hand up to be verified, the verdict they take back, the outcome of the Authentication phase
// and the one output value every entry point returns. The LNS is the authenticator: it asks the
// peer to authenticate after LCP is Opened (RFC 1661 §3.5). Who knows the secrets is not this
// layer: the caller verifies (a local table today, a RADIUS server later, whose answer arrives
// after many calls), so a verification is a request in the output and its answer a later input.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/bytes.hpp"
#include "base/time.hpp"
#include "ppp/control_packet.hpp"

namespace hl2tp::ppp {

// The longest peer name taken to a verification: RADIUS's User-Name holds at most 253 octets
// (RFC 2865 §5.1), and a name no verifier can be asked about is refused, not truncated.
inline constexpr std::size_t kMaxPeerNameLength = 253;
// The longest Message we send: PAP's Msg-Length is one octet (RFC 1334 §2.2.2). CHAP's Message
// (RFC 1994 §4.2) is held to the same, so a verifier's text is bounded whichever protocol runs.
inline constexpr std::size_t kMaxAuthMessageLength = 255;

// PAP's Authenticate-Request (RFC 1334 §2.2.1), to be checked against the peer's password.
struct PapCredentials {
  std::string peer_name;  // the Peer-ID, octets as received
  std::string password;

  bool operator==(const PapCredentials&) const = default;
};

// A CHAP Response (RFC 1994 §4.1) with the Challenge it answers: everything needed to compute
// MD5(Identifier || secret || Challenge) and compare, whether here (credential_check.hpp) or at a
// RADIUS server, which checks CHAP itself from the same four values (RFC 2865 §5.3, §5.40).
struct ChapCredentials {
  std::string peer_name;  // the Response's Name, octets as received
  std::uint8_t identifier = 0;
  Bytes challenge;  // our Challenge Value
  Bytes response;   // the peer's Response Value, 16 octets for MD5

  bool operator==(const ChapCredentials&) const = default;
};

using Credentials = std::variant<PapCredentials, ChapCredentials>;

// The verifier's answer to the credentials of the last output's `verify`.
struct AuthVerdict {
  bool accepted = false;
  std::string message;  // sent to the peer (RFC 1334 §2.2.2, RFC 1994 §4.2), cut to 255 octets
};

enum class AuthResult : std::uint8_t {
  accepted,   // Authenticate-Ack or Success sent: the link may go on to the NCPs
  refused,    // Authenticate-Nak or Failure sent: the caller should terminate the link (§2.2.2)
  timed_out,  // the peer never answered, or the verifier never did
};

// Why the peer was refused.
enum class RefusalReason : std::uint8_t {
  none,
  verifier,       // the verifier refused the credentials
  name_too_long,  // a name longer than kMaxPeerNameLength: no verifier can be asked
  response_size,  // a CHAP Response Value not 16 octets: it cannot equal an MD5 (RFC 1994 §4.1)
};

struct AuthOutcome {
  AuthResult result = AuthResult::timed_out;
  RefusalReason reason = RefusalReason::none;
  std::string peer_name;  // the name the peer gave, when it gave one
  std::string message;    // the Message we sent with our answer, if we answered

  bool operator==(const AuthOutcome&) const = default;
};

// Why an input changed nothing. Peer input is judged and discarded, never asserted.
enum class AuthDiscard : std::uint8_t {
  none,
  malformed,         // the packet's header or Length (decode_error says which)
  bad_fields,        // a Peer-ID, Password or Value length past the Data, or an empty Value
  not_started,       // before the Authentication phase began (RFC 1334 §2.2.1 "any other phase")
  wrong_code,        // a code the authenticator does not receive, or an unknown one
  stale_identifier,  // a CHAP Response not for the current Challenge (RFC 1994 §4.1)
  awaiting_verdict,  // a retransmission while the verdict is awaited: the verdict answers it
  after_timeout,     // the phase timed out without an answer to repeat
  no_verification,   // a verdict with no verification outstanding (a late one, after a timeout)
};
std::string_view describe(AuthDiscard discard);

// A verifier's message as sent: cut to kMaxAuthMessageLength octets. The text comes from outside
// (a RADIUS Reply-Message may be longer), so it is bounded here rather than asserted.
std::string bounded_message(std::string_view message);

// What one call produced.
struct AuthOutput {
  std::vector<Bytes> send;       // packets (Information fields) on PAP's or CHAP's protocol
  std::optional<Time> deadline;  // when timeout() is due; none while no timer runs
  // The phase's outcome, in the output of the call that decided it, and in no other.
  std::optional<AuthOutcome> outcome;
  // Credentials to verify; the answer comes back through verdict(). At most one is outstanding.
  std::optional<Credentials> verify;
  AuthDiscard discarded = AuthDiscard::none;
  std::optional<DecodeError> decode_error;  // when discarded as malformed by the codec
};

}  // namespace hl2tp::ppp

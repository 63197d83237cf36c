#pragma once
// What one call on a Link produced (link.hpp), as one value, in the order produced: the frames to
// send, the next deadline, the events for the layer above, the credentials to verify, and why the
// input was discarded, if it was.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/bytes.hpp"
#include "base/time.hpp"
#include "ppp/authentication.hpp"
#include "ppp/ipcp_agreement.hpp"
#include "ppp/ipv6cp_agreement.hpp"
#include "ppp/link_state.hpp"
#include "ppp/negotiation.hpp"

namespace hl2tp::ppp {

// A PPP frame: the Protocol field and the Information field (RFC 1661 §2); the framing around it
// (HDLC-like, or the L2TP data message) is the caller's.
struct LinkFrame {
  std::uint16_t protocol = 0;
  Bytes information;

  bool operator==(const LinkFrame&) const = default;
};

// Why the link ended.
enum class DownReason : std::uint8_t {
  administrative,            // the caller closed it (the text says why)
  lower_layer_down,          // the lower layer went away (the L2TP session ended)
  peer_terminated,           // the peer sent an LCP Terminate-Request (§5.5)
  lcp_failed,                // LCP did not reach Opened: Max-Configure, or an option we require
  lcp_rejected,              // the peer rejected LCP or one of its fundamental codes (§5.6, §5.7)
  authentication_refused,    // the verifier refused the peer (§3.5: the authenticator terminates)
  authentication_timed_out,  // the peer or the verifier never answered
  peer_not_answering,        // the echo keepalive found no frame from the peer (§5.8)
};
std::string_view describe(DownReason reason);

// The peer proved its name (RFC 1661 §3.5); the Network phase follows.
struct Authenticated {
  std::string peer_name;
  bool operator==(const Authenticated&) const = default;
};
// An NCP reached Opened: its network-layer protocol may be carried, with these addresses.
struct IpcpUp {
  IpcpAgreement agreement;
  bool operator==(const IpcpUp&) const = default;
};
struct Ipv6cpUp {
  Ipv6cpAgreement agreement;
  bool operator==(const Ipv6cpUp&) const = default;
};
// An NCP left Opened: its protocol is no longer carried (§3.6).
struct NcpDown {
  std::uint16_t protocol = 0;
  bool operator==(const NcpDown&) const = default;
};
// The link ended: the caller may take the lower layer down (§3.7). Given once.
struct LinkDown {
  DownReason reason = DownReason::lower_layer_down;
  std::string text;  // the administrative reason, or the message the peer was refused with
  bool operator==(const LinkDown&) const = default;
};
// What must survive a restart changed: keep this state before acting on the rest of the output.
// None: nothing is to be resumed any more (the link left the Network phase).
struct Checkpoint {
  std::optional<LinkState> state;
  bool operator==(const Checkpoint&) const = default;
};
using LinkEvent = std::variant<Authenticated, IpcpUp, Ipv6cpUp, NcpDown, LinkDown, Checkpoint>;

// Why an input changed nothing. Peer input is judged and discarded, never asserted.
enum class LinkDiscard : std::uint8_t {
  none,
  not_in_phase,     // a protocol the phase does not allow (§3.4, §3.5, §3.7), silently
  lcp,              // LCP discarded it (negotiation_discard says why)
  authentication,   // the authenticator discarded it (auth_discard says why)
  ncp,              // an NCP discarded it (negotiation_discard says why)
  not_agreed,       // an authentication protocol other than the one LCP agreed
  not_running,      // a part that does not run now: the authenticator of a resumed or proxied
                    // link, or an NCP the peer Protocol-Rejected
  looped_back,      // an Echo carrying our own Magic-Number: our frame came back (§5.8, §6.4)
  unsupported,      // a protocol we do not run, with LCP not Opened: no Protocol-Reject (§5.7)
  no_verification,  // a verdict with no verification outstanding
};
std::string_view describe(LinkDiscard discard);

struct LinkOutput {
  std::vector<LinkFrame> send;
  std::optional<Time> deadline;  // when timeout() is due: the earliest of the parts'
  std::vector<LinkEvent> events;
  // Credentials to verify; the verdict comes back through Link::verdict(). At most one outstanding.
  std::optional<Credentials> verify;
  LinkDiscard discarded = LinkDiscard::none;
  Discard negotiation_discard = Discard::none;
  AuthDiscard auth_discard = AuthDiscard::none;
  std::optional<DecodeError> decode_error;
};

}  // namespace hl2tp::ppp

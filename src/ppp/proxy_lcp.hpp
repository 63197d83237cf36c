#pragma once
// The LAC's proxied LCP and authentication (RFC 2661 §4.4.5), as plain values the caller decodes
// from the ICCN's AVPs (this layer knows no L2TP), and the check of them against our
// configuration: when they are consistent, the Link starts with LCP Opened on the LAC's agreement
// and verifies the proxied credentials, without a packet to the subscriber for either.
#include <cstdint>
#include <optional>
#include <string>

#include "base/bytes.hpp"
#include "base/random_source.hpp"
#include "ppp/authentication.hpp"
#include "ppp/lcp_agreement.hpp"
#include "ppp/lcp_options.hpp"

namespace hl2tp::ppp {

// Proxy Authen Type values (§4.4.5).
enum class ProxyAuthenType : std::uint16_t {
  reserved = 0,
  textual = 1,
  chap = 2,
  pap = 3,
  none = 4,
  mschap_v1 = 5,
};

// Proxy Authen Type, Name, Challenge, ID and Response, as received.
struct ProxyAuthentication {
  std::uint16_t type = 0;
  std::string name;
  Bytes challenge;                  // CHAP's Challenge Value, as the LAC sent it
  std::optional<std::uint16_t> id;  // CHAP's Challenge Identifier, PAP's Request Identifier
  Bytes response;                   // CHAP's Response Value; PAP's password in clear

  bool operator==(const ProxyAuthentication&) const = default;
};

// Each CONFREQ is "a copy of the body ... starting at the first option": its option octets.
struct ProxyLcp {
  std::optional<Bytes> initial_received;  // Initial Received LCP CONFREQ (from the subscriber)
  std::optional<Bytes> last_sent;         // Last Sent LCP CONFREQ (the LAC's, which is now ours)
  std::optional<Bytes> last_received;     // Last Received LCP CONFREQ (the subscriber's)
  std::optional<ProxyAuthentication> authentication;  // none: no Proxy Authen Type AVP

  bool operator==(const ProxyLcp&) const = default;
};

// What a consistent proxied LCP gives the Link.
struct ProxiedStart {
  LcpAgreement agreement;
  // The proxied credentials to verify; none when the agreement has no authentication, or when the
  // proxied authentication cannot be taken and the LNS authenticates the subscriber itself.
  std::optional<Credentials> credentials;
};

// The proxied LCP taken as if this end had negotiated it, or none when it is not consistent with
// `config` (an option we would not have acknowledged or requested, an MRU we would not accept, an
// Authentication-Protocol we do not allow, a CONFREQ missing or malformed): LCP is then
// negotiated from the start. `random` draws the Magic-Numbers a policy starts from, unused here.
std::optional<ProxiedStart> take_proxied_lcp(const LcpConfig& config, const ProxyLcp& proxy,
                                             RandomSource& random);

}  // namespace hl2tp::ppp

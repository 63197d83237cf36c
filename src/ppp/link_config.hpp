#pragma once
// One subscriber's PPP link as the LNS runs it: the parts' configurations together. Which NCPs run
// is the configuration's: one left out is not offered, and its packets are Protocol-Rejected as a
// protocol this link does not support (RFC 1661 §3.6 Implementation Note, §5.7).
#include <optional>

#include "ppp/chap_authenticator.hpp"
#include "ppp/ipcp_options.hpp"
#include "ppp/ipv6cp_options.hpp"
#include "ppp/lcp_echo.hpp"
#include "ppp/lcp_options.hpp"
#include "ppp/negotiation.hpp"
#include "ppp/pap_authenticator.hpp"

namespace hl2tp::ppp {

struct LinkConfig {
  // The Restart timer and counters (§4.6) for LCP and the NCPs alike; the protocol is set per part.
  NegotiationConfig negotiation;
  LcpConfig lcp;
  PapConfig pap;
  ChapConfig chap;
  std::optional<IpcpConfig> ipcp;      // none: IPCP is not run
  std::optional<Ipv6cpConfig> ipv6cp;  // none: IPv6CP is not run
  EchoConfig echo;
  // The LAC's proxied LCP and authentication (RFC 2661 §4.4.5) are taken when consistent with
  // this configuration; set, LCP and authentication are negotiated anew whatever was proxied (the
  // RFC's "additional round ... if the LAC is not trusted"; Junos calls it lcp-renegotiation).
  bool renegotiate_proxied_lcp = false;
};

}  // namespace hl2tp::ppp

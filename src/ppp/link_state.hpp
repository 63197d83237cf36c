#pragma once
// What a restarted process needs to resume one subscriber's PPP link in the Network phase, LCP
// and the NCPs that were Opened still Opened, without a packet to the subscriber (docs: the
// dataplane page's "PPP termination on the LNS"). A plain value, no pointers, compared whole, so
// that a store can keep it and a test compare what was taken with what was resumed.
#include <cstdint>
#include <optional>
#include <string>

#include "ppp/ipcp_agreement.hpp"
#include "ppp/ipv6cp_agreement.hpp"
#include "ppp/lcp_agreement.hpp"

namespace hl2tp::ppp {

struct LinkState {
  // The MRUs, both Magic-Numbers (ours answers the subscriber's Echo-Requests, RFC 1661 §5.8),
  // the Authentication-Protocol and the framing each way.
  LcpAgreement lcp;
  // The name the peer authenticated with; empty when no authentication was required.
  std::string peer_name;
  // Present when that NCP is Opened: what it agreed.
  std::optional<IpcpAgreement> ipcp;
  std::optional<Ipv6cpAgreement> ipv6cp;
  // The Identifiers the next request of each protocol carries (§5.1), so that the resumed link
  // does not repeat one the subscriber just saw.
  std::uint8_t lcp_identifier = 1;
  std::uint8_t ipcp_identifier = 1;
  std::uint8_t ipv6cp_identifier = 1;
  std::uint8_t echo_identifier = 1;

  bool operator==(const LinkState&) const = default;
};

}  // namespace hl2tp::ppp

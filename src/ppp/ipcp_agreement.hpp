#pragma once
// What IPCP agreed with the subscriber (RFC 1332 §3.3, RFC 1877), a plain value: the addresses the
// session puts on the subscriber's route and what it will checkpoint, so that a restarted process
// resumes IPCP Opened without renegotiating.
#include <optional>

#include "ppp/ncp_addresses.hpp"

namespace hl2tp::ppp {

// "Ours" is this end's Configure-Request as the peer acknowledged it, "the peer's" the peer's
// request as we acknowledged it. An empty field: the option was not part of the agreement.
struct IpcpAgreement {
  std::optional<Ipv4Address> our_address;   // the LNS's end of the link (§3.3)
  std::optional<Ipv4Address> peer_address;  // the subscriber's, as assigned to it (§3.3)
  // The name servers handed out: the peer asked for them and acknowledged what we Nak'd it with
  // (RFC 1877 §1.1, §1.3).
  std::optional<Ipv4Address> primary_dns;
  std::optional<Ipv4Address> secondary_dns;

  bool operator==(const IpcpAgreement&) const = default;
};

}  // namespace hl2tp::ppp

#pragma once
// What IPv6CP agreed with the subscriber (RFC 5072 §4.1), a plain value: the interface identifiers
// from which each end forms its link-local address (§5), and what the session will checkpoint, so
// that a restarted process resumes IPv6CP Opened without renegotiating.
#include <optional>

#include "ppp/ncp_addresses.hpp"

namespace hl2tp::ppp {

// "Ours" is this end's Configure-Request as the peer acknowledged it, "the peer's" the peer's
// request as we acknowledged it. Empty: not negotiated (the option was rejected, or the peer did
// not ask); when both are set they differ (§4.1: unique within the link).
struct Ipv6cpAgreement {
  std::optional<InterfaceIdentifier> our_identifier;
  std::optional<InterfaceIdentifier> peer_identifier;

  bool operator==(const Ipv6cpAgreement&) const = default;
};

}  // namespace hl2tp::ppp

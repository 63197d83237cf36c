#pragma once
// IPv6CP's options (RFC 5072 §4) as the LNS negotiates them with a subscriber: the
// NegotiationPolicy of the Negotiation run with protocol 0x8057. Only the Interface-Identifier is
// negotiated (§4.1): ours is requested, the peer's is acknowledged unless it is zero or collides
// with ours, in which case it is Nak'd with a fresh one drawn from the caller's RandomSource.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/random_source.hpp"
#include "ppp/ipv6cp_agreement.hpp"
#include "ppp/ncp_addresses.hpp"
#include "ppp/negotiation_policy.hpp"

namespace hl2tp::ppp {

// §4 Type; 2 is IPv6-Compression-Protocol (RFC 5172), which the LNS does not do.
enum class Ipv6cpOption : std::uint8_t {
  interface_identifier = 1,
  ipv6_compression_protocol = 2,
};

struct Ipv6cpConfig {
  // Our tentative identifier, not zero; none: drawn from the RandomSource once, at construction,
  // so that every negotiation of this policy starts from the same one (§4.1: preferably
  // reproducible across initializations of the automaton).
  std::optional<InterfaceIdentifier> identifier;
};

class Ipv6cpOptions final : public NegotiationPolicy {
 public:
  Ipv6cpOptions(Ipv6cpConfig config, RandomSource& random);
  // The policy of a negotiation that reached `agreed`, for IPv6CP resumed Opened from a
  // checkpoint: its agreement is `agreed`, and our agreed identifier is the one every later
  // negotiation starts from (§4.1: reproducible), unless one is configured.
  Ipv6cpOptions(Ipv6cpConfig config, RandomSource& random, const Ipv6cpAgreement& agreed);

  // What was agreed; complete once the Negotiation reports LayerEvent::up.
  const Ipv6cpAgreement& agreement() const { return agreement_; }

  void begin() override;
  std::vector<ConfigOption> request_options() override;
  RequestVerdict judge_request(std::span<const ConfigOption> options, bool may_nak) override;
  void peer_request_acked(std::span<const ConfigOption> options) override;
  void request_acked(std::span<const ConfigOption> options) override;
  Continuation request_nakked(std::span<const ConfigOption> options) override;
  Continuation request_rejected(std::span<const ConfigOption> options) override;

 private:
  // A fresh identifier for the peer (§4.1): not zero, its "u" bit zero, and none of ours.
  InterfaceIdentifier draw_identifier();
  // An identifier to Nak the peer with; remembered, since the peer Nak'ing ours with the same one
  // means we must choose anew (§4.1).
  ConfigOption suggestion();

  RandomSource& random_;
  InterfaceIdentifier initial_;     // where each negotiation starts
  InterfaceIdentifier identifier_;  // ours, for the next Configure-Request
  bool request_identifier_ = true;
  // §4.1: the identifier of our last Configure-Request (zero before the first), to which the
  // peer's is compared.
  InterfaceIdentifier last_requested_;
  std::optional<InterfaceIdentifier> last_suggested_;  // in our last Nak
  bool appended_ = false;  // the option was appended to a Nak of a request without it (§4.1)
  Ipv6cpAgreement agreement_;
};

}  // namespace hl2tp::ppp

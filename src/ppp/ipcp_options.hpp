#pragma once
// IPCP's options (RFC 1332 §3, RFC 1877) as the LNS negotiates them with a subscriber: the
// NegotiationPolicy of the Negotiation run with protocol 0x8021. We request our own address; the
// subscriber is given the address assigned to it and, if configured, the DNS servers, each by
// Nak'ing what it asks for with the value it is to take (§3.3, RFC 1877 §1.1). The addresses come
// from the caller as values (an address pool or RADIUS decides them before IPCP begins); nothing
// is allocated here.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "ppp/ipcp_agreement.hpp"
#include "ppp/ncp_addresses.hpp"
#include "ppp/negotiation_policy.hpp"

namespace hl2tp::ppp {

// RFC 1332 §3 and RFC 1877 §1 Type.
enum class IpcpOption : std::uint8_t {
  ip_addresses = 1,  // deprecated (§3.1); never accepted
  ip_compression_protocol = 2,
  ip_address = 3,
  primary_dns = 129,
  primary_nbns = 130,
  secondary_dns = 131,
  secondary_nbns = 132,
};

struct IpcpConfig {
  // The LNS's address on the subscriber's side of the link; not zero.
  Ipv4Address our_address;
  // The address assigned to the subscriber; none: no address could be assigned, and IPCP cannot
  // succeed (the peer's IP-Address is Config-Rejected and the layer closed). Not zero.
  std::optional<Ipv4Address> peer_address;
  // RFC 1877 §1.1, §1.3: handed out when asked for; when not configured, the option is
  // Config-Rejected. Not zero.
  std::optional<Ipv4Address> primary_dns;
  std::optional<Ipv4Address> secondary_dns;
};

class IpcpOptions final : public NegotiationPolicy {
 public:
  explicit IpcpOptions(IpcpConfig config);
  // The policy of a negotiation that reached `agreed`, for IPCP resumed Opened from a checkpoint:
  // its agreement is `agreed`, and a renegotiation asks our address only if it was agreed.
  IpcpOptions(IpcpConfig config, const IpcpAgreement& agreed);

  // What was agreed; complete once the Negotiation reports LayerEvent::up.
  const IpcpAgreement& agreement() const { return agreement_; }
  const IpcpConfig& config() const { return config_; }

  void begin() override;
  std::vector<ConfigOption> request_options() override;
  RequestVerdict judge_request(std::span<const ConfigOption> options, bool may_nak) override;
  void peer_request_acked(std::span<const ConfigOption> options) override;
  void request_acked(std::span<const ConfigOption> options) override;
  Continuation request_nakked(std::span<const ConfigOption> options) override;
  Continuation request_rejected(std::span<const ConfigOption> options) override;

 private:
  // What the peer's option asks, or the option to Nak it with.
  enum class Judgement : std::uint8_t { acceptable, nak, reject };
  Judgement judge(const ConfigOption& option, ConfigOption& suggestion) const;

  IpcpConfig config_;
  bool request_address_ = true;  // our next Configure-Request carries IP-Address
  IpcpAgreement agreement_;
};

}  // namespace hl2tp::ppp

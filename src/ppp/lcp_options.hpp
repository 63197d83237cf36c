#pragma once
// The LCP's options (RFC 1661 §6) as the LNS negotiates them: the NegotiationPolicy of the LCP's
// Negotiation. It builds our Configure-Requests, judges the peer's, takes the peer's Naks and
// Rejects, and records what was agreed in an LcpAgreement.
#include <cstdint>
#include <span>
#include <vector>

#include "base/random_source.hpp"
#include "ppp/lcp_agreement.hpp"
#include "ppp/negotiation_policy.hpp"

namespace hl2tp::ppp {

// §6 Type.
enum class LcpOption : std::uint8_t {
  maximum_receive_unit = 1,
  authentication_protocol = 3,
  quality_protocol = 4,
  magic_number = 5,
  protocol_field_compression = 7,
  address_and_control_field_compression = 8,
};

// §6.1 gives no least MRU; below the 68 octets every IPv4 link must carry (RFC 791) a peer could
// not be sent a datagram at all, so a smaller request is Nak'd up to it.
inline constexpr std::uint16_t kMinimumMru = 68;
inline constexpr std::uint16_t kDefaultMru = 1500;    // §6.1
inline constexpr std::uint8_t kChapMd5Algorithm = 5;  // RFC 1994 §3

struct LcpConfig {
  // §6.1: the MRU we request (left out at the default) and the largest we accept from the peer:
  // the L2TP path, not the subscriber, bounds what we can send.
  std::uint16_t mru = kDefaultMru;
  // §6.2: what we require the peer to authenticate with, most desirable first (RFC 1334 §2: CHAP
  // before PAP); empty: no authentication.
  std::vector<AuthProtocol> authentication;
  bool magic_number = true;  // §6.4: request one (drawn from the caller's RandomSource)
  // §6.5, §6.6: when set, requested for what we receive and accepted for what we send; when not,
  // neither requested nor accepted (Config-Rejected).
  bool pfc = false;
  bool acfc = false;
};

class LcpOptions final : public NegotiationPolicy {
 public:
  LcpOptions(LcpConfig config, RandomSource& random);
  // The policy of a negotiation that reached `agreed`, for one resumed Opened (a checkpoint, or a
  // LAC's proxied LCP): its agreement is `agreed`, and the request a renegotiation from Opened
  // sends first asks what was agreed (the table's Opened cells do not begin a negotiation anew).
  LcpOptions(LcpConfig config, RandomSource& random, const LcpAgreement& agreed);

  // What was agreed; complete once the Negotiation reports LayerEvent::up.
  const LcpAgreement& agreement() const { return agreement_; }
  const LcpConfig& config() const { return config_; }

  void begin() override;
  std::vector<ConfigOption> request_options() override;
  RequestVerdict judge_request(std::span<const ConfigOption> options, bool may_nak) override;
  void peer_request_acked(std::span<const ConfigOption> options) override;
  void request_acked(std::span<const ConfigOption> options) override;
  Continuation request_nakked(std::span<const ConfigOption> options) override;
  Continuation request_rejected(std::span<const ConfigOption> options) override;
  std::uint32_t own_magic_number() const override { return agreement_.our_magic_number; }
  std::uint16_t peer_mru() const override { return agreement_.peer_mru; }

 private:
  // A Magic-Number that is not zero and differs from `other` (§6.4).
  std::uint32_t draw_magic_number(std::uint32_t other);
  // What the peer's option asks, or the option to Nak it with.
  enum class Judgement : std::uint8_t { acceptable, nak, reject };
  Judgement judge(const ConfigOption& option, ConfigOption& suggestion);

  LcpConfig config_;
  RandomSource& random_;
  // Our next Configure-Request.
  std::uint16_t requested_mru_ = kDefaultMru;
  std::size_t authentication_choice_ = 0;  // into config_.authentication
  bool request_magic_number_ = false;
  std::uint32_t magic_number_ = 0;
  bool request_pfc_ = false;
  bool request_acfc_ = false;
  // §6.4: the Magic-Number of our last Configure-Request, which a looped-back link returns.
  std::uint32_t last_requested_magic_number_ = 0;
  LcpAgreement agreement_;
};

}  // namespace hl2tp::ppp

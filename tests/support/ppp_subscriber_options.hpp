#pragma once
// The subscriber's side of LCP, for the tests: the LNS's LcpOptions refuse to authenticate
// themselves (lcp_options.cpp), but a subscriber must accept the Authentication-Protocol the LNS
// requires. This policy is LcpOptions with that one difference: an Authentication-Protocol it can
// do is acceptable, one it cannot is Nak'd with the first it can (RFC 1661 §6.2).
#include <algorithm>
#include <optional>
#include <vector>

#include "ppp/lcp_options.hpp"

namespace hl2tp::test {

class SubscriberOptions final : public ppp::NegotiationPolicy {
 public:
  SubscriberOptions(ppp::LcpConfig config, RandomSource& random,
                    std::vector<ppp::AuthProtocol> can_authenticate_with)
      : lcp_(std::move(config), random), can_(std::move(can_authenticate_with)) {}

  const ppp::LcpAgreement& agreement() const { return lcp_.agreement(); }
  // The protocol we agreed to authenticate ourselves with.
  std::optional<ppp::AuthProtocol> authenticating_with() const { return authenticating_with_; }

  void begin() override {
    lcp_.begin();
    authenticating_with_.reset();
  }
  std::vector<ppp::ConfigOption> request_options() override { return lcp_.request_options(); }
  ppp::RequestVerdict judge_request(std::span<const ppp::ConfigOption> options,
                                    bool may_nak) override {
    std::vector<ppp::ConfigOption> others;
    std::optional<ppp::ConfigOption> nak;
    for (const ppp::ConfigOption& option : options) {
      if (option.type != kAuthenticationProtocol) {
        others.push_back(option);
      } else if (!protocol_of(option) && !can_.empty()) {
        nak = option_for(can_.front());
      }
    }
    ppp::RequestVerdict verdict = lcp_.judge_request(others, may_nak);
    if (!nak || verdict.kind == ppp::RequestVerdict::Kind::reject) return verdict;
    if (!may_nak) return {ppp::RequestVerdict::Kind::reject, {*nak}};
    verdict.kind = ppp::RequestVerdict::Kind::nak;
    verdict.options.insert(verdict.options.begin(), *nak);
    return verdict;
  }
  void peer_request_acked(std::span<const ppp::ConfigOption> options) override {
    lcp_.peer_request_acked(options);
    authenticating_with_.reset();
    for (const ppp::ConfigOption& option : options) {
      if (option.type == kAuthenticationProtocol) authenticating_with_ = protocol_of(option);
    }
  }
  void request_acked(std::span<const ppp::ConfigOption> options) override {
    lcp_.request_acked(options);
  }
  ppp::Continuation request_nakked(std::span<const ppp::ConfigOption> options) override {
    return lcp_.request_nakked(options);
  }
  ppp::Continuation request_rejected(std::span<const ppp::ConfigOption> options) override {
    return lcp_.request_rejected(options);
  }
  std::uint32_t own_magic_number() const override { return lcp_.own_magic_number(); }
  std::uint16_t peer_mru() const override { return lcp_.peer_mru(); }

 private:
  static constexpr std::uint8_t kAuthenticationProtocol =
      static_cast<std::uint8_t>(ppp::LcpOption::authentication_protocol);

  static ppp::ConfigOption option_for(ppp::AuthProtocol protocol) {
    if (protocol == ppp::AuthProtocol::pap) {
      return {kAuthenticationProtocol, {std::byte{0xC0}, std::byte{0x23}}};
    }
    return {kAuthenticationProtocol, {std::byte{0xC2}, std::byte{0x23}, std::byte{5}}};
  }
  std::optional<ppp::AuthProtocol> protocol_of(const ppp::ConfigOption& option) const {
    for (ppp::AuthProtocol protocol : can_) {
      if (option == option_for(protocol)) return protocol;
    }
    return std::nullopt;
  }

  ppp::LcpOptions lcp_;
  std::vector<ppp::AuthProtocol> can_;
  std::optional<ppp::AuthProtocol> authenticating_with_;
};

}  // namespace hl2tp::test

#pragma once
// The subscriber's side of IPCP, for the tests: a PPP client as dial-up clients behave. It asks
// for its address as 0.0.0.0 and, if told to, for the DNS servers as 0.0.0.0 (RFC 1332 §3.3,
// RFC 1877 §1.1), takes whatever the LNS Naks, stops asking what the LNS rejects, acknowledges
// any non-zero address the LNS gives for itself, and rejects everything else.
#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "ppp/ipcp_agreement.hpp"
#include "ppp/ipcp_options.hpp"
#include "ppp/negotiation_policy.hpp"

namespace hl2tp::test {

class IpcpSubscriber final : public ppp::NegotiationPolicy {
 public:
  explicit IpcpSubscriber(bool ask_dns = true) : ask_dns_(ask_dns) { begin(); }

  // As the subscriber sees it: our_address is the address it holds, peer_address the LNS's, and
  // the DNS servers those it was given.
  const ppp::IpcpAgreement& agreement() const { return agreement_; }

  void begin() override {
    for (Asked& asked : asked_)
      asked = Asked{};
    asked_[kDns1].wanted = ask_dns_;
    asked_[kDns2].wanted = ask_dns_;
    agreement_ = {};
  }
  std::vector<ppp::ConfigOption> request_options() override {
    std::vector<ppp::ConfigOption> options;
    for (std::size_t i = 0; i < asked_.size(); ++i) {
      if (!asked_[i].wanted) continue;
      const auto& octets = asked_[i].value.octets;
      options.push_back({kTypes[i], Bytes(octets.begin(), octets.end())});
    }
    return options;
  }
  ppp::RequestVerdict judge_request(std::span<const ppp::ConfigOption> options, bool) override {
    std::vector<ppp::ConfigOption> rejects;
    for (const ppp::ConfigOption& option : options) {
      const auto address = address_of(option);
      const bool lns_address = option.type == kTypes[kAddress] && address && !address->is_zero();
      if (!lns_address) rejects.push_back(option);
    }
    if (rejects.empty()) return {};
    return {ppp::RequestVerdict::Kind::reject, std::move(rejects)};
  }
  void peer_request_acked(std::span<const ppp::ConfigOption> options) override {
    agreement_.peer_address.reset();
    for (const ppp::ConfigOption& option : options) {
      if (option.type == kTypes[kAddress]) agreement_.peer_address = address_of(option);
    }
  }
  void request_acked(std::span<const ppp::ConfigOption> options) override {
    agreement_.our_address.reset();
    agreement_.primary_dns.reset();
    agreement_.secondary_dns.reset();
    for (const ppp::ConfigOption& option : options) {
      if (option.type == kTypes[kAddress]) agreement_.our_address = address_of(option);
      if (option.type == kTypes[kDns1]) agreement_.primary_dns = address_of(option);
      if (option.type == kTypes[kDns2]) agreement_.secondary_dns = address_of(option);
    }
  }
  ppp::Continuation request_nakked(std::span<const ppp::ConfigOption> options) override {
    for (const ppp::ConfigOption& option : options) {
      const auto i = index_of(option.type);
      const auto address = address_of(option);
      if (i && address) asked_[*i] = Asked{true, *address};
    }
    return ppp::Continuation::go_on;
  }
  ppp::Continuation request_rejected(std::span<const ppp::ConfigOption> options) override {
    for (const ppp::ConfigOption& option : options) {
      if (const auto i = index_of(option.type)) asked_[*i].wanted = false;
    }
    return ppp::Continuation::go_on;
  }

 private:
  static constexpr std::size_t kAddress = 0;
  static constexpr std::size_t kDns1 = 1;
  static constexpr std::size_t kDns2 = 2;
  static constexpr std::array<std::uint8_t, 3> kTypes{
      static_cast<std::uint8_t>(ppp::IpcpOption::ip_address),
      static_cast<std::uint8_t>(ppp::IpcpOption::primary_dns),
      static_cast<std::uint8_t>(ppp::IpcpOption::secondary_dns)};
  struct Asked {
    bool wanted = true;
    ppp::Ipv4Address value;  // 0.0.0.0 until the LNS Naks it with one
  };

  static std::optional<std::size_t> index_of(std::uint8_t type) {
    for (std::size_t i = 0; i < kTypes.size(); ++i) {
      if (kTypes[i] == type) return i;
    }
    return std::nullopt;
  }
  static std::optional<ppp::Ipv4Address> address_of(const ppp::ConfigOption& option) {
    ppp::Ipv4Address address;
    if (option.data.size() != address.octets.size()) return std::nullopt;
    std::copy(option.data.begin(), option.data.end(), address.octets.begin());
    return address;
  }

  bool ask_dns_;
  std::array<Asked, 3> asked_{};
  ppp::IpcpAgreement agreement_;
};

}  // namespace hl2tp::test

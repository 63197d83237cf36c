#pragma once
// A whole PPP subscriber, for the Link's tests: a dial-up client as pppd behaves, built from the
// other test helpers. LCP with SubscriberOptions (it accepts the Authentication-Protocol the LNS
// requires), then PAP (its Authenticate-Request repeated until answered, RFC 1334 §2.2.1) or CHAP
// (each Challenge answered with an MD5 computed here with libcrypto, apart from the code under
// test, RFC 1994 §4.1), then IPCP asking 0.0.0.0 and the DNS servers (IpcpSubscriber) and, if
// told to, IPv6CP (Ipv6cpOptions, symmetric enough to stand for a client). A subscriber that does
// not run IPv6CP Protocol-Rejects it (RFC 1661 §5.7). `silent` makes it a dead peer.
#include <openssl/evp.h>

#include <optional>
#include <string>
#include <vector>

#include "ppp/chap_authenticator.hpp"
#include "ppp/ipv6cp_options.hpp"
#include "ppp/link_output.hpp"
#include "ppp/negotiation.hpp"
#include "ppp/pap_authenticator.hpp"
#include "support/ppp_ipcp_subscriber.hpp"
#include "support/ppp_subscriber_options.hpp"
#include "support/seeded_random.hpp"

namespace hl2tp::test {

struct SubscriberSettings {
  std::string name = "alice";
  std::string secret = "open sesame";
  std::vector<ppp::AuthProtocol> can_authenticate_with{ppp::AuthProtocol::chap_md5,
                                                       ppp::AuthProtocol::pap};
  bool ask_dns = true;
  bool ipv6cp = true;
};

class PppSubscriber {
 public:
  using Frames = std::vector<ppp::LinkFrame>;
  enum class Auth { none, pending, succeeded, failed };

  PppSubscriber(SubscriberSettings settings, std::uint64_t seed)
      : settings_(std::move(settings)),
        random_(seed),
        lcp_options_({}, random_, settings_.can_authenticate_with),
        ipcp_options_(settings_.ask_dns),
        ipv6cp_options_({}, random_) {}

  bool silent = false;  // receives everything, answers nothing, sends nothing

  Frames start(Time now) {
    Frames out;
    take(now, ppp::kLcpProtocol, lcp_.open(now, lcp_options_), out);
    take(now, ppp::kLcpProtocol, lcp_.up(now, lcp_options_), out);
    return out;
  }

  Frames receive(Time now, const ppp::LinkFrame& frame) {
    Frames out;
    if (silent) return out;
    switch (frame.protocol) {
      case ppp::kLcpProtocol:
        take(now, frame.protocol, lcp_.receive(now, frame.information, lcp_options_), out);
        break;
      case ppp::kPapProtocol:
        receive_pap(now, frame.information, out);
        break;
      case ppp::kChapProtocol:
        receive_chap(frame.information, out);
        if (auth == Auth::succeeded && !ncps_started_) start_ncps(now, out);
        break;
      case ppp::kIpcpProtocol:
        take(now, frame.protocol, ipcp_.receive(now, frame.information, ipcp_options_), out);
        break;
      case ppp::kIpv6cpProtocol:
        if (!settings_.ipv6cp) {
          take(now, ppp::kLcpProtocol,
               lcp_.reject_protocol(frame.protocol, frame.information, lcp_options_), out);
          break;
        }
        take(now, frame.protocol, ipv6cp_.receive(now, frame.information, ipv6cp_options_), out);
        break;
      default:
        take(now, ppp::kLcpProtocol,
             lcp_.reject_protocol(frame.protocol, frame.information, lcp_options_), out);
    }
    return out;
  }

  Frames timeout(Time now) {
    Frames out;
    if (silent) return out;
    const auto due = [now](std::optional<Time> d) { return d && *d <= now; };
    if (due(lcp_.deadline())) take(now, ppp::kLcpProtocol, lcp_.timeout(now, lcp_options_), out);
    if (due(ipcp_.deadline()))
      take(now, ppp::kIpcpProtocol, ipcp_.timeout(now, ipcp_options_), out);
    if (due(ipv6cp_.deadline())) {
      take(now, ppp::kIpv6cpProtocol, ipv6cp_.timeout(now, ipv6cp_options_), out);
    }
    if (due(pap_deadline_)) send_pap(now, out);
    return out;
  }

  std::optional<Time> deadline() const {
    if (silent) return std::nullopt;
    std::optional<Time> earliest;
    for (auto d : {lcp_.deadline(), ipcp_.deadline(), ipv6cp_.deadline(), pap_deadline_}) {
      if (d && (!earliest || *d < *earliest)) earliest = d;
    }
    return earliest;
  }

  ppp::State ipcp_state() const { return ipcp_.state(); }
  bool ipcp_opened() const { return ipcp_.state() == ppp::State::opened; }
  bool ipv6cp_opened() const { return ipv6cp_.state() == ppp::State::opened; }
  ppp::State lcp_state() const { return lcp_.state(); }
  const ppp::IpcpAgreement& ipcp_agreement() const { return ipcp_options_.agreement(); }
  const ppp::LcpAgreement& lcp_agreement() const { return lcp_options_.agreement(); }
  Auth auth = Auth::none;
  unsigned terminate_requests_received = 0;

 private:
  void take(Time now, std::uint16_t protocol, ppp::NegotiationOutput n, Frames& out) {
    for (Bytes& packet : n.send)
      out.push_back({protocol, std::move(packet)});
    if (protocol != ppp::kLcpProtocol) return;
    if (n.rejected_protocol == ppp::kIpv6cpProtocol) {
      take(now, ppp::kIpv6cpProtocol, ipv6cp_.down(now, ipv6cp_options_), out);
      take(now, ppp::kIpv6cpProtocol, ipv6cp_.close(now, ipv6cp_options_), out);
    }
    for (ppp::LayerEvent event : n.layer_events) {
      if (event == ppp::LayerEvent::up) lcp_up(now, out);
      if (event == ppp::LayerEvent::down) lcp_down(now, out);
    }
  }
  void lcp_up(Time now, Frames& out) {
    const auto with = lcp_options_.authenticating_with();
    if (!with) {
      start_ncps(now, out);
      return;
    }
    auth = Auth::pending;
    if (*with == ppp::AuthProtocol::pap) send_pap(now, out);
  }
  void lcp_down(Time now, Frames& out) {
    if (auth != Auth::failed) auth = Auth::none;  // a refusal is remembered for the test to see
    pap_deadline_.reset();
    ncps_started_ = false;
    for (auto* n : {&ipcp_, &ipv6cp_}) {
      if (n->state() != ppp::State::initial && n->state() != ppp::State::starting) {
        ppp::NegotiationPolicy& policy =
            n == &ipcp_ ? static_cast<ppp::NegotiationPolicy&>(ipcp_options_) : ipv6cp_options_;
        take(now, n == &ipcp_ ? ppp::kIpcpProtocol : ppp::kIpv6cpProtocol, n->down(now, policy),
             out);
      }
    }
  }
  void start_ncps(Time now, Frames& out) {
    ncps_started_ = true;
    take(now, ppp::kIpcpProtocol, ipcp_.open(now, ipcp_options_), out);
    take(now, ppp::kIpcpProtocol, ipcp_.up(now, ipcp_options_), out);
    if (!settings_.ipv6cp) return;
    take(now, ppp::kIpv6cpProtocol, ipv6cp_.open(now, ipv6cp_options_), out);
    take(now, ppp::kIpv6cpProtocol, ipv6cp_.up(now, ipv6cp_options_), out);
  }
  void send_pap(Time now, Frames& out) {
    Bytes data{static_cast<std::byte>(settings_.name.size())};
    for (char c : settings_.name)
      data.push_back(static_cast<std::byte>(c));
    data.push_back(static_cast<std::byte>(settings_.secret.size()));
    for (char c : settings_.secret)
      data.push_back(static_cast<std::byte>(c));
    out.push_back({ppp::kPapProtocol, ppp::encode_packet({1, ++pap_identifier_, data})});
    pap_deadline_ = now + std::chrono::seconds(3);
  }
  void receive_pap(Time now, std::span<const std::byte> information, Frames& out) {
    const auto packet = ppp::decode_packet(information);
    if (!packet || auth != Auth::pending) return;
    pap_deadline_.reset();
    if (packet->code == static_cast<std::uint8_t>(ppp::PapCode::authenticate_ack)) {
      auth = Auth::succeeded;
      start_ncps(now, out);
    } else {
      auth = Auth::failed;
    }
  }
  void receive_chap(std::span<const std::byte> information, Frames& out) {
    const auto packet = ppp::decode_packet(information);
    if (!packet || packet->data.empty()) return;
    switch (static_cast<ppp::ChapCode>(packet->code)) {
      case ppp::ChapCode::challenge: {
        const auto size = std::to_integer<std::size_t>(packet->data[0]);
        if (packet->data.size() < 1 + size) return;
        Bytes value(packet->data.begin() + 1, packet->data.begin() + 1 + size);
        Bytes response{std::byte{16}};
        const Bytes digest = md5(packet->identifier, value);
        response.insert(response.end(), digest.begin(), digest.end());
        for (char c : settings_.name)
          response.push_back(static_cast<std::byte>(c));
        out.push_back({ppp::kChapProtocol, ppp::encode_packet({2, packet->identifier, response})});
        break;
      }
      case ppp::ChapCode::success:
        if (auth == Auth::pending) auth = Auth::succeeded;
        break;
      case ppp::ChapCode::failure:
        auth = Auth::failed;
        break;
      default:
        break;
    }
  }
  Bytes md5(std::uint8_t id, const Bytes& challenge) const {
    Bytes buffer{static_cast<std::byte>(id)};
    for (char c : settings_.secret)
      buffer.push_back(static_cast<std::byte>(c));
    buffer.insert(buffer.end(), challenge.begin(), challenge.end());
    Bytes digest(EVP_MAX_MD_SIZE);
    unsigned int length = 0;
    EVP_Digest(buffer.data(), buffer.size(), reinterpret_cast<unsigned char*>(digest.data()),
               &length, EVP_md5(), nullptr);
    digest.resize(length);
    return digest;
  }

  SubscriberSettings settings_;
  SeededRandom random_;
  SubscriberOptions lcp_options_;
  ppp::Negotiation lcp_{ppp::NegotiationConfig{}};
  IpcpSubscriber ipcp_options_;
  ppp::Negotiation ipcp_{ppp::NegotiationConfig{.protocol = ppp::kIpcpProtocol}};
  ppp::Ipv6cpOptions ipv6cp_options_;
  ppp::Negotiation ipv6cp_{ppp::NegotiationConfig{.protocol = ppp::kIpv6cpProtocol}};
  std::optional<Time> pap_deadline_;
  std::uint8_t pap_identifier_ = 0;
  bool ncps_started_ = false;
};

}  // namespace hl2tp::test

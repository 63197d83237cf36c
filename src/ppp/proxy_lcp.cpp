// RFC 2661 §4.4.5 read against RFC 1661 §6, RFC 1334 §2.2.1 and RFC 1994 §4.1.
//
// Of §4.4.5's notes, two are followed: "the LNS policy may be to enter an additional round of LCP
// negotiation and/or authentication" is the renegotiate setting, and also what an inconsistent
// proxy gets, since the LNS cannot take on an agreement it would not have made; and a missing
// Proxy Authen Type "requir[es] a restart of the authentication phase at the LNS", which is what
// consistent LCP with unusable proxied authentication gets too: LCP is kept and the LNS
// challenges (CHAP) or waits for the subscriber's next Authenticate-Request (PAP).
// The Initial Received CONFREQ is not used: the agreement is the last request acknowledged (RFC
// 1661 §5.2), which the Last Received one is.
#include "ppp/proxy_lcp.hpp"

#include <array>

#include "ppp/chap_authenticator.hpp"
#include "ppp/control_packet.hpp"

namespace hl2tp::ppp {
namespace {

// Our side: the LAC's last request, acknowledged by the subscriber, must be one this end could
// have sent: only the options LcpOptions requests, each once, with values it would request.
bool could_have_requested(const LcpConfig& config, const std::vector<ConfigOption>& options) {
  std::array<bool, 256> seen{};
  bool authentication = false;
  for (const ConfigOption& option : options) {
    if (seen[option.type]) return false;
    seen[option.type] = true;
    switch (static_cast<LcpOption>(option.type)) {
      case LcpOption::maximum_receive_unit: {
        // What we would receive: at least the least we ever ask (lcp_options.hpp).
        if (option.data.size() != 2) return false;
        const auto mru = (std::to_integer<unsigned>(option.data[0]) << 8) |
                         std::to_integer<unsigned>(option.data[1]);
        if (mru < kMinimumMru) return false;
        break;
      }
      case LcpOption::authentication_protocol: {
        authentication = true;
        bool allowed = false;
        for (AuthProtocol protocol : config.authentication) {
          const bool pap = option.data == Bytes{std::byte{0xC0}, std::byte{0x23}};
          const bool chap =
              option.data == Bytes{std::byte{0xC2}, std::byte{0x23}, std::byte{kChapMd5Algorithm}};
          if ((protocol == AuthProtocol::pap && pap) ||
              (protocol == AuthProtocol::chap_md5 && chap)) {
            allowed = true;
          }
        }
        if (!allowed) return false;
        break;
      }
      case LcpOption::magic_number:
        if (option.data.size() != 4 || option.data == Bytes(4)) return false;
        break;
      case LcpOption::protocol_field_compression:
        if (!config.pfc || !option.data.empty()) return false;
        break;
      case LcpOption::address_and_control_field_compression:
        if (!config.acfc || !option.data.empty()) return false;
        break;
      default:
        return false;  // Quality-Protocol, callback, multilink...: nothing this end can honour
    }
  }
  // The LNS requires authentication when configured to (§6.2); a LAC that did not ask for it
  // leaves nothing proving who the subscriber is.
  return authentication || config.authentication.empty();
}

std::string text_of(const Bytes& octets) {
  return std::string(reinterpret_cast<const char*>(octets.data()), octets.size());
}

// The credentials the proxied authentication carries for `agreed`, if complete (§4.4.5: Name for
// types 2 and 3, Challenge and ID for CHAP, Response for both).
std::optional<Credentials> proxied_credentials(AuthProtocol agreed,
                                               const std::optional<ProxyAuthentication>& proxy) {
  if (!proxy || proxy->name.empty() || proxy->name.size() > kMaxPeerNameLength) return std::nullopt;
  const auto type = static_cast<ProxyAuthenType>(proxy->type);
  if (agreed == AuthProtocol::pap && type == ProxyAuthenType::pap) {
    return PapCredentials{proxy->name, text_of(proxy->response)};
  }
  // "the most significant octet MUST be 0": anything else is not an Identifier we can use.
  const bool id_valid = proxy->id && *proxy->id <= 0xFF;
  if (agreed == AuthProtocol::chap_md5 && type == ProxyAuthenType::chap && id_valid &&
      !proxy->challenge.empty() && proxy->response.size() == kChapMd5ResponseSize) {
    return ChapCredentials{proxy->name, static_cast<std::uint8_t>(*proxy->id), proxy->challenge,
                           proxy->response};
  }
  return std::nullopt;
}

}  // namespace

std::optional<ProxiedStart> take_proxied_lcp(const LcpConfig& config, const ProxyLcp& proxy,
                                             RandomSource& random) {
  if (!proxy.last_sent || !proxy.last_received) return std::nullopt;
  const auto sent = decode_options(*proxy.last_sent);
  const auto received = decode_options(*proxy.last_received);
  if (!sent || !received || !could_have_requested(config, *sent)) return std::nullopt;

  // Our side as LcpOptions records an acknowledged request; then the subscriber's last request
  // judged by a policy holding it, as this end would have judged it (§6.1 the MRU we accept, §6.4
  // a Magic-Number not ours, PFC and ACFC only if configured, no authentication of ourselves).
  LcpOptions ours(config, random);
  ours.request_acked(*sent);
  LcpOptions judge(config, random, ours.agreement());
  if (judge.judge_request(*received, true).kind != RequestVerdict::Kind::ack) return std::nullopt;
  judge.peer_request_acked(*received);

  ProxiedStart start{judge.agreement(), std::nullopt};
  if (start.agreement.authentication) {
    start.credentials = proxied_credentials(*start.agreement.authentication, proxy.authentication);
  }
  return start;
}

}  // namespace hl2tp::ppp

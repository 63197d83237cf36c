// RFC 1332 §3 and RFC 1877 §1 for the LNS, within RFC 1661 §5–§6.
#include "ppp/ipcp_options.hpp"

#include <algorithm>
#include <array>

#include "base/invariant.hpp"

namespace hl2tp::ppp {
namespace {

constexpr std::uint8_t type_of(IpcpOption option) {
  return static_cast<std::uint8_t>(option);
}

// IP-Address and the four name server options share one form: four octets of address, Length 6
// (§3.3; RFC 1877 §1: "identical in format and behavior to option 3").
ConfigOption address_option(IpcpOption type, const Ipv4Address& address) {
  return {type_of(type), Bytes(address.octets.begin(), address.octets.end())};
}

// The address an option carries; none if its Length is not 6.
std::optional<Ipv4Address> address_of(const ConfigOption& option) {
  Ipv4Address address;
  if (option.data.size() != address.octets.size()) return std::nullopt;
  std::copy(option.data.begin(), option.data.end(), address.octets.begin());
  return address;
}

}  // namespace

IpcpOptions::IpcpOptions(IpcpConfig config) : config_(config) {
  // Zero means "provide one" in a request (§3.3): it cannot be an address we hand out or use.
  HL2TP_INVARIANT(!config_.our_address.is_zero());
  HL2TP_INVARIANT(!config_.peer_address || !config_.peer_address->is_zero());
  HL2TP_INVARIANT(!config_.peer_address || *config_.peer_address != config_.our_address);
  HL2TP_INVARIANT(!config_.primary_dns || !config_.primary_dns->is_zero());
  HL2TP_INVARIANT(!config_.secondary_dns || !config_.secondary_dns->is_zero());
  begin();
}

IpcpOptions::IpcpOptions(IpcpConfig config, const IpcpAgreement& agreed) : IpcpOptions(config) {
  request_address_ = agreed.our_address.has_value();
  agreement_ = agreed;
}

void IpcpOptions::begin() {
  request_address_ = true;
  agreement_ = IpcpAgreement{};
}

std::vector<ConfigOption> IpcpOptions::request_options() {
  // §3.3: our own address, for the subscriber to know its peer. We ask nothing of the subscriber:
  // the name server options are the subscriber's to ask (RFC 1877 §1.1).
  if (!request_address_) return {};
  return {address_option(IpcpOption::ip_address, config_.our_address)};
}

IpcpOptions::Judgement IpcpOptions::judge(const ConfigOption& option,
                                          ConfigOption& suggestion) const {
  const auto type = static_cast<IpcpOption>(option.type);
  std::optional<Ipv4Address> ours;  // the value the peer is to take
  switch (type) {
    case IpcpOption::ip_address:
      ours = config_.peer_address;
      break;
    case IpcpOption::primary_dns:
      ours = config_.primary_dns;
      break;
    case IpcpOption::secondary_dns:
      ours = config_.secondary_dns;
      break;
    case IpcpOption::ip_addresses:
      // §3.1: deprecated, and only for a peer whose IP-Address was rejected: we want IP-Address.
    case IpcpOption::ip_compression_protocol:
      // §3.2: no Van Jacobson compression on the LNS; the default, none, stays.
    case IpcpOption::primary_nbns:
    case IpcpOption::secondary_nbns:
      // RFC 1877 §1.2, §1.4: no NetBIOS name servers to hand out.
    default:
      return Judgement::reject;
  }
  // Nothing to give: the option cannot be agreed, whatever its value (§5.4 "not acceptable").
  if (!ours) return Judgement::reject;
  // §3.3, RFC 1877 §1.1: zero asks us to provide the value, any other than ours is not acceptable,
  // and both are Nak'd with ours. So is a Length other than 6: RFC 1661 §6 Length says a Nak
  // with the option as it should be, rather than a Reject of an option we do negotiate.
  const auto asked = address_of(option);
  if (asked && *asked == *ours) return Judgement::acceptable;
  suggestion = address_option(type, *ours);
  return Judgement::nak;
}

RequestVerdict IpcpOptions::judge_request(std::span<const ConfigOption> options, bool may_nak) {
  std::vector<ConfigOption> naks;
  std::vector<ConfigOption> rejects;
  std::array<bool, 256> seen{};
  bool address_agreed = false;  // the request carries the assigned address, acceptable as it is
  for (const ConfigOption& option : options) {
    ConfigOption suggestion;
    // RFC 1661 §6: an option listed twice is not one we can agree; the second is rejected.
    Judgement judgement = seen[option.type] ? Judgement::reject : judge(option, suggestion);
    seen[option.type] = true;
    // RFC 1661 §4.6 Max-Failure: past it, what would be Nak'd is Rejected.
    if (judgement == Judgement::nak && !may_nak) judgement = Judgement::reject;
    if (judgement == Judgement::acceptable && option.type == type_of(IpcpOption::ip_address)) {
      address_agreed = true;
    }
    if (judgement == Judgement::reject) rejects.push_back(option);
    if (judgement == Judgement::nak) naks.push_back(std::move(suggestion));
  }
  // §3.3: a subscriber that does not ask for an address is told the one it is to use, appended to
  // a Nak (SHOULD), once its request is otherwise agreeable.
  const bool address_asked = seen[type_of(IpcpOption::ip_address)];
  if (!address_asked && config_.peer_address && may_nak && rejects.empty()) {
    naks.push_back(address_option(IpcpOption::ip_address, *config_.peer_address));
  }

  RequestVerdict verdict;
  // RFC 1661 §5.4 before §5.3: a Nak is for a request whose every option is acceptable to
  // negotiate.
  if (!rejects.empty()) {
    verdict = {RequestVerdict::Kind::reject, std::move(rejects)};
  } else if (!naks.empty()) {
    verdict = {RequestVerdict::Kind::nak, std::move(naks)};
  }
  // The subscriber cannot use IPv4 without the address assigned to it, and cannot be brought to
  // it: none was assigned, or Max-Failure forbids another Nak. Opening IPCP would only hide that,
  // so the answer goes out and the layer closes (a subscriber that then goes on without IPv4, or
  // ends the link, is its own choice).
  if (!config_.peer_address || (!may_nak && !address_agreed)) {
    verdict.continuation = Continuation::give_up;
  }
  return verdict;
}

void IpcpOptions::peer_request_acked(std::span<const ConfigOption> options) {
  // The peer's side of the agreement is its last request we acknowledged, whole (RFC 1661 §5.2).
  agreement_.peer_address.reset();
  agreement_.primary_dns.reset();
  agreement_.secondary_dns.reset();
  for (const ConfigOption& option : options) {
    switch (static_cast<IpcpOption>(option.type)) {
      case IpcpOption::ip_address:
        agreement_.peer_address = address_of(option);
        break;
      case IpcpOption::primary_dns:
        agreement_.primary_dns = address_of(option);
        break;
      case IpcpOption::secondary_dns:
        agreement_.secondary_dns = address_of(option);
        break;
      default:
        break;
    }
  }
}

void IpcpOptions::request_acked(std::span<const ConfigOption> options) {
  agreement_.our_address.reset();
  for (const ConfigOption& option : options) {
    if (option.type == type_of(IpcpOption::ip_address)) agreement_.our_address = address_of(option);
  }
}

Continuation IpcpOptions::request_nakked(std::span<const ConfigOption> options) {
  for (const ConfigOption& option : options) {
    if (option.type != type_of(IpcpOption::ip_address)) {
      // An option the peer would have us add (a name server, say): the LNS asks for none.
      continue;
    }
    // §3.3: the peer suggests another address for our end. Ours is configured and cannot change,
    // and the subscriber needs no address for its peer to route over a point-to-point link, so we
    // stop naming it rather than repeat it until the peer's Max-Failure turns its Nak into a
    // Reject. The same address Nak'd back to us is asked again.
    const auto suggested = address_of(option);
    if (!suggested || *suggested != config_.our_address) request_address_ = false;
  }
  return Continuation::go_on;
}

Continuation IpcpOptions::request_rejected(std::span<const ConfigOption> options) {
  for (const ConfigOption& option : options) {
    // §3.3: the peer does not negotiate our address; IPCP goes on without it.
    if (option.type == type_of(IpcpOption::ip_address)) request_address_ = false;
  }
  return Continuation::go_on;
}

}  // namespace hl2tp::ppp

// RFC 5072 §4.1 for the LNS, within RFC 1661 §5–§6.
#include "ppp/ipv6cp_options.hpp"

#include <algorithm>
#include <array>

#include "base/invariant.hpp"

namespace hl2tp::ppp {
namespace {

constexpr std::uint8_t kIdentifierType =
    static_cast<std::uint8_t>(Ipv6cpOption::interface_identifier);
// §4.1: bit 6 in canonical order (bit 0 the most significant) is the "u" (universal/local) bit,
// the second least significant bit of the first octet.
constexpr std::byte kUniversalBit{0x02};

ConfigOption identifier_option(const InterfaceIdentifier& identifier) {
  return {kIdentifierType, Bytes(identifier.octets.begin(), identifier.octets.end())};
}

// The identifier an option carries; none if its Length is not 10.
std::optional<InterfaceIdentifier> identifier_of(const ConfigOption& option) {
  InterfaceIdentifier identifier;
  if (option.data.size() != identifier.octets.size()) return std::nullopt;
  std::copy(option.data.begin(), option.data.end(), identifier.octets.begin());
  return identifier;
}

}  // namespace

Ipv6cpOptions::Ipv6cpOptions(Ipv6cpConfig config, RandomSource& random) : random_(random) {
  // §4.1: a configured identifier may be derived from an EUI-64, "u" bit and all; only zero, which
  // asks the peer for one, cannot be ours.
  HL2TP_INVARIANT(!config.identifier || !config.identifier->is_zero());
  initial_ = config.identifier ? *config.identifier : draw_identifier();
  begin();
}

Ipv6cpOptions::Ipv6cpOptions(Ipv6cpConfig config, RandomSource& random,
                             const Ipv6cpAgreement& agreed)
    : Ipv6cpOptions(Ipv6cpConfig{config.identifier ? config.identifier : agreed.our_identifier},
                    random) {
  HL2TP_INVARIANT(!agreed.our_identifier || !agreed.our_identifier->is_zero());
  // A renegotiation from Opened sends first what was agreed; a rejected identifier stays unasked
  // (§4.1 MUST NOT).
  request_identifier_ = agreed.our_identifier.has_value();
  if (agreed.our_identifier) identifier_ = *agreed.our_identifier;
  last_requested_ = identifier_;
  agreement_ = agreed;
}

void Ipv6cpOptions::begin() {
  identifier_ = initial_;
  request_identifier_ = true;
  last_suggested_.reset();
  appended_ = false;
  agreement_ = Ipv6cpAgreement{};
}

std::vector<ConfigOption> Ipv6cpOptions::request_options() {
  // §4.1: by default an implementation SHOULD negotiate its identifier, and MUST NOT once the
  // option was rejected.
  if (!request_identifier_) return {};
  last_requested_ = identifier_;
  return {identifier_option(identifier_)};
}

RequestVerdict Ipv6cpOptions::judge_request(std::span<const ConfigOption> options, bool may_nak) {
  std::vector<ConfigOption> naks;
  std::vector<ConfigOption> rejects;
  bool identifier_seen = false;
  for (const ConfigOption& option : options) {
    if (option.type != kIdentifierType || identifier_seen) {
      // Compression and every unknown option are not negotiated here (§5.4); a second
      // Interface-Identifier breaks §4.1's "exactly one instance".
      rejects.push_back(option);
      continue;
    }
    identifier_seen = true;
    // §4.1: compared with our last request's identifier (and with the one our next request will
    // carry, should they differ). Zero, or equal: Nak'd with a fresh one. A Length other than 10
    // is Nak'd the same way (RFC 1661 §6 Length). Max-Failure turns the Nak into a Reject (§4.6).
    const auto asked = identifier_of(option);
    const bool acceptable =
        asked && !asked->is_zero() && *asked != last_requested_ && *asked != identifier_;
    if (acceptable) continue;
    if (may_nak) {
      naks.push_back(suggestion());
    } else {
      rejects.push_back(option);
    }
  }
  // §4.1: a peer that leaves the option out is offered an identifier appended to a Nak (SHOULD),
  // once; if its next request still leaves it out, it is not offered again (MUST NOT).
  if (!identifier_seen && !appended_ && may_nak && rejects.empty()) {
    appended_ = true;
    naks.push_back(suggestion());
  }
  if (!rejects.empty()) return {RequestVerdict::Kind::reject, std::move(rejects)};
  if (!naks.empty()) return {RequestVerdict::Kind::nak, std::move(naks)};
  return {};
}

void Ipv6cpOptions::peer_request_acked(std::span<const ConfigOption> options) {
  // The peer's side is its last request we acknowledged, whole (RFC 1661 §5.2).
  agreement_.peer_identifier.reset();
  for (const ConfigOption& option : options) {
    if (option.type == kIdentifierType) agreement_.peer_identifier = identifier_of(option);
  }
}

void Ipv6cpOptions::request_acked(std::span<const ConfigOption> options) {
  agreement_.our_identifier.reset();
  for (const ConfigOption& option : options) {
    if (option.type == kIdentifierType) agreement_.our_identifier = identifier_of(option);
  }
}

Continuation Ipv6cpOptions::request_nakked(std::span<const ConfigOption> options) {
  for (const ConfigOption& option : options) {
    if (option.type != kIdentifierType) continue;  // nothing else is requested
    // §4.1: a suggestion other than the one we last Nak'd the peer with shows the identifiers
    // are unique: ours becomes it. The same one back means both ends drew alike: choose anew.
    // A zero or malformed suggestion is no identifier at all, and we choose anew as well.
    const auto suggested = identifier_of(option);
    if (suggested && !suggested->is_zero() && suggested != last_suggested_) {
      identifier_ = *suggested;
    } else {
      identifier_ = draw_identifier();
    }
  }
  return Continuation::go_on;
}

Continuation Ipv6cpOptions::request_rejected(std::span<const ConfigOption> options) {
  for (const ConfigOption& option : options) {
    // §4.1: a new Configure-Request MUST NOT carry the option. IPv6CP goes on without our
    // identifier; §5 leaves what to do without one to the implementation (the agreement says so).
    if (option.type == kIdentifierType) request_identifier_ = false;
  }
  return Continuation::go_on;
}

InterfaceIdentifier Ipv6cpOptions::draw_identifier() {
  for (;;) {
    InterfaceIdentifier identifier;
    random_.fill(identifier.octets);
    // §4.1 (3): a random identifier is not a globally unique one, so its "u" bit is zero.
    identifier.octets[0] &= ~kUniversalBit;
    if (!identifier.is_zero() && identifier != identifier_ && identifier != last_requested_) {
      return identifier;
    }
  }
}

ConfigOption Ipv6cpOptions::suggestion() {
  last_suggested_ = draw_identifier();
  return identifier_option(*last_suggested_);
}

}  // namespace hl2tp::ppp

// RFC 1661 §6 for the LNS, and RFC 1334 §2.1, RFC 1994 §3 for the Authentication-Protocol data.
#include "ppp/lcp_options.hpp"

#include <array>

#include "base/byte_reader.hpp"
#include "base/byte_writer.hpp"
#include "base/invariant.hpp"

namespace hl2tp::ppp {
namespace {

constexpr std::uint8_t type_of(LcpOption option) {
  return static_cast<std::uint8_t>(option);
}

ConfigOption mru_option(std::uint16_t mru) {
  ConfigOption option{type_of(LcpOption::maximum_receive_unit), {}};
  ByteWriter(option.data).u16(mru);
  return option;
}

ConfigOption magic_option(std::uint32_t magic) {
  ConfigOption option{type_of(LcpOption::magic_number), {}};
  ByteWriter(option.data).u32(magic);
  return option;
}

ConfigOption authentication_option(AuthProtocol protocol) {
  ConfigOption option{type_of(LcpOption::authentication_protocol), {}};
  ByteWriter writer(option.data);
  if (protocol == AuthProtocol::pap) {
    writer.u16(kPapProtocol);  // RFC 1334 §2.1: Length 4
  } else {
    writer.u16(kChapProtocol);  // RFC 1994 §3: Length 5, the Algorithm after the protocol
    writer.u8(kChapMd5Algorithm);
  }
  return option;
}

// The value of an option of exactly `size` data octets, read big-endian; none if another size.
std::optional<std::uint32_t> value_of(const ConfigOption& option, std::size_t size) {
  if (option.data.size() != size) return std::nullopt;
  std::uint32_t value = 0;
  for (std::byte b : option.data)
    value = (value << 8) | std::to_integer<std::uint32_t>(b);
  return value;
}

// The Authentication-Protocol an option names, if it is one we can require.
std::optional<AuthProtocol> authentication_of(const ConfigOption& option) {
  ByteReader reader(option.data);
  const auto protocol = reader.u16();
  if (!protocol) return std::nullopt;
  if (*protocol == kPapProtocol && reader.empty()) return AuthProtocol::pap;
  const auto algorithm = reader.u8();
  if (*protocol == kChapProtocol && algorithm == kChapMd5Algorithm && reader.empty()) {
    return AuthProtocol::chap_md5;
  }
  return std::nullopt;
}

}  // namespace

LcpOptions::LcpOptions(LcpConfig config, RandomSource& random)
    : config_(std::move(config)), random_(random) {
  HL2TP_INVARIANT(config_.mru >= kMinimumMru);
  begin();
}

LcpOptions::LcpOptions(LcpConfig config, RandomSource& random, const LcpAgreement& agreed)
    : LcpOptions(std::move(config), random) {
  requested_mru_ = agreed.our_mru;
  // The agreed protocol, where the configuration still allows it; else the most desirable again.
  authentication_choice_ = 0;
  for (std::size_t i = 0; i < config_.authentication.size(); ++i) {
    if (agreed.authentication == config_.authentication[i]) authentication_choice_ = i;
  }
  // §6.4: zero is "not negotiated"; the peer knows ours, and an Echo carries it.
  request_magic_number_ = agreed.our_magic_number != 0;
  if (request_magic_number_) magic_number_ = agreed.our_magic_number;
  last_requested_magic_number_ = agreed.our_magic_number;
  request_pfc_ = agreed.we_receive_pfc;
  request_acfc_ = agreed.we_receive_acfc;
  agreement_ = agreed;
}

void LcpOptions::begin() {
  requested_mru_ = config_.mru;
  authentication_choice_ = 0;
  request_magic_number_ = config_.magic_number;
  // §6.4: chosen before it is requested, and anew for each negotiation.
  magic_number_ = config_.magic_number ? draw_magic_number(0) : 0;
  request_pfc_ = config_.pfc;
  request_acfc_ = config_.acfc;
  agreement_ = LcpAgreement{};
}

std::vector<ConfigOption> LcpOptions::request_options() {
  // In Type order; §5.1: options at their default values are left out.
  std::vector<ConfigOption> options;
  if (requested_mru_ != kDefaultMru) options.push_back(mru_option(requested_mru_));
  if (authentication_choice_ < config_.authentication.size()) {
    // §6.2: one Authentication-Protocol only, the most desirable not yet refused.
    options.push_back(authentication_option(config_.authentication[authentication_choice_]));
  }
  last_requested_magic_number_ = request_magic_number_ ? magic_number_ : 0;
  if (request_magic_number_) options.push_back(magic_option(magic_number_));
  if (request_pfc_) options.push_back({type_of(LcpOption::protocol_field_compression), {}});
  if (request_acfc_) {
    options.push_back({type_of(LcpOption::address_and_control_field_compression), {}});
  }
  return options;
}

LcpOptions::Judgement LcpOptions::judge(const ConfigOption& option, ConfigOption& suggestion) {
  switch (static_cast<LcpOption>(option.type)) {
    case LcpOption::maximum_receive_unit: {
      // §6.1, and §6 Length: a wrong length is Nak'd with the option as we want it.
      const auto mru = value_of(option, 2);
      if (mru && *mru >= kMinimumMru && *mru <= config_.mru) return Judgement::acceptable;
      suggestion = mru_option(mru && *mru < kMinimumMru ? kMinimumMru : config_.mru);
      return Judgement::nak;
    }
    case LcpOption::magic_number: {
      // §6.4: zero is Nak'd; our own last number may be our request looped back, so it is Nak'd
      // with another, as is a number of the wrong length.
      const auto magic = value_of(option, 4);
      if (magic && *magic != 0 && *magic != last_requested_magic_number_) {
        return Judgement::acceptable;
      }
      suggestion = magic_option(draw_magic_number(last_requested_magic_number_));
      return Judgement::nak;
    }
    case LcpOption::protocol_field_compression:
      // §5.3: a boolean option is never Nak'd; one with data is not the option we know.
      return config_.pfc && option.data.empty() ? Judgement::acceptable : Judgement::reject;
    case LcpOption::address_and_control_field_compression:
      return config_.acfc && option.data.empty() ? Judgement::acceptable : Judgement::reject;
    case LcpOption::authentication_protocol:
      // §6.2: the peer would have us authenticate to it. The LNS authenticates its subscribers
      // and proves nothing to them, so the option is refused outright.
    case LcpOption::quality_protocol:
      // §6.3: no link quality monitoring here.
    default:
      return Judgement::reject;
  }
}

RequestVerdict LcpOptions::judge_request(std::span<const ConfigOption> options, bool may_nak) {
  std::vector<ConfigOption> naks;
  std::vector<ConfigOption> rejects;
  std::array<bool, 256> seen{};
  for (const ConfigOption& option : options) {
    ConfigOption suggestion;
    // §6: none of these options may be listed twice; a second instance is rejected.
    Judgement judgement = seen[option.type] ? Judgement::reject : judge(option, suggestion);
    seen[option.type] = true;
    // §4.6 Max-Failure: past it, what would be Nak'd is Rejected.
    if (judgement == Judgement::nak && !may_nak) judgement = Judgement::reject;
    if (judgement == Judgement::reject) rejects.push_back(option);
    if (judgement == Judgement::nak) naks.push_back(std::move(suggestion));
  }
  // §5.4 before §5.3: a Nak is for a request whose every option is recognized. §5.3 lets us add
  // options we want the peer to request; we want none of the peer's options that it leaves out.
  if (!rejects.empty()) return {RequestVerdict::Kind::reject, std::move(rejects)};
  if (!naks.empty()) return {RequestVerdict::Kind::nak, std::move(naks)};
  return {RequestVerdict::Kind::ack, {}};
}

void LcpOptions::peer_request_acked(std::span<const ConfigOption> options) {
  // The peer's side of the agreement is its last request we acknowledged, whole (§5.2).
  agreement_.peer_mru = kDefaultMru;
  agreement_.peer_magic_number = 0;
  agreement_.peer_receives_pfc = false;
  agreement_.peer_receives_acfc = false;
  for (const ConfigOption& option : options) {
    switch (static_cast<LcpOption>(option.type)) {
      case LcpOption::maximum_receive_unit:
        agreement_.peer_mru = static_cast<std::uint16_t>(value_of(option, 2).value_or(kDefaultMru));
        break;
      case LcpOption::magic_number:
        agreement_.peer_magic_number = value_of(option, 4).value_or(0);
        break;
      case LcpOption::protocol_field_compression:
        agreement_.peer_receives_pfc = true;
        break;
      case LcpOption::address_and_control_field_compression:
        agreement_.peer_receives_acfc = true;
        break;
      default:
        break;
    }
  }
}

void LcpOptions::request_acked(std::span<const ConfigOption> options) {
  agreement_.our_mru = kDefaultMru;
  agreement_.our_magic_number = 0;
  agreement_.authentication.reset();
  agreement_.we_receive_pfc = false;
  agreement_.we_receive_acfc = false;
  for (const ConfigOption& option : options) {
    switch (static_cast<LcpOption>(option.type)) {
      case LcpOption::maximum_receive_unit:
        agreement_.our_mru = static_cast<std::uint16_t>(value_of(option, 2).value_or(kDefaultMru));
        break;
      case LcpOption::magic_number:
        agreement_.our_magic_number = value_of(option, 4).value_or(0);
        break;
      case LcpOption::authentication_protocol:
        agreement_.authentication = authentication_of(option);
        break;
      case LcpOption::protocol_field_compression:
        agreement_.we_receive_pfc = true;
        break;
      case LcpOption::address_and_control_field_compression:
        agreement_.we_receive_acfc = true;
        break;
      default:
        break;
    }
  }
}

Continuation LcpOptions::request_nakked(std::span<const ConfigOption> options) {
  for (const ConfigOption& option : options) {
    switch (static_cast<LcpOption>(option.type)) {
      case LcpOption::maximum_receive_unit: {
        // §5.3: the peer's value if we can receive it, else the default, which we must anyway.
        const auto mru = value_of(option, 2);
        requested_mru_ = mru && *mru >= kMinimumMru && *mru <= config_.mru
                             ? static_cast<std::uint16_t>(*mru)
                             : kDefaultMru;
        break;
      }
      case LcpOption::authentication_protocol: {
        // §6.2: the peer's suggestion if we allow it, else our next most desirable. Only later
        // choices are taken, so that a peer Nak'ing each in turn ends the list, not a loop. An
        // Authentication-Protocol the peer would add when we ask none is one we do not require.
        if (authentication_choice_ >= config_.authentication.size()) break;
        const auto suggested = authentication_of(option);
        std::size_t next = authentication_choice_ + 1;
        for (std::size_t i = next; i < config_.authentication.size(); ++i) {
          if (suggested && config_.authentication[i] == *suggested) {
            next = i;
            break;
          }
        }
        authentication_choice_ = next;
        if (authentication_choice_ >= config_.authentication.size()) return Continuation::give_up;
        break;
      }
      case LcpOption::magic_number:
        // §6.4: a new Magic-Number, whether or not the peer's suggestion repeats its last Nak:
        // drawn anew, it is as unlikely to collide again as any.
        magic_number_ = draw_magic_number(magic_number_);
        break;
      case LcpOption::protocol_field_compression:
        // §5.3: a boolean option is not Nak'd; a peer that does will not take it either.
        request_pfc_ = false;
        break;
      case LcpOption::address_and_control_field_compression:
        request_acfc_ = false;
        break;
      default:
        // An option the peer would have us add: we want none we did not ask for (§5.3 MAY).
        break;
    }
  }
  return Continuation::go_on;
}

Continuation LcpOptions::request_rejected(std::span<const ConfigOption> options) {
  for (const ConfigOption& option : options) {
    switch (static_cast<LcpOption>(option.type)) {
      case LcpOption::maximum_receive_unit:
        requested_mru_ = kDefaultMru;
        break;
      case LcpOption::authentication_protocol:
        // The LNS requires authentication: a peer that refuses every protocol cannot be let on.
        return Continuation::give_up;
      case LcpOption::magic_number:
        // §6.4: the link is not looped back; go on as if acknowledged, without a Magic-Number.
        request_magic_number_ = false;
        break;
      case LcpOption::protocol_field_compression:
        request_pfc_ = false;
        break;
      case LcpOption::address_and_control_field_compression:
        request_acfc_ = false;
        break;
      default:
        break;
    }
  }
  return Continuation::go_on;
}

std::uint32_t LcpOptions::draw_magic_number(std::uint32_t other) {
  for (;;) {
    std::array<std::byte, 4> octets{};
    random_.fill(octets);
    std::uint32_t magic = 0;
    for (std::byte b : octets)
      magic = (magic << 8) | std::to_integer<std::uint32_t>(b);
    if (magic != 0 && magic != other) return magic;
  }
}

}  // namespace hl2tp::ppp

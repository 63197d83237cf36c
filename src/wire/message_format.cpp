#include "wire/message_format.hpp"

#include <fmt/format.h>

namespace hl2tp::wire {
namespace {

std::string quoted(std::string_view text) {
  std::string s = "\"";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7F && c != '"' && c != '\\') {
      s += c;
    } else {
      s += fmt::format("\\x{:02x}", u);
    }
  }
  return s + "\"";
}

template <typename Range>
std::string hex(const Range& bytes) {
  constexpr std::size_t kShown = 32;
  std::string s;
  std::size_t n = 0;
  for (std::byte b : bytes) {
    if (n++ == kShown) return s + "…";
    s += fmt::format("{:02x}", std::to_integer<unsigned>(b));
  }
  return s.empty() ? "(empty)" : s;
}

struct ValueText {
  std::uint16_t attribute_type;
  std::string operator()(const OpaqueValue& v) const { return hex(v.bytes); }
  std::string operator()(std::uint16_t v) const {
    if (attribute_type == AvpSpec<AvpType::MessageType>::kCode) {
      auto n = name(static_cast<MessageType>(v));
      return n.empty() ? fmt::format("{}", v) : std::string(n);
    }
    return fmt::format("{}", v);
  }
  std::string operator()(std::uint32_t v) const { return fmt::format("{}", v); }
  std::string operator()(const std::string& v) const { return quoted(v); }
  std::string operator()(const Bytes& v) const { return hex(v); }
  std::string operator()(NoValue) const { return "(set)"; }
  std::string operator()(const ResultCode& v) const {
    std::string s = fmt::format("{}", v.result);
    if (v.error) s += fmt::format("/{}", *v.error);
    if (!v.message.empty()) s += " " + quoted(v.message);
    return s;
  }
  std::string operator()(const ProtocolVersion& v) const {
    return fmt::format("{}.{}", v.version, v.revision);
  }
  std::string operator()(const TieBreakerValue& v) const { return hex(v); }
  std::string operator()(const ChallengeDigest& v) const { return hex(v); }
  std::string operator()(const Q931Cause& v) const {
    return fmt::format("cause {} msg {}{}", v.cause_code, v.cause_message,
                       v.advisory.empty() ? "" : " " + quoted(v.advisory));
  }
  std::string operator()(const CallErrors& v) const {
    return fmt::format("crc {} framing {} hw-overrun {} buffer-overrun {} timeout {} alignment {}",
                       v.crc_errors, v.framing_errors, v.hardware_overruns, v.buffer_overruns,
                       v.timeout_errors, v.alignment_errors);
  }
  std::string operator()(const Accm& v) const {
    return fmt::format("send {:#010x} receive {:#010x}", v.send_accm, v.receive_accm);
  }
  std::string operator()(const FailoverCapability& v) const {
    return fmt::format("C={} D={} recovery {} ms", v.control ? 1 : 0, v.data ? 1 : 0,
                       v.recovery_time_ms);
  }
  std::string operator()(const TunnelRecovery& v) const {
    return fmt::format("recover tid {} remote tid {}", v.recover_tunnel_id,
                       v.recover_remote_tunnel_id);
  }
  std::string operator()(const SuggestedControlSequence& v) const {
    return fmt::format("Ns {} Nr {}", v.ns, v.nr);
  }
  std::string operator()(const FailoverSessionState& v) const {
    return fmt::format("sid {} remote sid {}", v.session_id, v.remote_session_id);
  }
};

}  // namespace

std::string to_string(const Avp& avp) {
  std::string label;
  const auto info = avp.vendor_id == 0 ? avp_info(avp.attribute_type) : std::nullopt;
  if (info && avp.reserved_bits == 0) {
    label = std::string(info->name);
  } else if (avp.vendor_id == 0) {
    label = fmt::format("AVP {}", avp.attribute_type);
  } else {
    label = fmt::format("vendor {} AVP {}", avp.vendor_id, avp.attribute_type);
  }
  std::string flags;
  if (avp.mandatory) flags += 'M';
  if (avp.hidden) flags += 'H';
  if (!avp.is_recognized() && info && avp.reserved_bits == 0) flags += "!invalid";
  return fmt::format("{}{}={}", label, flags.empty() ? "" : "(" + flags + ")",
                     std::visit(ValueText{avp.attribute_type}, avp.value));
}

std::string to_string(const ControlMessage& message) {
  std::string type = "ZLB";
  if (auto t = message.type()) {
    auto n = name(*t);
    type = n.empty() ? fmt::format("type-{}", static_cast<std::uint16_t>(*t)) : std::string(n);
  }
  std::string s = fmt::format("{} tid={} sid={} Ns={} Nr={}", type, message.header.tunnel_id,
                              message.header.session_id, message.header.ns, message.header.nr);
  if (message.avps.size() > 1) {
    s += " [";
    for (std::size_t i = 1; i < message.avps.size(); ++i) {
      if (i > 1) s += ", ";
      s += to_string(message.avps[i]);
    }
    s += "]";
  }
  return s;
}

}  // namespace hl2tp::wire

#pragma once
// Random but valid control messages for property tests and fuzz seeds: a known message type with
// its required AVPs, random optional AVPs of every kind in the table, unknown and vendor AVPs, and
// (with a secret) hidden AVPs behind a Random Vector.
#include <random>
#include <string>
#include <type_traits>

#include "wire/avp_type.hpp"
#include "wire/message_builders.hpp"
#include "wire/required_avps.hpp"

namespace hl2tp::test {

class MessageGenerator {
 public:
  explicit MessageGenerator(std::uint64_t seed) : rng_(seed) {}

  // `hide`: mark hideable AVPs hidden at random (the encoder then needs a secret).
  wire::ControlMessage next(bool hide) {
    using namespace wire;
    static constexpr MessageType kTypes[] = {
        MessageType::SCCRQ, MessageType::SCCRP, MessageType::SCCCN, MessageType::StopCCN,
        MessageType::HELLO, MessageType::OCRQ,  MessageType::OCRP,  MessageType::OCCN,
        MessageType::ICRQ,  MessageType::ICRP,  MessageType::ICCN,  MessageType::CDN,
        MessageType::WEN,   MessageType::SLI,   MessageType::FSQ,   MessageType::FSR};
    ControlMessage m;
    m.header = {u16(), u16(), u16(), u16()};
    if (pick(20) == 0) return m;  // a ZLB now and then
    const MessageType type = kTypes[pick(std::size(kTypes))];
    m = make_message(type);
    m.header = {u16(), u16(), u16(), u16()};
    if (hide) m.avps.push_back(make_avp<AvpType::RandomVector>(bytes(1 + pick(24))));
    for (AvpType required : required_avps(type))
      add_random(m, static_cast<std::uint16_t>(required), hide);
    const std::size_t optional = pick(8);
    for (std::size_t i = 0; i < optional; ++i) {
      switch (pick(4)) {
        case 0:
          add_unknown(m);
          break;
        default:
          add_random(m, kKnownTypes[pick(std::size(kKnownTypes))], hide);
          break;
      }
    }
    return m;
  }

  std::uint64_t raw() { return rng_(); }

 private:
  static constexpr std::uint16_t kKnownTypes[] = {
#define HL2TP_GEN_CODE(name, code, type, m, h, min) code,
      HL2TP_AVP_TABLE(HL2TP_GEN_CODE)
#undef HL2TP_GEN_CODE
  };

  std::size_t pick(std::size_t n) {
    return static_cast<std::size_t>(rng_() % n);
  }
  std::uint16_t u16() {
    return static_cast<std::uint16_t>(rng_());
  }
  std::uint32_t u32() {
    return static_cast<std::uint32_t>(rng_());
  }
  Bytes bytes(std::size_t n) {
    Bytes b(n);
    for (auto& x : b)
      x = static_cast<std::byte>(rng_());
    return b;
  }
  std::string text(std::size_t min) {
    std::string s(min + pick(30), ' ');
    for (auto& c : s)
      c = static_cast<char>(rng_());  // any octets: AVP strings are not validated
    return s;
  }

  std::uint16_t value(std::type_identity<std::uint16_t>, std::size_t) {
    return static_cast<std::uint16_t>(1 + pick(0xFFFE));  // non-zero: 0 is invalid for some
  }
  std::uint32_t value(std::type_identity<std::uint32_t>, std::size_t) {
    return u32();
  }
  std::string value(std::type_identity<std::string>, std::size_t min) {
    return text(min);
  }
  Bytes value(std::type_identity<Bytes>, std::size_t min) {
    return bytes(min + pick(30));
  }
  wire::NoValue value(std::type_identity<wire::NoValue>, std::size_t) {
    return {};
  }
  wire::ResultCode value(std::type_identity<wire::ResultCode>, std::size_t) {
    wire::ResultCode v{u16(), std::nullopt, ""};
    if (pick(2)) v.error = u16();
    if (v.error && pick(2)) v.message = text(1);
    return v;
  }
  wire::ProtocolVersion value(std::type_identity<wire::ProtocolVersion>, std::size_t) {
    return {static_cast<std::uint8_t>(pick(256)), static_cast<std::uint8_t>(pick(256))};
  }
  wire::TieBreakerValue value(std::type_identity<wire::TieBreakerValue>, std::size_t) {
    wire::TieBreakerValue v;
    for (auto& x : v)
      x = static_cast<std::byte>(rng_());
    return v;
  }
  wire::ChallengeDigest value(std::type_identity<wire::ChallengeDigest>, std::size_t) {
    wire::ChallengeDigest v;
    for (auto& x : v)
      x = static_cast<std::byte>(rng_());
    return v;
  }
  wire::Q931Cause value(std::type_identity<wire::Q931Cause>, std::size_t) {
    return {u16(), static_cast<std::uint8_t>(pick(256)), pick(2) ? text(0) : ""};
  }
  wire::CallErrors value(std::type_identity<wire::CallErrors>, std::size_t) {
    return {u32(), u32(), u32(), u32(), u32(), u32()};
  }
  wire::Accm value(std::type_identity<wire::Accm>, std::size_t) {
    return {u32(), u32()};
  }
  wire::FailoverCapability value(std::type_identity<wire::FailoverCapability>, std::size_t) {
    return {pick(2) == 0, pick(2) == 0, u32()};
  }
  wire::TunnelRecovery value(std::type_identity<wire::TunnelRecovery>, std::size_t) {
    return {u16(), u16()};
  }
  wire::SuggestedControlSequence value(std::type_identity<wire::SuggestedControlSequence>,
                                       std::size_t) {
    return {u16(), u16()};
  }
  wire::FailoverSessionState value(std::type_identity<wire::FailoverSessionState>, std::size_t) {
    return {u16(), u16()};
  }

  void add_random(wire::ControlMessage& m, std::uint16_t code, bool hide) {
    using namespace wire;
    if (code == AvpSpec<AvpType::MessageType>::kCode) return;  // only once, first
    Avp avp;
    switch (code) {
#define HL2TP_GEN_VALUE(name, code_, type, m_, h, min)                                           \
  case code_:                                                                                    \
    avp = make_avp<AvpType::name>(value(std::type_identity<type>{}, min), hide && h && pick(2)); \
    break;
      HL2TP_AVP_TABLE(HL2TP_GEN_VALUE)
#undef HL2TP_GEN_VALUE
    }
    if (pick(5) == 0) avp.mandatory = !avp.mandatory;  // peers do not always send the RFC's M
    if (code == AvpSpec<AvpType::RandomVector>::kCode) avp.mandatory = true;
    m.avps.push_back(std::move(avp));
  }

  void add_unknown(wire::ControlMessage& m) {
    wire::Avp avp;
    if (pick(2) == 0) {
      avp.vendor_id = static_cast<std::uint16_t>(1 + pick(40000));
      avp.attribute_type = u16();
    } else {
      avp.attribute_type = static_cast<std::uint16_t>(80 + pick(1000));  // past the table
    }
    avp.mandatory = pick(2) == 0;
    avp.reserved_bits = pick(4) == 0 ? static_cast<std::uint8_t>(pick(16)) : 0;
    avp.value = wire::OpaqueValue{bytes(pick(40))};
    m.avps.push_back(std::move(avp));
  }

  std::mt19937_64 rng_;
};

}  // namespace hl2tp::test

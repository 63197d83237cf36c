#include "wire/avp_value_codec.hpp"

#include "base/byte_reader.hpp"
#include "base/byte_writer.hpp"
#include "wire/avp_type.hpp"

namespace hl2tp::wire {
namespace {

// One parse function per value type. Each is handed exactly the value octets and must consume all
// of them: trailing octets make the value invalid, as a wrong Length would.
template <typename T>
std::optional<T> parse(ByteReader& r);

template <>
std::optional<std::uint16_t> parse(ByteReader& r) {
  return r.u16();
}
template <>
std::optional<std::uint32_t> parse(ByteReader& r) {
  return r.u32();
}
template <>
std::optional<std::string> parse(ByteReader& r) {
  auto s = r.take(r.remaining());
  return std::string(reinterpret_cast<const char*>(s->data()), s->size());
}
template <>
std::optional<Bytes> parse(ByteReader& r) {
  auto s = r.take(r.remaining());
  return Bytes(s->begin(), s->end());
}
template <>
std::optional<NoValue> parse(ByteReader&) {
  return NoValue{};
}
template <>
std::optional<ResultCode> parse(ByteReader& r) {
  ResultCode v;
  auto result = r.u16();
  if (!result) return std::nullopt;
  v.result = *result;
  if (r.empty()) return v;
  v.error = r.u16();
  if (!v.error) return std::nullopt;  // a single stray octet
  auto text = *r.take(r.remaining());
  v.message.assign(reinterpret_cast<const char*>(text.data()), text.size());
  return v;
}
template <>
std::optional<ProtocolVersion> parse(ByteReader& r) {
  auto version = r.u8();
  auto revision = r.u8();
  if (!version || !revision) return std::nullopt;
  return ProtocolVersion{*version, *revision};
}
template <typename Array>
std::optional<Array> parse_array(ByteReader& r) {
  auto s = r.take(std::tuple_size_v<Array>);
  if (!s) return std::nullopt;
  Array a;
  std::copy(s->begin(), s->end(), a.begin());
  return a;
}
template <>
std::optional<TieBreakerValue> parse(ByteReader& r) {
  return parse_array<TieBreakerValue>(r);
}
template <>
std::optional<ChallengeDigest> parse(ByteReader& r) {
  return parse_array<ChallengeDigest>(r);
}
template <>
std::optional<Q931Cause> parse(ByteReader& r) {
  auto cause = r.u16();
  auto message = r.u8();
  if (!cause || !message) return std::nullopt;
  auto text = *r.take(r.remaining());
  return Q931Cause{*cause, *message,
                   std::string(reinterpret_cast<const char*>(text.data()), text.size())};
}
template <>
std::optional<CallErrors> parse(ByteReader& r) {
  if (!r.u16()) return std::nullopt;  // reserved
  CallErrors v;
  for (std::uint32_t* field : {&v.crc_errors, &v.framing_errors, &v.hardware_overruns,
                               &v.buffer_overruns, &v.timeout_errors, &v.alignment_errors}) {
    auto x = r.u32();
    if (!x) return std::nullopt;
    *field = *x;
  }
  return v;
}
template <>
std::optional<Accm> parse(ByteReader& r) {
  if (!r.u16()) return std::nullopt;  // reserved
  auto send = r.u32();
  auto receive = r.u32();
  if (!send || !receive) return std::nullopt;
  return Accm{*send, *receive};
}
template <>
std::optional<FailoverCapability> parse(ByteReader& r) {
  auto bits = r.u16();
  auto time = r.u32();
  if (!bits || !time) return std::nullopt;
  // RFC 4951 §5.1: C=D=0 MUST NOT be sent; we still read it (and keep the bits) so that the caller
  // can decide, since the AVP has M=0.
  return FailoverCapability{(*bits & 0x0001) != 0, (*bits & 0x0002) != 0, *time};
}
// RFC 4951 §5.2 and §5.4 share one L2TPv2 layout: Reserved(16) Reserved(16) ID(16) Reserved(16)
// ID(16) — the L2TPv3 layout's two 32-bit IDs, narrowed.
std::optional<std::pair<std::uint16_t, std::uint16_t>> parse_rfc4951_id_pair(ByteReader& r) {
  if (!r.u16() || !r.u16()) return std::nullopt;
  auto first = r.u16();
  if (!r.u16()) return std::nullopt;
  auto second = r.u16();
  if (!first || !second) return std::nullopt;
  return std::pair(*first, *second);
}

void write_rfc4951_id_pair(ByteWriter& w, std::uint16_t first, std::uint16_t second) {
  w.u16(0);
  w.u16(0);
  w.u16(first);
  w.u16(0);
  w.u16(second);
}

template <>
std::optional<TunnelRecovery> parse(ByteReader& r) {
  auto ids = parse_rfc4951_id_pair(r);
  if (!ids) return std::nullopt;
  return TunnelRecovery{ids->first, ids->second};
}
template <>
std::optional<SuggestedControlSequence> parse(ByteReader& r) {
  if (!r.u16()) return std::nullopt;  // reserved
  auto ns = r.u16();
  auto nr = r.u16();
  if (!ns || !nr) return std::nullopt;
  return SuggestedControlSequence{*ns, *nr};
}
template <>
std::optional<FailoverSessionState> parse(ByteReader& r) {
  auto ids = parse_rfc4951_id_pair(r);
  if (!ids) return std::nullopt;
  return FailoverSessionState{ids->first, ids->second};
}

template <typename T>
bool decode_as(std::span<const std::byte> value, std::size_t min_length, AvpValue& out) {
  if (value.size() < min_length) return false;
  ByteReader r(value);
  std::optional<T> v = parse<T>(r);
  if (!v || !r.empty()) return false;
  out.emplace<T>(std::move(*v));
  return true;
}

// Value-level rules beyond the layout.
bool value_is_valid(std::uint16_t attribute_type, const AvpValue& v) {
  switch (attribute_type) {
    case AvpSpec<AvpType::ReceiveWindowSize>::kCode:  // RFC 2661 §4.4.3: 0 is invalid
    case AvpSpec<AvpType::AssignedTunnelId>::kCode:   // §4.4.3: MUST be non-zero
      return std::get<std::uint16_t>(v) != 0;
    default:
      return true;
  }
}

struct Writer {
  ByteWriter& w;
  void operator()(const OpaqueValue& v) { w.bytes(v.bytes); }
  void operator()(std::uint16_t v) { w.u16(v); }
  void operator()(std::uint32_t v) { w.u32(v); }
  void operator()(const std::string& v) { w.text(v); }
  void operator()(const Bytes& v) { w.bytes(v); }
  void operator()(NoValue) {}
  void operator()(const ResultCode& v) {
    w.u16(v.result);
    if (v.error || !v.message.empty()) w.u16(v.error.value_or(0));
    w.text(v.message);
  }
  void operator()(const ProtocolVersion& v) {
    w.u8(v.version);
    w.u8(v.revision);
  }
  void operator()(const TieBreakerValue& v) { w.bytes(v); }
  void operator()(const ChallengeDigest& v) { w.bytes(v); }
  void operator()(const Q931Cause& v) {
    w.u16(v.cause_code);
    w.u8(v.cause_message);
    w.text(v.advisory);
  }
  void operator()(const CallErrors& v) {
    w.u16(0);
    for (std::uint32_t x : {v.crc_errors, v.framing_errors, v.hardware_overruns, v.buffer_overruns,
                            v.timeout_errors, v.alignment_errors}) {
      w.u32(x);
    }
  }
  void operator()(const Accm& v) {
    w.u16(0);
    w.u32(v.send_accm);
    w.u32(v.receive_accm);
  }
  void operator()(const FailoverCapability& v) {
    w.u16(static_cast<std::uint16_t>((v.control ? 0x0001 : 0) | (v.data ? 0x0002 : 0)));
    w.u32(v.recovery_time_ms);
  }
  void operator()(const TunnelRecovery& v) {
    write_rfc4951_id_pair(w, v.recover_tunnel_id, v.recover_remote_tunnel_id);
  }
  void operator()(const SuggestedControlSequence& v) {
    w.u16(0);
    w.u16(v.ns);
    w.u16(v.nr);
  }
  void operator()(const FailoverSessionState& v) {
    write_rfc4951_id_pair(w, v.session_id, v.remote_session_id);
  }
};

}  // namespace

bool decode_avp_value(std::uint16_t attribute_type, std::span<const std::byte> value,
                      AvpValue& out) {
  bool decoded = false;
  switch (attribute_type) {
#define HL2TP_AVP_DECODE(name, code, type, m, h, min) \
  case code:                                          \
    decoded = decode_as<type>(value, min, out);       \
    break;
    HL2TP_AVP_TABLE(HL2TP_AVP_DECODE)
#undef HL2TP_AVP_DECODE
    default:
      return false;
  }
  return decoded && value_is_valid(attribute_type, out);
}

bool value_fits_type(std::uint16_t vendor_id, std::uint16_t attribute_type, const AvpValue& value) {
  if (std::holds_alternative<OpaqueValue>(value)) return true;
  if (vendor_id != 0) return false;
  switch (attribute_type) {
#define HL2TP_AVP_FITS(name, code, type, m, h, min) \
  case code:                                        \
    return std::holds_alternative<type>(value);
    HL2TP_AVP_TABLE(HL2TP_AVP_FITS)
#undef HL2TP_AVP_FITS
    default:
      return false;
  }
}

void encode_avp_value(const AvpValue& value, Bytes& out) {
  ByteWriter w(out);
  std::visit(Writer{w}, value);
}

}  // namespace hl2tp::wire

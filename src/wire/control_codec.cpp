#include "wire/control_codec.hpp"

#include "base/byte_reader.hpp"
#include "base/byte_writer.hpp"
#include "wire/avp_value_codec.hpp"
#include "wire/hidden_avp.hpp"
#include "wire/required_avps.hpp"

namespace hl2tp::wire {
namespace {

constexpr std::uint16_t kT = 0x8000, kL = 0x4000, kS = 0x0800, kO = 0x0200, kP = 0x0100;
constexpr std::uint16_t kVersionMask = 0x000F, kVersion2 = 2;
constexpr std::uint16_t kAvpM = 0x8000, kAvpH = 0x4000, kAvpLengthMask = 0x03FF;
constexpr int kAvpReservedShift = 10;
constexpr std::uint16_t kAvpReservedMask = 0x0F;
constexpr std::uint16_t kMessageTypeAttribute = AvpSpec<AvpType::MessageType>::kCode;

struct AvpHeader {
  bool mandatory;
  bool hidden;
  std::uint8_t reserved_bits;
  std::uint16_t length;
  std::uint16_t vendor_id;
  std::uint16_t attribute_type;
};

class MessageDecoder {
 public:
  MessageDecoder(std::span<const std::byte> datagram, const DecodeOptions& options)
      : datagram_(datagram), options_(options) {}

  Result<ControlMessage, DecodeError> run() {
    auto header = decode_control_header(datagram_);
    if (!header) return unexpected(header.error());
    message_.header = *header;
    header_ = *header;

    ByteReader body(datagram_.subspan(kControlHeaderLength));
    // First pass: validate every AVP header so that the vector is sized once and a broken length
    // is reported before any value is decoded.
    // The Message Type is checked on the way, so that errors after it can name it.
    std::size_t count = 0;
    for (ByteReader scan = body; !scan.empty(); ++count) {
      const std::size_t at = kControlHeaderLength + scan.offset();
      auto avp = read_avp_header(scan);
      if (!avp) return unexpected(avp.error());
      auto value = *scan.take(avp->length - kAvpHeaderLength);
      if (count == 0) {
        if (auto bad = check_message_type_avp(*avp, value, at)) return unexpected(*bad);
      }
    }
    message_.avps.reserve(count);

    while (!body.empty()) {
      const std::size_t at = kControlHeaderLength + body.offset();
      AvpHeader h = *read_avp_header(body);
      auto value = *body.take(h.length - kAvpHeaderLength);
      Avp& avp = message_.avps.emplace_back();
      if (auto error = decode_avp(h, value, at, avp)) return unexpected(std::move(*error));
      if (avp.is<AvpType::RandomVector>()) {
        random_vector_ = value;  // RFC 2661 §4.3: hidden AVPs use the closest preceding vector
      }
    }

    if (options_.check_required_avps) {
      if (auto missing = first_missing_required_avp(message_)) {
        return fail(DecodeErrc::missing_required_avp, datagram_.size(),
                    static_cast<std::uint16_t>(*missing));
      }
    }
    return std::move(message_);
  }

 private:
  Unexpected<DecodeError> fail(DecodeErrc code, std::size_t offset, std::uint16_t attribute = 0) {
    return unexpected(DecodeError{code, offset, attribute, header_, message_type_});
  }

  Result<AvpHeader, DecodeError> read_avp_header(ByteReader& r) {
    const std::size_t at = kControlHeaderLength + r.offset();
    if (r.remaining() < kAvpHeaderLength) return fail(DecodeErrc::avp_truncated, at);
    const std::uint16_t word = *r.u16();
    AvpHeader h{};
    h.mandatory = (word & kAvpM) != 0;
    h.hidden = (word & kAvpH) != 0;
    h.reserved_bits = static_cast<std::uint8_t>((word >> kAvpReservedShift) & kAvpReservedMask);
    h.length = word & kAvpLengthMask;
    h.vendor_id = *r.u16();
    h.attribute_type = *r.u16();
    if (h.length < kAvpHeaderLength) {
      return fail(DecodeErrc::avp_length_too_short, at, h.attribute_type);
    }
    if (h.length - kAvpHeaderLength > r.remaining()) {
      return fail(DecodeErrc::avp_length_past_end, at, h.attribute_type);
    }
    return h;
  }

  // RFC 2661 §4.4.1: the Message Type comes first, is never hidden, and is 8 octets long.
  std::optional<DecodeError> check_message_type_avp(const AvpHeader& h,
                                                    std::span<const std::byte> value,
                                                    std::size_t at) {
    if (h.vendor_id != 0 || h.attribute_type != kMessageTypeAttribute) {
      return fail(DecodeErrc::message_type_not_first, at, h.attribute_type).error;
    }
    if (h.hidden) return fail(DecodeErrc::message_type_hidden, at, h.attribute_type).error;
    if (h.reserved_bits != 0 || value.size() != 2) {
      return fail(DecodeErrc::invalid_avp_value, at, h.attribute_type).error;
    }
    message_type_ = static_cast<std::uint16_t>((std::to_integer<unsigned>(value[0]) << 8) |
                                               std::to_integer<unsigned>(value[1]));
    return std::nullopt;
  }

  // Fills `avp` (already in the message) from its header and value octets.
  std::optional<DecodeError> decode_avp(const AvpHeader& h, std::span<const std::byte> value,
                                        std::size_t at, Avp& avp) {
    avp.vendor_id = h.vendor_id;
    avp.attribute_type = h.attribute_type;
    avp.mandatory = h.mandatory;
    avp.hidden = h.hidden;
    avp.reserved_bits = h.reserved_bits;
    const auto info = h.vendor_id == 0 ? avp_info(h.attribute_type) : std::nullopt;
    // RFC 2661 §4.1: an AVP with a reserved bit set is treated as unrecognised.
    const bool recognized = info.has_value() && h.reserved_bits == 0;

    std::span<const std::byte> plain = value;
    if (h.hidden) {
      if (recognized && !info->may_hide) {
        return fail(DecodeErrc::avp_must_not_be_hidden, at, h.attribute_type).error;
      }
      if (options_.secret.empty()) {
        return fail(DecodeErrc::hidden_avp_without_secret, at, h.attribute_type).error;
      }
      if (!random_vector_) {
        return fail(DecodeErrc::hidden_avp_without_random_vector, at, h.attribute_type).error;
      }
      auto length =
          reveal_avp_value(h.attribute_type, options_.secret, *random_vector_, value, revealed_);
      if (!length) return fail(length.error(), at, h.attribute_type).error;
      plain = std::span<const std::byte>(revealed_).subspan(2, *length);
    }

    if (recognized) {
      if (decode_avp_value(h.attribute_type, plain, avp.value)) return std::nullopt;
      // RFC 2661 §7.1: an invalid M=1 AVP ends the session or tunnel; an M=0 one is ignored.
      if (h.mandatory) return fail(DecodeErrc::invalid_avp_value, at, h.attribute_type).error;
    }
    avp.value.emplace<OpaqueValue>(OpaqueValue{Bytes(plain.begin(), plain.end())});
    return std::nullopt;
  }

  std::span<const std::byte> datagram_;
  const DecodeOptions& options_;
  ControlMessage message_;
  std::optional<ControlHeader> header_;
  std::optional<std::uint16_t> message_type_;
  std::optional<std::span<const std::byte>> random_vector_;
  Bytes revealed_;  // scratch for hidden values, reused across AVPs
};

std::optional<EncodeError> encode_avps(const ControlMessage& message, Bytes& out,
                                       const EncodeOptions& options) {
  ByteWriter w(out);
  const Bytes* random_vector = nullptr;
  Bytes plain, padding;
  for (std::size_t i = 0; i < message.avps.size(); ++i) {
    const Avp& avp = message.avps[i];
    if (i == 0 && !(avp.is<AvpType::MessageType>() && !avp.hidden)) {
      return EncodeError{EncodeErrc::message_type_not_first, i};
    }
    if (!value_fits_type(avp.vendor_id, avp.attribute_type, avp.value)) {
      return EncodeError{EncodeErrc::value_type_mismatch, i};
    }
    const std::size_t start = w.size();
    w.u16(0);  // flags and length, patched below
    w.u16(avp.vendor_id);
    w.u16(avp.attribute_type);
    if (avp.hidden) {
      const auto info = avp.vendor_id == 0 ? avp_info(avp.attribute_type) : std::nullopt;
      if (avp.is_recognized() && info && !info->may_hide) {
        return EncodeError{EncodeErrc::hidden_avp_not_allowed, i};
      }
      if (options.secret.empty()) return EncodeError{EncodeErrc::hidden_avp_without_secret, i};
      if (random_vector == nullptr) {
        return EncodeError{EncodeErrc::hidden_avp_without_random_vector, i};
      }
      plain.clear();
      encode_avp_value(avp.value, plain);
      padding.clear();
      if (options.random != nullptr && options.max_hidden_padding > 0) {
        std::byte n{};
        options.random->fill(std::span(&n, 1));
        padding.resize(std::to_integer<std::size_t>(n) % (options.max_hidden_padding + 1u));
        options.random->fill(padding);
      }
      hide_avp_value(avp.attribute_type, options.secret, *random_vector, plain, padding, out);
    } else {
      encode_avp_value(avp.value, out);
      if (avp.is<AvpType::RandomVector>()) random_vector = &std::get<Bytes>(avp.value);
    }
    const std::size_t length = w.size() - start;
    if (length > kMaxAvpLength) return EncodeError{EncodeErrc::avp_too_long, i};
    w.patch_u16(start, static_cast<std::uint16_t>(
                           (avp.mandatory ? kAvpM : 0) | (avp.hidden ? kAvpH : 0) |
                           ((avp.reserved_bits & kAvpReservedMask) << kAvpReservedShift) | length));
  }
  return std::nullopt;
}

}  // namespace

Result<ControlHeader, DecodeError> decode_control_header(std::span<const std::byte> datagram) {
  ByteReader r(datagram);
  auto flags = r.u16();
  if (!flags) return unexpected(DecodeError{DecodeErrc::truncated_header, 0});
  if ((*flags & kVersionMask) != kVersion2) {
    return unexpected(DecodeError{DecodeErrc::unsupported_version, 0});
  }
  // RFC 2661 §3.1: a control message has T, L and S set and O, P clear.
  if ((*flags & (kT | kL | kS | kO | kP)) != (kT | kL | kS)) {
    return unexpected(DecodeError{DecodeErrc::invalid_control_flags, 0});
  }
  if (datagram.size() < kControlHeaderLength) {
    return unexpected(DecodeError{DecodeErrc::truncated_header, 0});
  }
  const std::uint16_t length = *r.u16();
  ControlHeader h;
  h.tunnel_id = *r.u16();
  h.session_id = *r.u16();
  h.ns = *r.u16();
  h.nr = *r.u16();
  if (length < kControlHeaderLength || length != datagram.size()) {
    return unexpected(DecodeError{DecodeErrc::length_mismatch, 2, 0, h});
  }
  return h;
}

Result<ControlMessage, DecodeError> decode_control(std::span<const std::byte> datagram,
                                                   const DecodeOptions& options) {
  return MessageDecoder(datagram, options).run();
}

std::optional<EncodeError> encode_control_into(const ControlMessage& message, Bytes& out,
                                               const EncodeOptions& options) {
  const std::size_t start = out.size();
  ByteWriter w(out);
  w.u16(kControlFlagsAndVersion);
  w.u16(0);  // Length, patched below
  w.u16(message.header.tunnel_id);
  w.u16(message.header.session_id);
  w.u16(message.header.ns);
  w.u16(message.header.nr);
  std::optional<EncodeError> error = encode_avps(message, out, options);
  const std::size_t length = out.size() - start;
  if (!error && length > 0xFFFF) error = EncodeError{EncodeErrc::message_too_long, 0};
  if (error) {
    out.resize(start);
    return error;
  }
  w.patch_u16(start + 2, static_cast<std::uint16_t>(length));
  return std::nullopt;
}

Result<Bytes, EncodeError> encode_control(const ControlMessage& message,
                                          const EncodeOptions& options) {
  Bytes out;
  out.reserve(128);
  if (auto error = encode_control_into(message, out, options)) return unexpected(*error);
  return out;
}

}  // namespace hl2tp::wire

#include "wire/data_message.hpp"

#include "base/byte_reader.hpp"
#include "base/byte_writer.hpp"

namespace hl2tp::wire {
namespace {

constexpr std::uint16_t kT = 0x8000, kL = 0x4000, kS = 0x0800, kO = 0x0200, kP = 0x0100;
constexpr std::uint16_t kVersionMask = 0x000F, kVersion2 = 2;

Unexpected<DecodeError> fail(DecodeErrc code, std::size_t offset) {
  return unexpected(DecodeError{code, offset});
}

}  // namespace

std::optional<bool> is_control_message(std::span<const std::byte> datagram) {
  if (datagram.empty()) return std::nullopt;
  return (std::to_integer<unsigned>(datagram[0]) & 0x80) != 0;
}

Result<DataMessage, DecodeError> decode_data(std::span<const std::byte> datagram) {
  ByteReader r(datagram);
  auto flags = r.u16();
  if (!flags) return fail(DecodeErrc::truncated_header, 0);
  if ((*flags & kVersionMask) != kVersion2) return fail(DecodeErrc::unsupported_version, 0);
  if (*flags & kT) return fail(DecodeErrc::invalid_control_flags, 0);

  DataMessage m;
  m.header.length_present = (*flags & kL) != 0;
  m.header.priority = (*flags & kP) != 0;
  std::optional<std::uint16_t> length;
  if (m.header.length_present) {
    length = r.u16();
    if (!length) return fail(DecodeErrc::truncated_header, r.offset());
  }
  auto tunnel = r.u16();
  auto session = r.u16();
  if (!tunnel || !session) return fail(DecodeErrc::truncated_header, r.offset());
  m.header.tunnel_id = *tunnel;
  m.header.session_id = *session;
  if (*flags & kS) {
    m.header.ns = r.u16();
    m.header.nr = r.u16();
    if (!m.header.ns || !m.header.nr) return fail(DecodeErrc::truncated_header, r.offset());
  }
  if (*flags & kO) {
    m.header.offset_size = r.u16();
    if (!m.header.offset_size) return fail(DecodeErrc::truncated_header, r.offset());
  }
  std::size_t end = datagram.size();
  if (length) {
    // The Length covers the whole message; a datagram of another size is not what the peer sent.
    if (*length != datagram.size() || *length < r.offset()) {
      return fail(DecodeErrc::length_mismatch, 2);
    }
    end = *length;
  }
  if (m.header.offset_size) {
    if (!r.take(*m.header.offset_size)) return fail(DecodeErrc::offset_past_end, r.offset());
  }
  m.payload = datagram.subspan(r.offset(), end - r.offset());
  return m;
}

void encode_data(const DataHeader& h, std::span<const std::byte> payload, Bytes& out) {
  ByteWriter w(out);
  const std::size_t start = w.size();
  std::uint16_t flags = kVersion2;
  if (h.length_present) flags |= kL;
  if (h.ns) flags |= kS;
  if (h.offset_size) flags |= kO;
  if (h.priority) flags |= kP;
  w.u16(flags);
  const std::size_t length_at = w.size();
  if (h.length_present) w.u16(0);
  w.u16(h.tunnel_id);
  w.u16(h.session_id);
  if (h.ns) {
    w.u16(*h.ns);
    w.u16(h.nr.value_or(0));
  }
  if (h.offset_size) {
    w.u16(*h.offset_size);
    w.zeros(*h.offset_size);
  }
  w.bytes(payload);
  if (h.length_present) w.patch_u16(length_at, static_cast<std::uint16_t>(w.size() - start));
}

}  // namespace hl2tp::wire

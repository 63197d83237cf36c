// RFC 1661 §5 and §6: every length is checked against what was received before anything is read
// (ByteReader refuses a read past the end; nothing here indexes the input otherwise).
#include "ppp/control_packet.hpp"

#include <limits>

#include "base/byte_reader.hpp"
#include "base/byte_writer.hpp"
#include "base/invariant.hpp"

namespace hl2tp::ppp {

std::string_view describe(DecodeError error) {
  switch (error) {
    case DecodeError::shorter_than_header:
      return "fewer octets than a packet header";
    case DecodeError::length_below_header:
      return "packet Length below 4";
    case DecodeError::length_beyond_frame:
      return "packet Length past the end of the frame";
    case DecodeError::option_shorter_than_header:
      return "option cut short before its Length";
    case DecodeError::option_length_below_header:
      return "option Length below 2";
    case DecodeError::option_beyond_packet:
      return "option Length past the end of the packet";
  }
  return "unknown decode error";
}

Result<ControlPacket, DecodeError> decode_packet(std::span<const std::byte> information) {
  ByteReader reader(information);
  const auto code = reader.u8();
  const auto identifier = reader.u8();
  const auto length = reader.u16();
  if (!code || !identifier || !length) return unexpected(DecodeError::shorter_than_header);
  // §5 Length: it counts the header; octets past it are padding and ignored.
  if (*length < kPacketHeaderSize) return unexpected(DecodeError::length_below_header);
  const auto data = reader.take(*length - kPacketHeaderSize);
  if (!data) return unexpected(DecodeError::length_beyond_frame);
  return ControlPacket{*code, *identifier, Bytes(data->begin(), data->end())};
}

Bytes encode_packet(const ControlPacket& packet) {
  constexpr std::size_t kMaxData = std::numeric_limits<std::uint16_t>::max() - kPacketHeaderSize;
  HL2TP_INVARIANT(packet.data.size() <= kMaxData);
  Bytes out;
  out.reserve(kPacketHeaderSize + packet.data.size());
  ByteWriter writer(out);
  writer.u8(packet.code);
  writer.u8(packet.identifier);
  writer.u16(static_cast<std::uint16_t>(kPacketHeaderSize + packet.data.size()));
  writer.bytes(packet.data);
  return out;
}

Result<std::vector<ConfigOption>, DecodeError> decode_options(std::span<const std::byte> data) {
  std::vector<ConfigOption> options;
  ByteReader reader(data);
  while (!reader.empty()) {
    const auto type = reader.u8();
    const auto length = reader.u8();
    if (!type || !length) return unexpected(DecodeError::option_shorter_than_header);
    if (*length < kOptionHeaderSize) return unexpected(DecodeError::option_length_below_header);
    // §6 Data: an option that runs past the end discards the whole packet.
    const auto value = reader.take(*length - kOptionHeaderSize);
    if (!value) return unexpected(DecodeError::option_beyond_packet);
    options.push_back(ConfigOption{*type, Bytes(value->begin(), value->end())});
  }
  return options;
}

Bytes encode_options(std::span<const ConfigOption> options) {
  constexpr std::size_t kMaxData = std::numeric_limits<std::uint8_t>::max() - kOptionHeaderSize;
  Bytes out;
  ByteWriter writer(out);
  for (const ConfigOption& option : options) {
    HL2TP_INVARIANT(option.data.size() <= kMaxData);
    writer.u8(option.type);
    writer.u8(static_cast<std::uint8_t>(kOptionHeaderSize + option.data.size()));
    writer.bytes(option.data);
  }
  return out;
}

}  // namespace hl2tp::ppp

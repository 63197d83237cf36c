#pragma once
// The control packets of LCP and the NCPs (RFC 1661 §5: Code, Identifier, Length, Data) and their
// Configuration Options (§6: Type, Length, Data), decoded with every length checked and encoded to
// octets. Only the packet, which the PPP Information field carries, is here: the Protocol field and
// any framing around it are the caller's.
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace hl2tp::ppp {

// PPP Protocol field values (RFC 1661 §2; the Assigned Numbers of RFC 1661 §6.2, RFC 1332 §2,
// RFC 5072 §2).
inline constexpr std::uint16_t kLcpProtocol = 0xC021;
inline constexpr std::uint16_t kPapProtocol = 0xC023;
inline constexpr std::uint16_t kChapProtocol = 0xC223;
inline constexpr std::uint16_t kIpcpProtocol = 0x8021;
inline constexpr std::uint16_t kIpv6cpProtocol = 0x8057;

// §5. The NCPs use codes 1 to 7 only (RFC 1332 §2, RFC 5072 §2); 8 to 11 are LCP's.
enum class Code : std::uint8_t {
  configure_request = 1,
  configure_ack = 2,
  configure_nak = 3,
  configure_reject = 4,
  terminate_request = 5,
  terminate_ack = 6,
  code_reject = 7,
  protocol_reject = 8,
  echo_request = 9,
  echo_reply = 10,
  discard_request = 11,
};

// Code, Identifier and Length take four octets (§5).
inline constexpr std::size_t kPacketHeaderSize = 4;
// Type and Length take two (§6).
inline constexpr std::size_t kOptionHeaderSize = 2;

// One packet. The code is kept as received: an unknown one must still be Code-Rejected (§5.6).
struct ControlPacket {
  std::uint8_t code = 0;
  std::uint8_t identifier = 0;
  Bytes data;  // the Length's worth after the header; octets past the Length are padding (§5)

  bool operator==(const ControlPacket&) const = default;
};

// One Configuration Option (§6). Its Data is kept as received, so that an Ack or a Reject can
// carry it unmodified (§5.2, §5.4).
struct ConfigOption {
  std::uint8_t type = 0;
  Bytes data;

  bool operator==(const ConfigOption&) const = default;
};

// Why octets were not a packet or an option list; each is silently discarded (§5 Length, §6 Data).
enum class DecodeError : std::uint8_t {
  shorter_than_header,         // fewer than four octets: no Length to read
  length_below_header,         // a Length below four
  length_beyond_frame,         // a Length past the end of the received octets
  option_shorter_than_header,  // one octet left where an option's Type and Length belong
  option_length_below_header,  // an option Length below two
  option_beyond_packet,        // an option whose Length runs past the end of the packet
};
std::string_view describe(DecodeError error);

// A packet from the PPP Information field.
Result<ControlPacket, DecodeError> decode_packet(std::span<const std::byte> information);
// The packet's octets, its Length computed. Data must fit a Length (at most 65531 octets).
Bytes encode_packet(const ControlPacket& packet);

// The Options field of a Configure-Request, -Ack, -Nak or -Reject.
Result<std::vector<ConfigOption>, DecodeError> decode_options(std::span<const std::byte> data);
// Each option's Data must fit its one-octet Length (at most 253 octets).
Bytes encode_options(std::span<const ConfigOption> options);

}  // namespace hl2tp::ppp

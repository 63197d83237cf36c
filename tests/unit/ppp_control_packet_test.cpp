// The control packet codec (ppp/control_packet.hpp): RFC 1661 §5 packets and §6 option lists, the
// valid ones byte for byte, and every kind of malformed one refused with its reason.
#include <gtest/gtest.h>

#include <random>

#include "ppp/control_packet.hpp"
#include "support/hex.hpp"

namespace hl2tp::test {
namespace {

using ppp::ConfigOption;
using ppp::ControlPacket;
using ppp::DecodeError;

TEST(PppControlPacket, ProtocolNumbersAreTheAssignedOnes) {
  EXPECT_EQ(ppp::kLcpProtocol, 0xC021);
  EXPECT_EQ(ppp::kPapProtocol, 0xC023);
  EXPECT_EQ(ppp::kChapProtocol, 0xC223);
  EXPECT_EQ(ppp::kIpcpProtocol, 0x8021);
  EXPECT_EQ(ppp::kIpv6cpProtocol, 0x8057);
}

// A Configure-Request with MRU 1492, CHAP-MD5 and a Magic-Number, as a subscriber's would be.
const char* const kConfigureRequest = "01 07 0013 0104 05d4 0305 c22305 0506 12345678";

TEST(PppControlPacket, DecodesAConfigureRequestAndItsOptions) {
  const auto bytes = from_hex(kConfigureRequest);
  const auto packet = ppp::decode_packet(bytes);
  ASSERT_TRUE(packet.has_value());
  EXPECT_EQ(packet->code, static_cast<std::uint8_t>(ppp::Code::configure_request));
  EXPECT_EQ(packet->identifier, 7);
  EXPECT_EQ(packet->data.size(), 15u);
  const auto options = ppp::decode_options(packet->data);
  ASSERT_TRUE(options.has_value());
  ASSERT_EQ(options->size(), 3u);
  EXPECT_EQ((*options)[0], (ConfigOption{1, from_hex("05d4")}));
  EXPECT_EQ((*options)[1], (ConfigOption{3, from_hex("c22305")}));
  EXPECT_EQ((*options)[2], (ConfigOption{5, from_hex("12345678")}));
  // And back, octet for octet.
  EXPECT_EQ(ppp::encode_options(*options), packet->data);
  EXPECT_EQ(ppp::encode_packet(*packet), bytes);
}

TEST(PppControlPacket, EncodesLengthsAndEmptyData) {
  EXPECT_EQ(ppp::encode_packet(ControlPacket{6, 0x2a, {}}), from_hex("06 2a 0004"));
  EXPECT_EQ(ppp::encode_options(std::vector<ConfigOption>{{7, {}}, {8, {}}}),
            from_hex("0702 0802"));
  const auto none = ppp::decode_options({});
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
}

TEST(PppControlPacket, OctetsPastTheLengthArePadding) {
  // §5 Length: "Octets outside the range of the Length field are treated as padding".
  const auto packet = ppp::decode_packet(from_hex("05 01 0006 abcd ffff ffff"));
  ASSERT_TRUE(packet.has_value());
  EXPECT_EQ(packet->data, from_hex("abcd"));
}

DecodeError packet_error(const char* hex) {
  const auto bytes = from_hex(hex);
  const auto packet = ppp::decode_packet(bytes);
  EXPECT_FALSE(packet.has_value()) << hex;
  return packet.has_value() ? DecodeError::shorter_than_header : packet.error();
}

DecodeError options_error(const char* hex) {
  const auto bytes = from_hex(hex);
  const auto options = ppp::decode_options(bytes);
  EXPECT_FALSE(options.has_value()) << hex;
  return options.has_value() ? DecodeError::shorter_than_header : options.error();
}

TEST(PppControlPacket, RefusesEveryMalformedPacket) {
  EXPECT_EQ(packet_error(""), DecodeError::shorter_than_header);
  EXPECT_EQ(packet_error("01"), DecodeError::shorter_than_header);
  EXPECT_EQ(packet_error("01 01 00"), DecodeError::shorter_than_header);
  EXPECT_EQ(packet_error("01 01 0000"), DecodeError::length_below_header);
  EXPECT_EQ(packet_error("01 01 0003 ff"), DecodeError::length_below_header);
  EXPECT_EQ(packet_error("01 01 0005"), DecodeError::length_beyond_frame);
  EXPECT_EQ(packet_error("01 01 ffff 0102"), DecodeError::length_beyond_frame);
  EXPECT_FALSE(ppp::describe(DecodeError::length_beyond_frame).empty());
}

TEST(PppControlPacket, RefusesEveryMalformedOptionList) {
  EXPECT_EQ(options_error("01"), DecodeError::option_shorter_than_header);
  EXPECT_EQ(options_error("0702 08"), DecodeError::option_shorter_than_header);
  EXPECT_EQ(options_error("0100"), DecodeError::option_length_below_header);
  EXPECT_EQ(options_error("0101 05d4"), DecodeError::option_length_below_header);
  EXPECT_EQ(options_error("0104 05"), DecodeError::option_beyond_packet);
  EXPECT_EQ(options_error("0702 0506 123456"), DecodeError::option_beyond_packet);
  EXPECT_EQ(options_error("03ff c023"), DecodeError::option_beyond_packet);
}

// Every prefix of a valid packet shorter than its Length is refused, and the options of one cut
// inside an option are refused too: the decoder stops at the Length it was given, never past it.
TEST(PppControlPacket, EveryTruncationIsRefused) {
  const auto bytes = from_hex(kConfigureRequest);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const auto packet = ppp::decode_packet(std::span(bytes).first(n));
    EXPECT_FALSE(packet.has_value()) << n;
  }
  const auto data = std::span(bytes).subspan(4);
  for (std::size_t n = 1; n < data.size(); ++n) {
    if (n == 4 || n == 9) continue;  // ends exactly after an option: a shorter valid list
    EXPECT_FALSE(ppp::decode_options(data.first(n)).has_value()) << n;
  }
}

// Random octets: whatever decodes re-encodes to the octets within its Length.
TEST(PppControlPacket, RandomOctetsDecodeOrAreRefused) {
  std::mt19937_64 rng(1661);
  unsigned decoded = 0;
  for (int i = 0; i < 20000; ++i) {
    Bytes bytes(rng() % 24);
    for (auto& b : bytes)
      b = static_cast<std::byte>(rng() % 4 == 0 ? 0 : rng());
    const auto packet = ppp::decode_packet(bytes);
    if (!packet) continue;
    ++decoded;
    const Bytes again = ppp::encode_packet(*packet);
    ASSERT_LE(again.size(), bytes.size());
    EXPECT_TRUE(std::equal(again.begin(), again.end(), bytes.begin()));
    const auto options = ppp::decode_options(packet->data);
    if (options) {
      EXPECT_EQ(ppp::encode_options(*options), packet->data);
    }
  }
  EXPECT_GT(decoded, 0u);
}

}  // namespace
}  // namespace hl2tp::test

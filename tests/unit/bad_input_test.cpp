// Malformed control messages: each gives its typed error, never a crash or a read past the input.
#include <gtest/gtest.h>

#include <random>

#include "support/hex.hpp"
#include "wire/control_codec.hpp"
#include "wire/data_message.hpp"
#include "wire/message_builders.hpp"

namespace hl2tp::wire {
namespace {

using test::from_hex;

// A HELLO header (tunnel 1, Ns 5, Nr 7) with a body appended and the Length set to fit.
Bytes control_with_body(std::string_view body_hex) {
  Bytes m = from_hex("C8 02 00 00 00 01 00 00 00 05 00 07");
  Bytes body = from_hex(body_hex);
  m.insert(m.end(), body.begin(), body.end());
  m[2] = static_cast<std::byte>(m.size() >> 8);
  m[3] = static_cast<std::byte>(m.size() & 0xFF);
  return m;
}

DecodeErrc error_of(const Bytes& datagram) {
  auto decoded = decode_control(datagram);
  EXPECT_FALSE(decoded.has_value());
  return decoded ? DecodeErrc{} : decoded.error().code;
}

TEST(BadInput, empty_and_truncated_headers) {
  EXPECT_EQ(error_of({}), DecodeErrc::truncated_header);
  EXPECT_EQ(error_of(from_hex("C8")), DecodeErrc::truncated_header);
  EXPECT_EQ(error_of(from_hex("C8 02 00 0B 00 01 00 00 00 05 00")), DecodeErrc::truncated_header);
}

TEST(BadInput, versions_other_than_2) {
  EXPECT_EQ(error_of(from_hex("C8 01 00 0C 00 01 00 00 00 05 00 07")),
            DecodeErrc::unsupported_version);  // L2F
  EXPECT_EQ(error_of(from_hex("C8 03 00 0C 00 01 00 00 00 05 00 07")),
            DecodeErrc::unsupported_version);  // L2TPv3
}

TEST(BadInput, control_flags_the_rfc_forbids) {
  EXPECT_EQ(error_of(from_hex("88 02 00 0C 00 01 00 00 00 05 00 07")),
            DecodeErrc::invalid_control_flags);  // no L
  EXPECT_EQ(error_of(from_hex("C0 02 00 0C 00 01 00 00 00 05 00 07")),
            DecodeErrc::invalid_control_flags);  // no S
  EXPECT_EQ(error_of(from_hex("CA 02 00 0C 00 01 00 00 00 05 00 07")),
            DecodeErrc::invalid_control_flags);  // O
  EXPECT_EQ(error_of(from_hex("C9 02 00 0C 00 01 00 00 00 05 00 07")),
            DecodeErrc::invalid_control_flags);  // P
}

TEST(BadInput, reserved_header_bits_are_ignored) {
  // RFC 2661 §3.1: reserved bits are sent as 0 and ignored on receipt.
  auto decoded = decode_control(from_hex("FC F2 00 0C 00 01 00 00 00 05 00 07"));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_TRUE(decoded->is_zlb());
}

TEST(BadInput, length_field_past_the_end_below_the_header_or_short_of_the_datagram) {
  EXPECT_EQ(error_of(from_hex("C8 02 01 00 00 01 00 00 00 05 00 07")), DecodeErrc::length_mismatch);
  EXPECT_EQ(error_of(from_hex("C8 02 00 08 00 01 00 00 00 05 00 07")), DecodeErrc::length_mismatch);
  EXPECT_EQ(error_of(from_hex("C8 02 00 0C 00 01 00 00 00 05 00 07 00 00")),
            DecodeErrc::length_mismatch);
}

TEST(BadInput, avp_headers_that_do_not_fit) {
  EXPECT_EQ(error_of(control_with_body("80 08 00 00")), DecodeErrc::avp_truncated);
  EXPECT_EQ(error_of(control_with_body("80 05 00 00 00 00")), DecodeErrc::avp_length_too_short);
  EXPECT_EQ(error_of(control_with_body("80 00 00 00 00 00")), DecodeErrc::avp_length_too_short);
  EXPECT_EQ(error_of(control_with_body("80 09 00 00 00 00 00 06")),
            DecodeErrc::avp_length_past_end);
  EXPECT_EQ(error_of(control_with_body("80 08 00 00 00 00 00 06  83 FF 00 00 00 07 61")),
            DecodeErrc::avp_length_past_end);
}

TEST(BadInput, errors_carry_the_header_and_message_type_learned_so_far) {
  auto decoded = decode_control(control_with_body("80 08 00 00 00 00 00 06  80 20 00 00 00 07"));
  ASSERT_FALSE(decoded.has_value());
  EXPECT_EQ(decoded.error().code, DecodeErrc::avp_length_past_end);
  EXPECT_EQ(decoded.error().offset, 20u);
  ASSERT_TRUE(decoded.error().header.has_value());
  EXPECT_EQ(decoded.error().header->ns, 5);
  EXPECT_EQ(decoded.error().header->nr, 7);
  EXPECT_EQ(decoded.error().message_type, 6);
}

TEST(BadInput, message_type_must_come_first_unhidden_and_two_octets) {
  EXPECT_EQ(error_of(control_with_body("80 08 00 00 00 09 00 06")),
            DecodeErrc::message_type_not_first);
  EXPECT_EQ(error_of(control_with_body("80 08 00 09 00 00 00 06")),
            DecodeErrc::message_type_not_first);  // vendor AVP first
  EXPECT_EQ(error_of(control_with_body("C0 08 00 00 00 00 00 06")),
            DecodeErrc::message_type_hidden);
  EXPECT_EQ(error_of(control_with_body("80 09 00 00 00 00 00 06 00")),
            DecodeErrc::invalid_avp_value);
  EXPECT_EQ(error_of(control_with_body("80 06 00 00 00 00")), DecodeErrc::invalid_avp_value);
}

TEST(BadInput, required_avp_missing) {
  // SCCRQ with Protocol Version, Framing Capabilities and Assigned Tunnel ID but no Host Name.
  auto decoded = decode_control(control_with_body(
      "80 08 00 00 00 00 00 01  80 08 00 00 00 02 01 00  80 0A 00 00 00 03 00 00 00 03"
      "  80 08 00 00 00 09 00 01"));
  ASSERT_FALSE(decoded.has_value());
  EXPECT_EQ(decoded.error().code, DecodeErrc::missing_required_avp);
  EXPECT_EQ(decoded.error().attribute_type, 7);
  EXPECT_EQ(decoded.error().message_type, 1);
}

TEST(BadInput, invalid_mandatory_value_fails_and_invalid_optional_value_is_ignored) {
  // ICRP with a 1-octet Assigned Session ID (M=1): invalid.
  auto bad = decode_control(control_with_body("80 08 00 00 00 00 00 0B  80 07 00 00 00 0E 01"));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, DecodeErrc::invalid_avp_value);
  EXPECT_EQ(bad.error().attribute_type, 14);

  // ICRP with a valid Assigned Session ID and a 3-octet Physical Channel ID (M=0): kept opaque.
  auto ignored = decode_control(control_with_body(
      "80 08 00 00 00 00 00 0B  80 08 00 00 00 0E 00 04  00 09 00 00 00 19 01 02 03"));
  ASSERT_TRUE(ignored.has_value()) << ignored.error().to_string();
  EXPECT_FALSE(ignored->has<AvpType::PhysicalChannelId>());
  EXPECT_EQ(ignored->avps.size(), 3u);
  EXPECT_FALSE(ignored->first_unrecognized_mandatory_avp().has_value());
}

TEST(BadInput, zero_receive_window_and_zero_assigned_tunnel_id_are_invalid) {
  EXPECT_EQ(error_of(control_with_body("80 08 00 00 00 00 00 06  80 08 00 00 00 0A 00 00")),
            DecodeErrc::invalid_avp_value);
  EXPECT_EQ(error_of(control_with_body("80 08 00 00 00 00 00 06  80 08 00 00 00 09 00 00")),
            DecodeErrc::invalid_avp_value);
}

TEST(BadInput, unknown_mandatory_avp_is_reported_not_dropped) {
  auto decoded = decode_control(control_with_body(
      "80 08 00 00 00 00 00 06  80 09 00 00 00 C8 AA BB CC  00 07 00 00 00 C9 DD"));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->avps.size(), 3u);
  auto unknown = decoded->first_unrecognized_mandatory_avp();
  ASSERT_TRUE(unknown.has_value());
  EXPECT_EQ(*unknown, (AvpId{0, 200}));
}

TEST(BadInput, unknown_optional_and_vendor_avps_are_carried_unchanged) {
  const Bytes wire = control_with_body(
      "80 08 00 00 00 00 00 06  00 09 00 00 00 C9 01 02 03  00 0A 00 09 00 01 61 62 63 64");
  auto decoded = decode_control(wire);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_FALSE(decoded->first_unrecognized_mandatory_avp().has_value());
  EXPECT_EQ(decoded->avps[2].vendor_id, 9);  // Cisco
  auto again = encode_control(*decoded);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, wire);
}

TEST(BadInput, reserved_avp_bits_make_an_avp_unrecognised) {
  // A Host Name with a reserved bit set (RFC 2661 §4.1): treated as unknown, so with M=1 reported.
  auto decoded =
      decode_control(control_with_body("80 08 00 00 00 00 00 06  84 09 00 00 00 07 61 62 63"));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_FALSE(decoded->has<AvpType::HostName>());
  EXPECT_EQ(decoded->first_unrecognized_mandatory_avp(), (AvpId{0, 7}));
}

TEST(BadInput, unknown_message_type_decodes_with_its_m_bit_for_the_caller) {
  auto mandatory = decode_control(control_with_body("80 08 00 00 00 00 00 63"));
  ASSERT_TRUE(mandatory.has_value());
  EXPECT_EQ(static_cast<std::uint16_t>(*mandatory->type()), 99);
  EXPECT_FALSE(is_known(*mandatory->type()));
  EXPECT_TRUE(mandatory->avps[0].mandatory);  // RFC 2661 §4.4.1: clear the tunnel
}

TEST(BadInput, random_garbage_never_crashes_and_never_decodes_past_its_input) {
  std::mt19937_64 rng(2661);
  std::size_t decoded = 0;
  for (int i = 0; i < 50000; ++i) {
    Bytes datagram(rng() % 80);
    for (auto& b : datagram)
      b = static_cast<std::byte>(rng());
    if (!datagram.empty() && i % 2 == 0) {  // half of them with a plausible control header
      datagram.resize(std::max<std::size_t>(datagram.size(), 12));
      datagram[0] = std::byte{0xC8};
      datagram[1] = std::byte{0x02};
      datagram[2] = static_cast<std::byte>(datagram.size() >> 8);
      datagram[3] = static_cast<std::byte>(datagram.size() & 0xFF);
    }
    auto control = decode_control(datagram, {.secret = test::bytes_of("s")});
    auto data = decode_data(datagram);
    decoded += control.has_value() + data.has_value();
  }
  EXPECT_GT(decoded, 0u) << "the plausible headers should decode at least sometimes (ZLBs)";
}

}  // namespace
}  // namespace hl2tp::wire

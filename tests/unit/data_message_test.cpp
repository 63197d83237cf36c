// Data message headers (RFC 2661 §3.1, T=0): every optional field, and the bad cases.
#include <gtest/gtest.h>

#include "support/hex.hpp"
#include "wire/data_message.hpp"

namespace hl2tp::wire {
namespace {

using test::from_hex;
using test::to_hex;

const Bytes kPayload = from_hex("FF 03 C0 21 01 01 00 04");

TEST(DataMessage, full_header_with_length_sequence_and_offset) {
  const Bytes wire =
      from_hex("4A 02 00 18 12 34 00 03 00 01 00 00 00 02 00 00 FF 03 C0 21 01 01 00 04");
  auto decoded = decode_data(wire);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().to_string();
  EXPECT_EQ(decoded->header, (DataHeader{0x1234, 3, true, false, 1, 0, 2}));
  EXPECT_EQ(Bytes(decoded->payload.begin(), decoded->payload.end()), kPayload);
  Bytes out;
  encode_data(decoded->header, decoded->payload, out);
  EXPECT_EQ(to_hex(out), to_hex(wire));
}

TEST(DataMessage, minimal_header_and_priority) {
  const Bytes minimal = from_hex("00 02 12 34 00 03 FF 03 C0 21 01 01 00 04");
  auto decoded = decode_data(minimal);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->header, (DataHeader{0x1234, 3, false, false, {}, {}, {}}));
  Bytes out;
  encode_data({0x1234, 3, false, true, {}, {}, {}}, kPayload, out);
  EXPECT_EQ(to_hex(out), "01 02 12 34 00 03 " + to_hex(kPayload));
}

TEST(DataMessage, zero_length_payload_is_valid) {
  auto decoded = decode_data(from_hex("40 02 00 08 12 34 00 03"));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_TRUE(decoded->payload.empty());
}

TEST(DataMessage, bad_headers_give_typed_errors) {
  EXPECT_EQ(decode_data({}).error().code, DecodeErrc::truncated_header);
  EXPECT_EQ(decode_data(from_hex("00 02 12 34 00")).error().code, DecodeErrc::truncated_header);
  EXPECT_EQ(decode_data(from_hex("08 02 12 34 00 03 00 01")).error().code,
            DecodeErrc::truncated_header);  // S without Nr
  EXPECT_EQ(decode_data(from_hex("00 03 12 34 00 03")).error().code,
            DecodeErrc::unsupported_version);
  EXPECT_EQ(decode_data(from_hex("C8 02 00 0C 00 01 00 00 00 05 00 07")).error().code,
            DecodeErrc::invalid_control_flags);
  EXPECT_EQ(decode_data(from_hex("40 02 00 20 12 34 00 03")).error().code,
            DecodeErrc::length_mismatch);
  EXPECT_EQ(decode_data(from_hex("02 02 12 34 00 03 00 09 00 00")).error().code,
            DecodeErrc::offset_past_end);
}

TEST(DataMessage, t_bit_tells_control_from_data) {
  EXPECT_EQ(is_control_message(from_hex("C8 02")), true);
  EXPECT_EQ(is_control_message(from_hex("00 02")), false);
  EXPECT_EQ(is_control_message({}), std::nullopt);
}

}  // namespace
}  // namespace hl2tp::wire

// Property: for many generated messages, encode → decode gives the message back and encoding it
// again gives the same octets, with and without hidden AVPs.
#include <gtest/gtest.h>

#include <random>

#include "support/hex.hpp"
#include "support/message_generator.hpp"
#include "support/seeded_random.hpp"
#include "wire/control_codec.hpp"
#include "wire/message_format.hpp"

namespace hl2tp::wire {
namespace {

using test::SeededRandom;

void check_round_trip(const ControlMessage& m, const EncodeOptions& first,
                      const EncodeOptions& second, std::span<const std::byte> secret) {
  auto encoded = encode_control(m, first);
  ASSERT_TRUE(encoded.has_value())
      << "encode error " << static_cast<int>(encoded.error().code) << " for " << to_string(m);
  auto decoded = decode_control(*encoded, {.secret = secret});
  ASSERT_TRUE(decoded.has_value()) << decoded.error().to_string() << "\n" << to_string(m);
  ASSERT_EQ(*decoded, m) << to_string(*decoded) << "\n" << to_string(m);
  auto again = encode_control(*decoded, second);
  ASSERT_TRUE(again.has_value());
  ASSERT_EQ(*again, *encoded);
}

TEST(CodecProperty, encode_decode_encode_is_the_identity_for_plain_messages) {
  test::MessageGenerator generator(4951);
  for (int i = 0; i < 20000; ++i) {
    SCOPED_TRACE(i);
    check_round_trip(generator.next(false), {}, {}, {});
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(CodecProperty, encode_decode_encode_is_the_identity_with_hidden_avps_and_padding) {
  test::MessageGenerator generator(2661);
  const Bytes secret = test::bytes_of("property-secret");
  for (int i = 0; i < 5000; ++i) {
    SCOPED_TRACE(i);
    const std::uint64_t seed = generator.raw();
    SeededRandom first_random(seed), second_random(seed);
    check_round_trip(generator.next(true), {secret, &first_random, 15},
                     {secret, &second_random, 15}, secret);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(CodecProperty, every_avp_kind_is_exercised) {
  test::MessageGenerator generator(7);
  std::set<std::uint16_t> seen;
  for (int i = 0; i < 2000; ++i) {
    for (const Avp& avp : generator.next(false).avps) {
      if (avp.vendor_id == 0 && avp.is_recognized()) seen.insert(avp.attribute_type);
    }
  }
  std::size_t known = 0;
#define HL2TP_COUNT(name, code, type, m, h, min) \
  ++known;                                       \
  EXPECT_TRUE(seen.contains(code)) << #name;
  HL2TP_AVP_TABLE(HL2TP_COUNT)
#undef HL2TP_COUNT
  EXPECT_EQ(seen.size(), known);
}

}  // namespace
}  // namespace hl2tp::wire

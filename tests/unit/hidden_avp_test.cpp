// AVP hiding (RFC 2661 §4.3) and the tunnel authentication digest (§4.4.3) against vectors computed
// independently with Python's hashlib (tests/vectors/hidden_and_challenge.txt).
#include <gtest/gtest.h>

#include "support/vector_file.hpp"
#include "wire/challenge.hpp"
#include "wire/control_codec.hpp"
#include "wire/hidden_avp.hpp"
#include "wire/message_builders.hpp"

namespace hl2tp::wire {
namespace {

using test::bytes_of;
using test::from_hex;
using test::to_hex;

class HiddenAvp : public ::testing::Test {
 protected:
  std::map<std::string, Bytes> vectors = test::read_keyed_lines("hidden_and_challenge.txt");
  Bytes secret = bytes_of("tunnel-secret");
  Bytes random_vector = vectors.at("random_vector");

  // ICRP whose Assigned Session ID (3) is hidden behind the test Random Vector.
  ControlMessage icrp_with_hidden_session_id() const {
    ControlMessage icrp = make_icrp(3);
    icrp.avps.insert(icrp.avps.begin() + 1, make_avp<AvpType::RandomVector>(random_vector));
    icrp.avps[2].hidden = true;
    return icrp;
  }
};

// A random source that replays fixed octets, so that encodings are reproducible.
class FixedRandom : public RandomSource {
 public:
  explicit FixedRandom(std::byte value) : value_(value) {}
  void fill(std::span<std::byte> out) override { std::fill(out.begin(), out.end(), value_); }

 private:
  std::byte value_;
};

TEST_F(HiddenAvp, short_value_matches_the_independent_vector) {
  Bytes out;
  hide_avp_value(14, secret, random_vector, from_hex("0003"), {}, out);
  EXPECT_EQ(to_hex(out), to_hex(vectors.at("hidden_session_id_3")));
}

TEST_F(HiddenAvp, value_longer_than_one_block_chains_on_the_ciphertext) {
  Bytes out;
  hide_avp_value(22, secret, random_vector, bytes_of("0123456789abcdefghij"), {}, out);
  EXPECT_EQ(to_hex(out), to_hex(vectors.at("hidden_calling_number")));
  out.clear();
  hide_avp_value(22, secret, random_vector, bytes_of("0123456789abcdefghij"),
                 Bytes(7, std::byte{0xA5}), out);
  EXPECT_EQ(to_hex(out), to_hex(vectors.at("hidden_calling_number_padded")));
}

TEST_F(HiddenAvp, reveal_drops_the_padding) {
  Bytes plain;
  auto length = reveal_avp_value(22, secret, random_vector,
                                 vectors.at("hidden_calling_number_padded"), plain);
  ASSERT_TRUE(length.has_value());
  EXPECT_EQ(*length, 20u);
  EXPECT_EQ(Bytes(plain.begin() + 2, plain.begin() + 2 + 20), bytes_of("0123456789abcdefghij"));
}

TEST_F(HiddenAvp, decrypted_length_past_the_end_is_refused) {
  Bytes truncated = vectors.at("hidden_calling_number");
  truncated.resize(truncated.size() - 5);  // claims 20 octets, holds 15
  Bytes plain;
  auto length = reveal_avp_value(22, secret, random_vector, truncated, plain);
  ASSERT_FALSE(length.has_value());
  EXPECT_EQ(length.error(), DecodeErrc::hidden_length_past_end);
}

TEST_F(HiddenAvp, value_too_short_for_its_length_octets_is_refused) {
  Bytes plain;
  auto length = reveal_avp_value(22, secret, random_vector, from_hex("AB"), plain);
  ASSERT_FALSE(length.has_value());
  EXPECT_EQ(length.error(), DecodeErrc::hidden_avp_too_short);
}

TEST_F(HiddenAvp, message_with_hidden_avps_round_trips_with_the_secret) {
  ControlMessage icrq = make_icrq(3, 43);
  icrq.avps.insert(icrq.avps.begin() + 1, make_avp<AvpType::RandomVector>(random_vector));
  icrq.avps[2].hidden = true;  // Assigned Session ID
  icrq.add<AvpType::CallingNumber>("0123456789abcdefghij", true);
  FixedRandom padding(std::byte{0xA5});
  EncodeOptions options{secret, &padding, 7};
  auto encoded = encode_control(icrq, options);
  ASSERT_TRUE(encoded.has_value());

  // The calling number is hidden with 0xA5 padding: 165 % 8 = 5 octets of it.
  auto decoded = decode_control(*encoded, {.secret = secret});
  ASSERT_TRUE(decoded.has_value()) << decoded.error().to_string();
  EXPECT_EQ(*decoded, icrq);
  EXPECT_EQ(*decoded->get<AvpType::CallingNumber>(), "0123456789abcdefghij");

  auto again = encode_control(*decoded, options);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, *encoded);
}

TEST_F(HiddenAvp, hidden_session_id_on_the_wire_is_the_independent_vector) {
  auto encoded = encode_control(icrp_with_hidden_session_id(), {.secret = secret});
  ASSERT_TRUE(encoded.has_value());
  // header 12 | Message Type 8 | Random Vector 22 | hidden Assigned Session ID: C0 0A 00 00 00 0E
  // +4
  Bytes tail(encoded->begin() + 42, encoded->end());
  EXPECT_EQ(to_hex(tail), "C0 0A 00 00 00 0E " + to_hex(vectors.at("hidden_session_id_3")));
}

TEST_F(HiddenAvp, decoding_without_the_secret_is_a_typed_error) {
  auto encoded = encode_control(icrp_with_hidden_session_id(), {.secret = secret});
  ASSERT_TRUE(encoded.has_value());
  auto decoded = decode_control(*encoded);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_EQ(decoded.error().code, DecodeErrc::hidden_avp_without_secret);
  EXPECT_EQ(decoded.error().attribute_type, 14);

  auto wrong = decode_control(*encoded, {.secret = bytes_of("another-secret")});
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code, DecodeErrc::hidden_length_past_end);
}

TEST_F(HiddenAvp, hidden_avp_before_any_random_vector_is_refused_both_ways) {
  ControlMessage icrp = make_icrp(3);
  icrp.avps[1].hidden = true;
  auto encoded = encode_control(icrp, {.secret = secret});
  ASSERT_FALSE(encoded.has_value());
  EXPECT_EQ(encoded.error().code, EncodeErrc::hidden_avp_without_random_vector);

  // The same on receipt: ICRP with a hidden Assigned Session ID and no Random Vector.
  Bytes wire = from_hex(
      "C8 02 00 1E 00 01 00 00 00 00 00 00  80 08 00 00 00 00 00 0B"
      "  C0 0A 00 00 00 0E CB 6B 70 59");
  auto decoded = decode_control(wire, {.secret = secret});
  ASSERT_FALSE(decoded.has_value());
  EXPECT_EQ(decoded.error().code, DecodeErrc::hidden_avp_without_random_vector);
}

TEST_F(HiddenAvp, hidden_avp_with_an_empty_body_is_too_short) {
  Bytes wire = from_hex(
      "C8 02 00 30 00 01 00 00 00 00 00 00  80 08 00 00 00 00 00 0B"
      "  80 16 00 00 00 24 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F"
      "  C0 06 00 00 00 0E");
  auto decoded = decode_control(wire, {.secret = secret});
  ASSERT_FALSE(decoded.has_value());
  EXPECT_EQ(decoded.error().code, DecodeErrc::hidden_avp_too_short);
}

TEST_F(HiddenAvp, avps_the_rfc_never_hides_are_refused_when_hidden) {
  ControlMessage sccrq = make_sccrq(1, "lac", kFramingSync);
  sccrq.avps.insert(sccrq.avps.begin() + 1, make_avp<AvpType::RandomVector>(random_vector));
  for (auto& avp : sccrq.avps) {
    if (avp.is<AvpType::HostName>()) avp.hidden = true;
  }
  auto encoded = encode_control(sccrq, {.secret = secret});
  ASSERT_FALSE(encoded.has_value());
  EXPECT_EQ(encoded.error().code, EncodeErrc::hidden_avp_not_allowed);
}

TEST(ChallengeResponse, matches_the_independent_vectors_for_sccrp_and_scccn) {
  auto vectors = test::read_keyed_lines("hidden_and_challenge.txt");
  const Bytes secret = bytes_of("tunnel-secret");
  const Bytes challenge = from_hex("DEADBEEF");
  auto in_sccrp = challenge_response(MessageType::SCCRP, secret, challenge);
  auto in_scccn = challenge_response(MessageType::SCCCN, secret, challenge);
  EXPECT_EQ(to_hex(Bytes(in_sccrp.begin(), in_sccrp.end())),
            to_hex(vectors.at("challenge_response_sccrp")));
  EXPECT_EQ(to_hex(Bytes(in_scccn.begin(), in_scccn.end())),
            to_hex(vectors.at("challenge_response_scccn")));
  EXPECT_NE(in_sccrp, in_scccn) << "the ID octet keeps a response from being replayed backwards";
}

}  // namespace
}  // namespace hl2tp::wire

// Every message type against bytes written by hand from the RFC layouts (tests/vectors).
#include <gtest/gtest.h>

#include "support/golden_messages.hpp"
#include "support/vector_file.hpp"
#include "wire/control_codec.hpp"

namespace hl2tp::wire {
namespace {

using test::from_hex;
using test::to_hex;

class GoldenMessage : public ::testing::Test {
 protected:
  std::map<std::string, Bytes> golden = test::read_named_blocks("golden_messages.txt");
};

TEST_F(GoldenMessage, every_builder_encodes_to_its_hand_written_bytes) {
  const auto messages = test::golden_messages();
  ASSERT_EQ(messages.size(), golden.size()) << "a golden block without a builder, or the reverse";
  for (const auto& [name, message] : messages) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(golden.contains(name));
    auto encoded = encode_control(message);
    ASSERT_TRUE(encoded.has_value());
    EXPECT_EQ(to_hex(*encoded), to_hex(golden.at(name)));
  }
}

TEST_F(GoldenMessage, every_hand_written_message_decodes_to_what_the_builder_made) {
  for (const auto& [name, message] : test::golden_messages()) {
    SCOPED_TRACE(name);
    auto decoded = decode_control(golden.at(name));
    ASSERT_TRUE(decoded.has_value()) << decoded.error().to_string();
    EXPECT_EQ(*decoded, message);
  }
}

TEST_F(GoldenMessage, covers_every_message_type_of_rfc2661_and_rfc4951) {
  std::set<std::uint16_t> seen;
  for (const auto& [name, message] : test::golden_messages()) {
    if (auto t = message.type()) seen.insert(static_cast<std::uint16_t>(*t));
  }
  for (std::uint16_t t : {1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16, 21, 22}) {
    EXPECT_TRUE(seen.contains(t)) << "message type " << t;
  }
}

// docs/message-layouts.md §2.6: RFC 4951 examples, found verbatim inside the golden encodings.
TEST_F(GoldenMessage, rfc4951_worked_examples_appear_verbatim) {
  auto contains = [](const Bytes& haystack, const Bytes& needle) {
    return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) !=
           haystack.end();
  };
  EXPECT_TRUE(contains(golden.at("SCCRQ"), from_hex("00 0C 00 00 00 4C 00 01 00 00 EA 60")));
  EXPECT_TRUE(contains(golden.at("recovery-SCCRQ"),
                       from_hex("80 10 00 00 00 4D 00 00 00 00 12 34 00 00 56 78")));
  EXPECT_TRUE(contains(golden.at("FSQ"), from_hex("00 08 00 00 00 00 00 15")));
  EXPECT_TRUE(contains(golden.at("FSR"), from_hex("00 08 00 00 00 00 00 16")));
}

TEST_F(GoldenMessage, typed_accessors_read_the_rfc4951_avps) {
  auto sccrq = decode_control(golden.at("recovery-SCCRQ"));
  ASSERT_TRUE(sccrq.has_value());
  const auto* recovery = sccrq->get<AvpType::TunnelRecovery>();
  ASSERT_NE(recovery, nullptr);
  EXPECT_EQ(recovery->recover_tunnel_id, 0x1234);
  EXPECT_EQ(recovery->recover_remote_tunnel_id, 0x5678);
  EXPECT_FALSE(sccrq->has<AvpType::FailoverCapability>());

  auto sccrp = decode_control(golden.at("recovery-SCCRP"));
  ASSERT_TRUE(sccrp.has_value());
  EXPECT_EQ(*sccrp->get<AvpType::SuggestedControlSequence>(), (SuggestedControlSequence{3, 100}));

  auto fsq = decode_control(golden.at("FSQ"));
  ASSERT_TRUE(fsq.has_value());
  EXPECT_EQ(fsq->type(), MessageType::FSQ);
  EXPECT_FALSE(fsq->avps.front().mandatory) << "RFC 4951 §4: FSQ's Message Type AVP has M=0";
  auto states = fsq->get_all<AvpType::FailoverSessionState>();
  ASSERT_EQ(states.size(), 2u);
  EXPECT_EQ(states[1], (FailoverSessionState{5, 6}));

  auto first = decode_control(golden.at("SCCRQ"));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(*first->get<AvpType::FailoverCapability>(), (FailoverCapability{true, false, 60000}));
  EXPECT_EQ(*first->get<AvpType::HostName>(), "lac");
}

}  // namespace
}  // namespace hl2tp::wire

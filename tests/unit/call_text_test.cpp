// The three strings of a call in one allocation (session/call_text.hpp): each field reads back as
// it was set whatever the others hold, copies are deep, and the size a session pays is small.
#include <gtest/gtest.h>

#include <string>

#include "session/call_text.hpp"
#include "session/session.hpp"

namespace hl2tp::test {
namespace {

using session::CallText;
using Field = CallText::Field;

TEST(CallText, each_field_reads_back_as_set_whatever_the_others_hold) {
  CallText t;
  EXPECT_EQ(t.get(Field::calling_number), "");
  t.set(Field::called_number, "4567");
  t.set(Field::calling_number, "0123");
  t.set(Field::sub_address, "x");
  EXPECT_EQ(t.get(Field::calling_number), "0123");
  EXPECT_EQ(t.get(Field::called_number), "4567");
  EXPECT_EQ(t.get(Field::sub_address), "x");
  t.set(Field::called_number, "");  // the middle one emptied: the others move, unchanged
  EXPECT_EQ(t.get(Field::calling_number), "0123");
  EXPECT_EQ(t.get(Field::called_number), "");
  EXPECT_EQ(t.get(Field::sub_address), "x");
  t.set(Field::calling_number, "a longer number than before, past any small-string buffer");
  EXPECT_EQ(t.get(Field::calling_number),
            "a longer number than before, past any small-string buffer");
  EXPECT_EQ(t.get(Field::sub_address), "x");
}

TEST(CallText, copies_are_deep_and_compare_by_content) {
  CallText a;
  a.set(Field::calling_number, "subscriber-100000");
  CallText b = a;
  EXPECT_EQ(a, b);
  b.set(Field::calling_number, "subscriber-100001");
  EXPECT_EQ(a.get(Field::calling_number), "subscriber-100000");
  EXPECT_FALSE(a == b);
  a = b;
  EXPECT_EQ(a.get(Field::calling_number), "subscriber-100001");
  const CallText& self = a;
  a = self;
  EXPECT_EQ(a.get(Field::calling_number), "subscriber-100001");
  CallText moved = std::move(a);
  EXPECT_EQ(moved.get(Field::calling_number), "subscriber-100001");
  EXPECT_EQ(CallText{}, CallText{});
}

TEST(CallText, a_value_longer_than_an_avp_can_carry_is_cut_there) {
  CallText t;
  t.set(Field::sub_address, std::string(5000, 's'));
  EXPECT_EQ(t.get(Field::sub_address).size(), 1017u);  // RFC 2661 §4.1: 1023 octets, 6 of header
}

TEST(CallText, a_session_holds_its_call_text_in_one_pointer) {
  // Issue 14, point 4: three std::string made a session 168 bytes.
  EXPECT_LE(sizeof(CallText), 16u);
  EXPECT_LE(sizeof(session::Session), 88u);
}

}  // namespace
}  // namespace hl2tp::test

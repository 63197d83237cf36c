// A connection's request as it arrives in chunks (src/daemon/request_buffer.hpp).
#include "daemon/request_buffer.hpp"

#include <gtest/gtest.h>

#include <string>

namespace hl2tp::daemon {
namespace {

using Status = RequestBuffer::Status;

TEST(RequestBuffer, completes_at_the_terminator_and_ignores_what_follows) {
  RequestBuffer b("\n", 100);
  EXPECT_EQ(b.append(R"({"command":"show-summary"})"), Status::incomplete);
  EXPECT_EQ(b.append("\n{\"command\":\"request-shutdown\"}\n"), Status::complete);
  EXPECT_EQ(b.request(), R"({"command":"show-summary"})");
  EXPECT_EQ(b.append("more\n"), Status::complete);
  EXPECT_EQ(b.request(), R"({"command":"show-summary"})");
}

TEST(RequestBuffer, a_terminator_split_across_chunks_is_found) {
  RequestBuffer b("\r\n\r\n", 100);
  EXPECT_EQ(b.append("GET /metrics HTTP/1.1\r"), Status::incomplete);
  EXPECT_EQ(b.append("\n\r"), Status::incomplete);
  EXPECT_EQ(b.append("\n"), Status::complete);
  EXPECT_EQ(b.request(), "GET /metrics HTTP/1.1");
}

TEST(RequestBuffer, a_request_trickled_one_octet_at_a_time_completes) {
  const std::string head = "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n";
  RequestBuffer b("\r\n\r\n", 8192);
  for (std::size_t i = 0; i + 1 < head.size(); ++i)
    ASSERT_EQ(b.append(head.substr(i, 1)), Status::incomplete) << i;
  EXPECT_EQ(b.append(head.substr(head.size() - 1)), Status::complete);
  EXPECT_EQ(b.request(), "GET /metrics HTTP/1.1\r\nHost: a");
}

TEST(RequestBuffer, the_bound_without_a_terminator_is_too_large_and_holds_no_more) {
  RequestBuffer b("\n", 10);
  EXPECT_EQ(b.append("123456789"), Status::incomplete);
  EXPECT_EQ(b.append("0abcdef"), Status::too_large);
  EXPECT_EQ(b.size(), 10u);
  EXPECT_EQ(b.append("\n"), Status::too_large);
  EXPECT_EQ(b.end_of_input(), Status::too_large);
}

TEST(RequestBuffer, a_terminator_that_would_end_past_the_bound_is_too_large) {
  RequestBuffer b("\r\n\r\n", 10);
  EXPECT_EQ(b.append("12345678\r\n\r\n"), Status::too_large);
  RequestBuffer fits("\r\n\r\n", 10);
  EXPECT_EQ(fits.append("123456\r\n\r\n"), Status::complete);
  EXPECT_EQ(fits.request(), "123456");
}

TEST(RequestBuffer, closing_after_part_of_a_request_makes_that_part_the_request) {
  RequestBuffer b("\n", 100);
  EXPECT_EQ(b.append(R"({"command":"show-summary"})"), Status::incomplete);
  EXPECT_EQ(b.end_of_input(), Status::complete);
  EXPECT_EQ(b.request(), R"({"command":"show-summary"})");
}

TEST(RequestBuffer, closing_before_sending_anything_is_abandoned) {
  RequestBuffer b("\n", 100);
  EXPECT_EQ(b.append(""), Status::incomplete);
  EXPECT_EQ(b.end_of_input(), Status::abandoned);
  EXPECT_EQ(b.append("late\n"), Status::abandoned);
}

}  // namespace
}  // namespace hl2tp::daemon

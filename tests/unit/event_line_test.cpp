// The operator's line of a tunnel or session going up or down (issue 13, point 11): every name of
// the call, and the cause; what a peer wrote cannot forge a line.
#include <gtest/gtest.h>

#include <string>

#include "daemon/event_line.hpp"

namespace hl2tp::daemon {
namespace {

using tunnel::EventKind;

std::string line_of(const tunnel::Event& e, std::uint64_t suppressed = 0) {
  fmt::memory_buffer line;
  format_event_line(e, suppressed, line);
  return fmt::to_string(line);
}

tunnel::Event session_event(EventKind kind) {
  tunnel::Event e{kind, 12, 5, std::nullopt, ""};
  e.peer = PeerAddress::ipv4(0xC0000201, 1701);
  e.peer_tunnel_id = 34;
  e.peer_session_id = 6;
  e.call_serial = 7;
  return e;
}

TEST(EventLine, session_up_names_the_peer_both_ends_ids_and_the_serial) {
  EXPECT_EQ(line_of(session_event(EventKind::session_established)),
            "event=session-established peer=192.0.2.1:1701 tunnel=12 peer_tunnel=34 session=5 "
            "peer_session=6 serial=7");
}

TEST(EventLine, session_down_carries_the_result_code_and_the_reason) {
  auto e = session_event(EventKind::session_closed);
  e.result = wire::ResultCode{3, 0, "cleared by the operator"};
  e.reason = "tunnel closed";
  EXPECT_EQ(line_of(e),
            "event=session-closed peer=192.0.2.1:1701 tunnel=12 peer_tunnel=34 session=5 "
            "peer_session=6 serial=7 result=3 error=0 message=\"cleared by the operator\" "
            "reason=\"tunnel closed\"");
}

TEST(EventLine, a_close_without_a_result_code_says_so) {
  tunnel::Event e{EventKind::tunnel_closed, 12, 0, std::nullopt, "not recoverable after restart"};
  EXPECT_EQ(line_of(e),
            "event=tunnel-closed tunnel=12 peer_tunnel=0 result=- "
            "reason=\"not recoverable after restart\"");
}

TEST(EventLine, tunnel_up_names_the_peer_host) {
  tunnel::Event e{EventKind::tunnel_established, 12, 0, std::nullopt, "lac-1"};
  e.peer = PeerAddress::ipv4(0xC0000201, 1701);
  e.peer_tunnel_id = 34;
  EXPECT_EQ(line_of(e),
            "event=tunnel-established peer=192.0.2.1:1701 tunnel=12 peer_tunnel=34 "
            "peer_host_name=\"lac-1\"");
}

TEST(EventLine, what_a_peer_wrote_is_escaped_so_it_cannot_forge_a_line) {
  auto e = session_event(EventKind::session_closed);
  e.result = wire::ResultCode{2, 6, "x\"\nevent=session-established peer=evil"};
  const std::string line = line_of(e);
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  EXPECT_NE(line.find("message=\"x\\\"\\nevent=session-established peer=evil\""), std::string::npos)
      << line;
}

TEST(EventLine, a_rate_limited_line_says_how_many_were_held_back) {
  tunnel::Event e{EventKind::recovery_refused, 12, 0, std::nullopt, "unknown tunnel"};
  EXPECT_EQ(line_of(e, 40),
            "event=recovery-refused tunnel=12 peer_tunnel=0 reason=\"unknown tunnel\" "
            "suppressed_before=40");
}

}  // namespace
}  // namespace hl2tp::daemon

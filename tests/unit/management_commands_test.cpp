// The management commands (src/daemon/management_commands.hpp) against a Daemon without its loop
// whose endpoint, a LAC, holds established calls to an LNS in the same process.
#include "daemon/management_commands.hpp"

#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <algorithm>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/daemon_with_calls.hpp"

namespace hl2tp::daemon {
namespace {

using nlohmann::json;
using test::DaemonWithCalls;

json ask(DaemonWithCalls& d, const json& request) {
  return json::parse(d.ask(request.dump()));
}

bool is_error(const json& answer) {
  return answer.is_object() && answer.value("ok", true) == false && answer.contains("error");
}

TEST(ManagementCommands, calls_placed_through_the_fixture_are_established) {
  DaemonWithCalls d(12, 3);
  const json summary = ask(d, {{"command", "show-summary"}})["summary"];
  EXPECT_EQ(summary["sessions-established"], 12);
  EXPECT_EQ(summary["tunnels"]["established"], 3);
}

TEST(ManagementCommands, sessions_are_listed_sorted_by_tunnel_then_session_id) {
  DaemonWithCalls d(40, 4);
  const json sessions = ask(d, {{"command", "show-sessions"}})["sessions"];
  ASSERT_EQ(sessions.size(), 40u);
  std::vector<std::pair<int, int>> ids;
  for (const auto& s : sessions)
    ids.emplace_back(s["local-tunnel-id"].get<int>(), s["local-session-id"].get<int>());
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  const json tunnels = ask(d, {{"command", "show-tunnels"}})["tunnels"];
  std::vector<int> tunnel_ids;
  for (const auto& t : tunnels)
    tunnel_ids.push_back(t["local-tunnel-id"].get<int>());
  EXPECT_TRUE(std::is_sorted(tunnel_ids.begin(), tunnel_ids.end()));
  // The limit takes the first ones in that order.
  const json first = ask(d, {{"command", "show-sessions"}, {"limit", 5}})["sessions"];
  ASSERT_EQ(first.size(), 5u);
  EXPECT_EQ(first[4], sessions[4]);
}

TEST(ManagementCommands, session_detail_reports_uptime_serial_numbers_and_peer) {
  DaemonWithCalls d(2, 1);
  const json brief = ask(d, {{"command", "show-sessions"}})["sessions"][0];
  EXPECT_FALSE(brief.contains("uptime-s"));
  const json s = ask(d, {{"command", "show-sessions"}, {"level", "detail"}})["sessions"][0];
  EXPECT_EQ(s["remote-address"], "127.0.0.2:1701");
  EXPECT_TRUE(s["uptime-s"].is_number());
  EXPECT_GE(s["uptime-s"].get<double>(), 0.0);
  EXPECT_GE(s["call-serial-number"].get<int>(), 1);
  EXPECT_TRUE(s.contains("calling-number") && s.contains("called-number"));
  EXPECT_TRUE(s.contains("remote-tunnel-id"));
  EXPECT_FALSE(s.contains("bearer-type"));
  const json e = ask(d, {{"command", "show-sessions"}, {"level", "extensive"}})["sessions"][0];
  EXPECT_EQ(e["direction"], "incoming");
  EXPECT_EQ(e["tx-connect-speed"], 100'000'000);
  EXPECT_EQ(e["remote-host"], "lns");
}

TEST(ManagementCommands, session_uptime_is_unknown_when_never_established_or_ahead_of_now) {
  const Time now{std::chrono::seconds(100)};
  EXPECT_EQ(session_uptime(Time{std::chrono::seconds(40)}, now), std::chrono::seconds(60));
  EXPECT_EQ(session_uptime(std::nullopt, now), std::nullopt);
  // Kept by the previous boot's monotonic clock, which ran further than this one.
  EXPECT_EQ(session_uptime(Time{std::chrono::seconds(5000)}, now), std::nullopt);
}

TEST(ManagementCommands, filters_naming_what_we_do_not_hold_are_errors) {
  DaemonWithCalls d(6, 2);
  const json sessions = ask(d, {{"command", "show-sessions"}})["sessions"];
  const int tunnel = sessions[0]["local-tunnel-id"];
  const int session = sessions[0]["local-session-id"];
  const int absent_tunnel = tunnel == 1 ? 2 : 1;
  EXPECT_TRUE(is_error(ask(d, {{"command", "show-sessions"}, {"tunnel", absent_tunnel}})));
  EXPECT_TRUE(is_error(ask(d, {{"command", "show-tunnels"}, {"tunnel", absent_tunnel}})));
  EXPECT_TRUE(is_error(ask(d, {{"command", "show-sessions"}, {"state", "up"}})));
  EXPECT_TRUE(is_error(ask(d, {{"command", "show-tunnels"}, {"state", "up"}})));
  EXPECT_TRUE(is_error(ask(d, {{"command", "show-sessions"}, {"level", "verbose"}})));
  EXPECT_TRUE(is_error(
      ask(d, {{"command", "show-sessions"}, {"tunnel", tunnel}, {"session", session ^ 0x4000}})));
  // A valid state that nothing is in is an empty list, not an error.
  const json none = ask(d, {{"command", "show-sessions"}, {"state", "wait-reply"}});
  EXPECT_EQ(none["ok"], true);
  EXPECT_TRUE(none["sessions"].empty());
  const json one = ask(d, {{"command", "show-sessions"}, {"tunnel", tunnel}, {"session", session}});
  ASSERT_EQ(one["sessions"].size(), 1u);
  EXPECT_EQ(one["sessions"][0]["local-session-id"], session);
}

// Every field of every command, given a value of another type or out of range: an error answer
// that names the field, and nothing done.
TEST(ManagementCommands, a_wrong_type_in_any_field_is_an_error_answer_and_nothing_is_done) {
  DaemonWithCalls d(4, 2);
  const json valid = {
      {"show-tunnels",
       {{"level", "brief"}, {"tunnel", 1}, {"peer", "127.0.0.2"}, {"state", "established"}}},
      {"show-sessions",
       {{"level", "brief"}, {"limit", 1}, {"tunnel", 1}, {"session", 1}, {"state", "established"}}},
      {"call", {{"peer", "127.0.0.2"}, {"count", 1}, {"tunnels", 1}}},
      {"clear-tunnel", {{"tunnel", 1}}},
      {"clear-session", {{"tunnel", 1}, {"session", 1}}},
      {"request-shutdown", {{"clear", true}}},
  };
  const std::vector<json> not_integers = {"7",
                                          1.5,
                                          -1,
                                          json(1e20),
                                          json(18446744073709551615u),
                                          json::array({1}),
                                          json::object({{"a", 1}}),
                                          nullptr,
                                          true};
  const std::vector<json> not_strings = {7, 1.5, json::array(), json::object(), nullptr, true};
  const std::vector<json> not_flags = {"yes", 1, 0, nullptr, json::array()};
  int requests = 0;
  for (const auto& [command, fields] : valid.items()) {
    for (const auto& [field, good] : fields.items()) {
      const auto& wrong = good.is_number()    ? not_integers
                          : good.is_boolean() ? not_flags
                                              : not_strings;
      for (const json& value : wrong) {
        json request = fields;
        request["command"] = command;
        request[field] = value;
        const json answer = ask(d, request);
        ++requests;
        EXPECT_TRUE(is_error(answer)) << request.dump() << " -> " << answer.dump();
        EXPECT_NE(answer.value("error", "").find(field), std::string::npos) << request.dump();
      }
    }
  }
  EXPECT_GT(requests, 100);
  const json summary = ask(d, {{"command", "show-summary"}})["summary"];
  EXPECT_EQ(summary["sessions-established"], 4) << "nothing was cleared or placed";
  EXPECT_EQ(summary["tunnels"]["established"], 2);
}

TEST(ManagementCommands, what_is_not_a_request_object_is_an_error_answer) {
  DaemonWithCalls d(0, 0);
  for (std::string_view line :
       {"", "{", "[1,2]", "null", "\"show-summary\"", "{}", R"({"command":5})",
        R"({"command":"no-such-command"})", "\xff\xfe{}"}) {
    const json answer = json::parse(handle_request(d.daemon(), line));
    EXPECT_TRUE(is_error(answer)) << line;
  }
}

// A peer's Host Name is octets off the wire; json::dump() throws on invalid UTF-8 unless told to
// replace it.
TEST(ManagementCommands, a_peer_host_name_that_is_not_utf8_still_gives_valid_json) {
  DaemonWithCalls d(1, 1, /*seed=*/1, {}, "lns-\xff\xfe");
  for (const char* request : {R"({"command":"show-tunnels","level":"extensive"})",
                              R"({"command":"show-sessions","level":"extensive"})"}) {
    const std::string answer = handle_request(d.daemon(), request);
    const json parsed = json::parse(answer, nullptr, /*allow_exceptions=*/false);
    ASSERT_FALSE(parsed.is_discarded()) << answer;
    EXPECT_EQ(parsed["ok"], true) << answer;
  }
  const json tunnel = json::parse(handle_request(d.daemon(), R"({"command":"show-tunnels"})"));
  EXPECT_EQ(tunnel["tunnels"][0]["remote-host"], "lns-\xEF\xBF\xBD\xEF\xBF\xBD");  // U+FFFD twice
}

TEST(ManagementCommands, a_call_past_the_bound_is_refused_and_places_nothing) {
  DaemonWithCalls d(0, 0);
  const json answer =
      ask(d, {{"command", "call"}, {"peer", "127.0.0.2"}, {"count", kMaxCallsPerRequest + 1}});
  EXPECT_TRUE(is_error(answer));
  EXPECT_NE(answer["error"].get<std::string>().find("count"), std::string::npos);
  EXPECT_EQ(d.daemon().endpoint().session_count(), 0u);
  EXPECT_TRUE(d.daemon().endpoint().tunnels().empty());
}

// Tunnels to one peer open one at a time (opening_queue.hpp): a second request made while the
// first one's tunnels wait their turn places its calls on them rather than opening as many again.
TEST(ManagementCommands, a_second_call_request_uses_the_tunnels_still_waiting_to_open) {
  DaemonWithCalls d(0, 0);
  // Nothing carried between the two requests: one tunnel has sent its SCCRQ, two wait their turn.
  const std::string call = R"({"command":"call","peer":"127.0.0.2","count":6,"tunnels":3})";
  const json first = json::parse(daemon::handle_request(d.daemon(), call, std::nullopt));
  ASSERT_FALSE(is_error(first));
  ASSERT_EQ(d.daemon().endpoint().tunnels().size(), 3u);
  const json again = json::parse(daemon::handle_request(d.daemon(), call, std::nullopt));
  ASSERT_FALSE(is_error(again));
  auto ids = [](const json& answer) {
    auto v = answer["tunnels"].get<std::vector<int>>();
    std::sort(v.begin(), v.end());
    return v;
  };
  EXPECT_EQ(ids(again), ids(first));
  EXPECT_EQ(d.daemon().endpoint().tunnels().size(), 3u);
  d.exchange();
  EXPECT_EQ(d.daemon().endpoint().session_count(), 12u);
}

TEST(ManagementCommands, an_operators_clear_and_request_are_logged_with_who_asked) {
  DaemonWithCalls d(2, 1);
  const json sessions = ask(d, {{"command", "show-sessions"}})["sessions"];
  std::ostringstream log;
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_st>(log)));
  const ClientCredentials operator_{4321, 1000, 1000};
  d.ask(json{{"command", "clear-session"},
             {"tunnel", sessions[0]["local-tunnel-id"]},
             {"session", sessions[0]["local-session-id"]}}
            .dump(),
        operator_);
  d.ask(json{{"command", "clear-tunnel"}, {"tunnel", sessions[0]["local-tunnel-id"]}}.dump(),
        operator_);
  d.ask(R"({"command":"request-restart"})", operator_);
  spdlog::set_default_logger(previous);
  const std::string text = log.str();
  EXPECT_NE(text.find("uid=1000 pid=4321"), std::string::npos) << text;
  EXPECT_NE(text.find("clear session"), std::string::npos) << text;
  EXPECT_NE(text.find("clear tunnel"), std::string::npos) << text;
  EXPECT_NE(text.find("request restart"), std::string::npos) << text;
}

}  // namespace
}  // namespace hl2tp::daemon

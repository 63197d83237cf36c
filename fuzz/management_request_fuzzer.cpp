// libFuzzer target (issue 13): requests to the management socket, handled as the daemon handles
// them, by a Daemon (without its loop) whose endpoint is a LAC holding established calls to an LNS
// in the same process (tests/support/daemon_with_calls.hpp); what a request makes the LAC send
// reaches the LNS and its answers come back, so clears and calls change what the next request
// sees. Input: request lines separated by '\n', handled in order. After each: the answer is one
// JSON object with a boolean "ok" and, when not ok, an "error" string; listed sessions are sorted
// by tunnel and session ID; the session count adds up. An exception escaping, a crash or a
// sanitizer report is a finding.
#include <spdlog/spdlog.h>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>

#include "support/daemon_with_calls.hpp"

namespace {

using nlohmann::json;

[[noreturn]] void finding(const char* what, std::string_view detail) {
  std::fprintf(stderr, "management_request_fuzzer: %s: %.*s\n", what,
               static_cast<int>(std::min<std::size_t>(detail.size(), 400)), detail.data());
  std::abort();
}

void check(hl2tp::test::DaemonWithCalls& d, const std::string& answer) {
  const json a = json::parse(answer, nullptr, /*allow_exceptions=*/false);
  if (a.is_discarded() || !a.is_object()) finding("the answer is not a JSON object", answer);
  const auto ok = a.find("ok");
  if (ok == a.end() || !ok->is_boolean()) finding("the answer has no boolean \"ok\"", answer);
  if (!ok->get<bool>() && !(a.contains("error") && a["error"].is_string())) {
    finding("an error answer without an \"error\" string", answer);
  }
  if (const auto sessions = a.find("sessions"); sessions != a.end() && sessions->is_array()) {
    std::pair<int, int> previous{-1, -1};
    for (const auto& s : *sessions) {
      const std::pair<int, int> ids{s.at("local-tunnel-id").get<int>(),
                                    s.at("local-session-id").get<int>()};
      if (ids <= previous) finding("sessions not sorted by tunnel and session ID", answer);
      previous = ids;
    }
  }
  std::size_t sessions = 0;
  for (const auto& [id, t] : d.daemon().endpoint().tunnels())
    sessions += t.sessions().size();
  if (sessions != d.daemon().endpoint().session_count()) finding("session count", answer);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Small limits: a `call` may ask for up to 100,000 sessions, which must stay cheap to run.
  hl2tp::engine::Limits limits;
  limits.max_tunnels = 8;
  limits.max_sessions = 64;
  hl2tp::test::DaemonWithCalls d(6, 2, /*seed=*/1, limits);
  std::string_view input(reinterpret_cast<const char*>(data), size);
  for (int requests = 0; !input.empty() && requests < 16; ++requests) {
    const auto end = input.find('\n');
    const std::string_view line = input.substr(0, end);
    input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
    const hl2tp::daemon::ClientCredentials client{1234, 0, 0};
    check(d, d.ask(line, client));
  }
  return 0;
}

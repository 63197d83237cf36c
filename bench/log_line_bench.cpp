// What one session-up log line costs hl2tpd's event loop (issue 13, point 11): the loop thread's
// CPU time per line, and the whole process's, for the line as Daemon::log_event writes it.
//   log_line_bench queued|direct LINES LINES_PER_TURN 2>WHERE
// `queued` is hl2tpd's way (log_output.hpp: formatted on the loop, queued, written by a logging
// thread in batches); `direct` is the former one, a write(2) per line from the loop. Lines come in
// bursts of LINES_PER_TURN, one burst per 2 ms, as a loop turn produces them: 100 is 50,000 lines a
// second; 0 is a flood with no pause. Send stderr to a file, or to a pipe (`2>&1 >/dev/null | cat
// >/dev/null`) as journald reads it. Prints one JSON object on stdout.
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <thread>

#include "daemon/event_line.hpp"
#include "daemon/log_output.hpp"

namespace {

double cpu_seconds(clockid_t clock) {
  timespec t{};
  clock_gettime(clock, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hl2tp;
  if (argc < 4) {
    std::fprintf(stderr, "usage: log_line_bench queued|direct LINES LINES_PER_TURN\n");
    return 2;
  }
  const std::string mode = argv[1];
  const long lines = std::atol(argv[2]);
  const long per_turn = std::atol(argv[3]);
  if (mode == "queued") {
    daemon::start_logging(false);
  } else {
    auto logger = spdlog::stderr_logger_st("hl2tpd");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
    spdlog::set_default_logger(logger);
  }
  tunnel::Event e{tunnel::EventKind::session_established, 12345, 0, std::nullopt, ""};
  e.peer = PeerAddress::ipv4(0xC0000201, 1701);
  e.peer_tunnel_id = 4321;
  e.peer_session_id = 999;
  const double loop0 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
  const double process0 = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
  for (long i = 0; i < lines; ++i) {
    e.session_id = static_cast<std::uint16_t>(i);
    e.call_serial = static_cast<std::uint32_t>(i);
    fmt::memory_buffer line;
    daemon::format_event_line(e, 0, line);
    spdlog::info("{}", std::string_view(line.data(), line.size()));
    if (per_turn > 0 && i % per_turn == per_turn - 1) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  const double loop = cpu_seconds(CLOCK_THREAD_CPUTIME_ID) - loop0;
  if (mode == "queued") daemon::stop_logging();  // the logging thread's work counts too
  const double process = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - process0;
  std::printf(
      "{\"mode\": \"%s\", \"lines\": %ld, \"lines_per_turn\": %ld, \"loop_ns_per_line\": %.0f, "
      "\"process_ns_per_line\": %.0f}\n",
      mode.c_str(), lines, per_turn, 1e9 * loop / static_cast<double>(lines),
      1e9 * process / static_cast<double>(lines));
  return 0;
}

// Engine benchmarks in the simulator (issue 3): memory per tunnel and per session at 10,000 tunnels
// and 100,000 sessions, and session set-up throughput per CPU-second with both ends' CPU counted
// (and the simulator's too: both endpoints and the network run in this one process).
// Usage: engine_bench [repetitions]; prints one line per measurement and the medians.
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "bench/bench_support.hpp"
#include "sim/simulation.hpp"

namespace {

using namespace hl2tp;
using namespace std::chrono_literals;
using bench::config;
using bench::cpu_seconds;
using bench::kLac;
using bench::kLns;
using bench::median;
using sim::channels_quiet;

std::size_t heap_in_use() {
  return mallinfo2().uordblks;
}

struct Measurement {
  double bytes_per_tunnel_per_end;
  double bytes_per_session_per_end;
  double setups_per_cpu_second;
};

Measurement run(std::uint64_t seed, int tunnels, int sessions_per_tunnel) {
  Measurement r{};
  malloc_trim(0);
  const std::size_t before = heap_in_use();
  {
    // The engine's memory and CPU, not the store's or the test log's.
    sim::Simulation s(seed, 0, /*with_store=*/false, /*keep_checkpoint_log=*/false);
    const auto lac = s.add_endpoint(kLac, config(true));
    const auto lns = s.add_endpoint(kLns, config(false));
    const std::vector<std::uint16_t> ids = bench::open_tunnels(s, lac, lns, tunnels);
    s.clear_events();
    const std::size_t with_tunnels = heap_in_use();

    const double cpu_start = cpu_seconds();
    session::CallParameters p;
    p.bearer_type = wire::kBearerDigital;
    p.tx_connect_speed = 100'000'000;
    for (std::uint16_t tid : ids) {
      for (int j = 0; j < sessions_per_tunnel; ++j) {
        p.call_serial_number++;
        p.set_calling_number("subscriber-" + std::to_string(p.call_serial_number));
        (void)s.command(lac, [&](engine::Endpoint& e, Time now) {
          return e.open_session(now, tid, session::Direction::incoming, p);
        });
      }
    }
    const std::size_t total = ids.size() * static_cast<std::size_t>(sessions_per_tunnel);
    s.run_until(
        [&] { return s.endpoint(lns).session_count() == total && channels_quiet(s, lac, lns); },
        120s);
    const double cpu = cpu_seconds() - cpu_start;
    // Past the set-up timeout, so that per-call set-up bookkeeping is gone, as it is in service.
    s.run_for(70s);
    s.clear_events();
    const std::size_t with_sessions = heap_in_use();

    r.bytes_per_tunnel_per_end =
        static_cast<double>(with_tunnels - before) / (2.0 * static_cast<double>(tunnels));
    r.bytes_per_session_per_end =
        static_cast<double>(with_sessions - with_tunnels) / (2.0 * static_cast<double>(total));
    r.setups_per_cpu_second = static_cast<double>(total) / cpu;
    if (s.endpoint(lns).session_count() != total || s.endpoint(lac).session_count() != total) {
      std::fprintf(stderr, "not every session was established\n");
      std::exit(1);
    }
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const int repetitions = argc > 1 ? std::atoi(argv[1]) : 5;
  std::vector<double> tunnel_bytes, session_bytes, rate;
  for (int i = 0; i < repetitions; ++i) {
    const Measurement r = run(1000 + static_cast<std::uint64_t>(i), 10'000, 10);
    std::printf("run %d: %.0f B/tunnel/end, %.0f B/session/end, %.0f setups/CPU-s\n", i + 1,
                r.bytes_per_tunnel_per_end, r.bytes_per_session_per_end, r.setups_per_cpu_second);
    tunnel_bytes.push_back(r.bytes_per_tunnel_per_end);
    session_bytes.push_back(r.bytes_per_session_per_end);
    rate.push_back(r.setups_per_cpu_second);
  }
  std::printf(
      "median of %d: memory %.0f B per tunnel (target <= 16384), %.0f B per session "
      "(target <= 1024) at 10,000 tunnels / 100,000 sessions per end; "
      "%.0f session set-ups per CPU-second, both ends and the simulator counted "
      "(target >= 100000); min-max %.0f-%.0f\n",
      repetitions, median(tunnel_bytes), median(session_bytes), median(rate),
      *std::min_element(rate.begin(), rate.end()), *std::max_element(rate.begin(), rate.end()));
  return 0;
}

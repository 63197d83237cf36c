// Recovery after a crash, in the simulator (issue 4): 1,000 tunnels and 100,000 sessions between a
// LAC and an LNS over 1 ms links. The LNS crashes while 1,000 new calls are in flight (one per
// tunnel, ICRQs unanswered) and restarts at once. Measured: CPU time of the restart (load the
// snapshot, rebuild every tunnel and session), virtual time from the restart until every channel
// is quiet and every call is established on both ends, sessions lost, and records the store
// received per session set-up. Today both negotiated methods recover by exact restore of the
// durable channel state (docs/recovery-design.md); the RFC 4951 recovery tunnel is still to come.
// Usage: recovery_bench [repetitions]

#include <algorithm>
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
using bench::quiet;

std::size_t established(const engine::Endpoint& e) {
  std::size_t n = 0;
  for (const auto& [id, t] : e.tunnels()) {
    for (const auto& [sid, s] : t.sessions())
      n += s.state() == session::State::established;
  }
  return n;
}

struct Measurement {
  double restart_cpu_ms, recovery_virtual_ms, records_per_setup;
  long sessions_lost;
};

Measurement run(std::uint64_t seed) {
  constexpr int kTunnels = 1000, kPerTunnel = 100;
  sim::Simulation s(seed, 0, /*with_store=*/true, /*keep_checkpoint_log=*/false);
  const auto lac = s.add_endpoint(kLac, config(true));
  const auto lns = s.add_endpoint(kLns, config(false));
  const std::vector<std::uint16_t> ids = bench::open_tunnels(s, lac, lns, kTunnels);
  const auto records_before = s.store(lns).records_committed();
  session::CallParameters p;
  p.tx_connect_speed = 100'000'000;
  auto call_on_every_tunnel = [&] {
    for (std::uint16_t tid : ids) {
      ++p.call_serial_number;
      (void)s.command(lac, [&](engine::Endpoint& e, Time now) {
        return e.open_session(now, tid, session::Direction::incoming, p);
      });
    }
  };
  for (int j = 0; j < kPerTunnel; ++j)
    call_on_every_tunnel();
  const std::size_t total = static_cast<std::size_t>(kTunnels) * kPerTunnel;
  s.run_until([&] { return s.endpoint(lns).session_count() == total && quiet(s, lac, lns); }, 120s);
  const double records_per_setup =
      static_cast<double>(s.store(lns).records_committed() - records_before) /
      static_cast<double>(total);

  call_on_every_tunnel();  // 1,000 ICRQs on their way
  s.run_for(std::chrono::microseconds(500));
  s.crash(lns);
  const double cpu0 = cpu_seconds();
  s.restart(lns, config(false));
  const double restart_cpu = cpu_seconds() - cpu0;
  const Time restarted = s.now();
  // session_count() is O(1); the walk over every session happens once, at the end.
  s.run_until(
      [&] { return s.endpoint(lns).session_count() >= total + ids.size() && quiet(s, lac, lns); },
      120s);
  const double virtual_ms = std::chrono::duration<double, std::milli>(s.now() - restarted).count();
  const long lost =
      static_cast<long>(total + ids.size()) - static_cast<long>(established(s.endpoint(lns)));
  return {restart_cpu * 1e3, virtual_ms, records_per_setup, std::max(lost, 0L)};
}

}  // namespace

int main(int argc, char** argv) {
  const int repetitions = argc > 1 ? std::atoi(argv[1]) : 5;
  std::vector<double> cpu, recovery, records;
  long lost = 0;
  for (int i = 0; i < repetitions; ++i) {
    const Measurement m = run(7000 + static_cast<std::uint64_t>(i));
    std::printf(
        "run %d: restart %.1f ms CPU, resynchronized %.1f ms later (virtual), %ld sessions "
        "lost, %.2f records per session set-up\n",
        i + 1, m.restart_cpu_ms, m.recovery_virtual_ms, m.sessions_lost, m.records_per_setup);
    cpu.push_back(m.restart_cpu_ms);
    recovery.push_back(m.recovery_virtual_ms);
    records.push_back(m.records_per_setup);
    lost += m.sessions_lost;
  }
  std::printf(
      "median of %d: restart %.1f ms CPU (min %.1f, max %.1f); %.1f ms of virtual time from "
      "restart to every channel quiet and every call established; %ld sessions lost in all "
      "runs; %.2f records per session set-up (LNS)\n",
      repetitions, median(cpu), *std::min_element(cpu.begin(), cpu.end()),
      *std::max_element(cpu.begin(), cpu.end()), median(recovery), lost, median(records));
  return lost == 0 ? 0 : 1;
}

// Recovery after a crash, in the simulator (issue 4): 1,000 tunnels and 100,000 sessions between a
// LAC and an LNS over 1 ms links, for each method (RFC 4951 failover protocol: both ends on the
// default setting; silent failover: both on `silent-failover`) and each failed role. The failed end
// crashes while 1,000 new calls are in flight (one per tunnel) and restarts at once. Measured: CPU
// time of the restart (load the snapshot, rebuild every tunnel and session), virtual time from the
// restart until every tunnel reports its recovery complete and every channel is quiet (sessions
// reconciled), established sessions lost, and what the store received per session set-up
// (records, and payload octets in a compact encoding: store/record_size.hpp).
// Usage: recovery_bench [repetitions]

#include <algorithm>
#include <cstdio>
#include <set>
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

struct Measurement {
  double restart_cpu_ms, recovery_virtual_ms, recovery_cpu_ms, records_per_setup, bytes_per_setup;
  long sessions_lost;
};

struct Scenario {
  const char* name;
  failover::FailoverResync setting;
  bool lns_fails;
};

engine::EndpointConfig config_for(bool lac, const Scenario& sc) {
  auto c = config(lac);
  c.tunnel.failover.resync = sc.setting;
  return c;
}

// (tunnel, session) of every session the node holds established.
std::set<std::pair<std::uint16_t, std::uint16_t>> established(const engine::Endpoint& e) {
  std::set<std::pair<std::uint16_t, std::uint16_t>> out;
  for (const auto& [id, t] : e.tunnels()) {
    for (const auto& [sid, s] : t.sessions()) {
      if (s.state() == session::State::established) out.insert({id, sid});
    }
  }
  return out;
}

Measurement run(std::uint64_t seed, const Scenario& sc) {
  constexpr int kTunnels = 1000, kPerTunnel = 100;
  sim::Simulation s(seed, 0, /*with_store=*/true, /*keep_checkpoint_log=*/false);
  const auto lac = s.add_endpoint(kLac, config_for(true, sc));
  const auto lns = s.add_endpoint(kLns, config_for(false, sc));
  const auto failed = sc.lns_fails ? lns : lac;
  const std::vector<std::uint16_t> ids = bench::open_tunnels(s, lac, lns, kTunnels);
  const auto records_before = s.store(lns).records_committed();
  const auto bytes_before = s.store(lns).bytes_committed();
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
  s.run_until(
      [&] { return s.endpoint(lns).session_count() == total && channels_quiet(s, lac, lns); },
      120s);
  const double setups = static_cast<double>(total);
  const double records_per_setup =
      static_cast<double>(s.store(lns).records_committed() - records_before) / setups;
  const double bytes_per_setup =
      static_cast<double>(s.store(lns).bytes_committed() - bytes_before) / setups;
  const auto before = established(s.endpoint(failed));

  call_on_every_tunnel();  // 1,000 ICRQs on their way
  s.run_for(std::chrono::microseconds(500));
  s.crash(failed);
  const double cpu0 = cpu_seconds();
  s.restart(failed, config_for(failed == lac, sc));
  const double restart_cpu = cpu_seconds() - cpu0;
  const Time restarted = s.now();
  // O(1) first; the walk over every tunnel only once all have recovered.
  s.run_until(
      [&] {
        return s.endpoint(failed).recoveries_completed() == static_cast<std::uint64_t>(kTunnels) &&
               channels_quiet(s, lac, lns);
      },
      120s);
  const double virtual_ms = std::chrono::duration<double, std::milli>(s.now() - restarted).count();
  // Everything after the crash: the restart, then both ends and the simulator exchanging the
  // recovery traffic (the simulator's virtual clock does not advance while they compute).
  const double recovery_cpu = cpu_seconds() - cpu0;
  const auto after = established(s.endpoint(failed));
  long lost = 0;
  for (const auto& key : before)
    lost += !after.contains(key);
  if (s.endpoint(failed).recoveries_completed() != static_cast<std::uint64_t>(kTunnels)) {
    lost = -1;  // did not finish: reported, and the run fails
  }
  return {restart_cpu * 1e3, virtual_ms,      recovery_cpu * 1e3,
          records_per_setup, bytes_per_setup, lost};
}

}  // namespace

int main(int argc, char** argv) {
  const int repetitions = argc > 1 ? std::atoi(argv[1]) : 5;
  const Scenario scenarios[] = {
      {"failover protocol, LNS fails", failover::FailoverResync::protocol_then_silent, true},
      {"failover protocol, LAC fails", failover::FailoverResync::protocol_then_silent, false},
      {"silent failover, LNS fails", failover::FailoverResync::silent, true},
      {"silent failover, LAC fails", failover::FailoverResync::silent, false},
  };
  bool ok = true;
  for (const Scenario& sc : scenarios) {
    std::vector<double> cpu, recovery, recovery_cpu, total, records, bytes;
    long lost = 0;
    for (int i = 0; i < repetitions; ++i) {
      const Measurement m = run(7000 + static_cast<std::uint64_t>(i), sc);
      std::printf("%s, run %d: restart %.1f ms CPU, recovered %.1f ms later (virtual), %ld lost\n",
                  sc.name, i + 1, m.restart_cpu_ms, m.recovery_virtual_ms, m.sessions_lost);
      cpu.push_back(m.restart_cpu_ms);
      recovery.push_back(m.recovery_virtual_ms);
      recovery_cpu.push_back(m.recovery_cpu_ms);
      total.push_back(m.recovery_cpu_ms + m.recovery_virtual_ms);
      records.push_back(m.records_per_setup);
      bytes.push_back(m.bytes_per_setup);
      if (m.sessions_lost < 0) ok = false;
      lost += std::max(m.sessions_lost, 0L);
    }
    std::printf(
        "%s: median of %d: restart %.1f ms CPU (min %.1f, max %.1f); recovered %.1f ms of "
        "virtual time later (min %.1f, max %.1f); CPU from crash to recovered %.1f ms; "
        "virtual + CPU %.1f ms (min %.1f, max %.1f); %ld established sessions lost in all runs; "
        "per session set-up on the LNS: %.2f records, %.0f bytes\n",
        sc.name, repetitions, median(cpu), *std::min_element(cpu.begin(), cpu.end()),
        *std::max_element(cpu.begin(), cpu.end()), median(recovery),
        *std::min_element(recovery.begin(), recovery.end()),
        *std::max_element(recovery.begin(), recovery.end()), median(recovery_cpu), median(total),
        *std::min_element(total.begin(), total.end()),
        *std::max_element(total.begin(), total.end()), lost, median(records), median(bytes));
    ok = ok && lost == 0;
  }
  return ok ? 0 : 1;
}

#include "sim/campaign.hpp"

#include <algorithm>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <iterator>
#include <random>

#include "base/invariant.hpp"
#include "sim/lac_lns_pair.hpp"
#include "sim/peer_model.hpp"

namespace hl2tp::sim {
namespace {

using namespace std::chrono_literals;
using engine::EndpointConfig;
using engine::EventKind;

// The scenario's draws come from a generator of their own, seeded from the seed: the simulation's
// randomness (links, IDs) is apart, and the same seed draws the same scenario.
class ScenarioDraw {
 public:
  explicit ScenarioDraw(std::uint64_t seed) : rng_(seed ^ 0x5EEDull) {}
  double uniform(double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng_);
  }
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  // One of `items`, none of which may be empty.
  template <typename Container>
  auto one_of(const Container& items) {
    return std::next(items.begin(), pick(0, static_cast<int>(items.size()) - 1));
  }

 private:
  std::mt19937_64 rng_;
};

Duration seconds(double s) {
  return Duration(static_cast<std::int64_t>(s * 1e6));
}

// One end's `failover-resync` setting, drawn: mostly the default, each other one often enough.
failover::FailoverResync draw_setting(int roll) {
  if (roll < 5) return failover::FailoverResync::protocol_then_silent;
  if (roll < 7) return failover::FailoverResync::silent;
  if (roll < 9) return failover::FailoverResync::protocol;
  return failover::FailoverResync::none;
}

// The method each tunnel a crashed `node` will have to recover negotiated, by its ID: what its
// store holds (a tunnel whose StopCCN was pending is only closed again).
std::map<std::uint16_t, failover::ResyncMethod> negotiated(const Simulation& sim, NodeId node) {
  std::map<std::uint16_t, failover::ResyncMethod> out;
  for (const auto& [id, t] : sim.store_view(node).load().tunnels) {
    if (!t.closing) out[id] = t.tunnel.resync_method;
  }
  return out;
}

enum class Failing { lac, lns, both };

// Who fails, and what the two ends are.
struct Scenario {
  Failing failing = Failing::lac;
  PeerModel lac_model = PeerModel::hl2tp, lns_model = PeerModel::hl2tp;
  EndpointConfig lac, lns;
};

// Each end gets a drawn failover setting, and half the time one end is a peer model (xl2tpd-like,
// accel-ppp-like) instead of our engine: without a crash either end, with one the end that does
// not fail.
Scenario draw_scenario(ScenarioDraw& draw, bool with_crash, CampaignTally& tally) {
  Scenario s;
  s.failing = !with_crash            ? Failing::lac
              : draw.pick(0, 4) == 0 ? Failing::both
              : draw.pick(0, 1) != 0 ? Failing::lac
                                     : Failing::lns;
  if (s.failing != Failing::both && draw.pick(0, 1)) {
    const auto model = draw.pick(0, 1) ? PeerModel::xl2tpd : PeerModel::accel_ppp;
    (with_crash ? (s.failing == Failing::lac ? s.lns_model : s.lac_model)
                : (draw.pick(0, 1) ? s.lns_model : s.lac_model)) = model;
    ++(model == PeerModel::xl2tpd ? tally.peers_xl2tpd : tally.peers_accel_ppp);
  }
  s.lac = lac_config();
  s.lns = lns_config();
  s.lac.tunnel.failover.resync = draw_setting(draw.pick(0, 9));
  s.lns.tunnel.failover.resync = draw_setting(draw.pick(0, 9));
  if (draw.pick(0, 4) == 0) {
    s.lns.limits.max_sessions_per_tunnel = static_cast<std::uint32_t>(draw.pick(1, 6));
  }
  s.lac = as_peer_model(s.lac, s.lac_model);
  s.lns = as_peer_model(s.lns, s.lns_model);
  return s;
}

// The crash at call `call`: the failing ends go down (half the time in the worst window), stay
// down for a drawn delay within what the non-failed end tolerates, and restart from their stores;
// sometimes one crashes again in its first 1.5 s back. Records what the checks will need.
void crash_and_restart(LacLnsPair& p, ScenarioDraw& draw, const Scenario& s, int call,
                       RunRecord& record, SeedRun& run) {
  if (s.failing != Failing::lns) record.failed.push_back(p.lac);
  if (s.failing != Failing::lac) record.failed.push_back(p.lns);
  ++(s.failing == Failing::lac   ? run.tally.crashes_lac
     : s.failing == Failing::lns ? run.tally.crashes_lns
                                 : run.tally.crashes_both);
  record.before_crash = established_sessions(p.sim.endpoint(p.lac));
  const auto mirrored_lns = mirrored(established_sessions(p.sim.endpoint(p.lns)));
  std::erase_if(record.before_crash,
                [&](const SessionKey& k) { return !mirrored_lns.contains(k); });
  if (s.failing != Failing::lns) {
    for (const auto& c : record.calls) {
      const std::uint16_t t = c.first, sid = c.second;
      const bool up =
          std::any_of(record.before_crash.begin(), record.before_crash.end(),
                      [&](auto& k) { return std::get<0>(k) == t && std::get<1>(k) == sid; });
      if (!up) record.forgotten.insert({t, sid});
    }
  }
  // The non-failed end's patience bounds the outage: its last retransmission must find the
  // failed end back (docs/peer-behaviour.md §6), or its Recovery Time hold must still run.
  const PeerModel survivor = s.failing == Failing::lac
                                 ? s.lns_model
                                 : (s.failing == Failing::lns ? s.lac_model : s.lns_model);
  const double budget =
      survivor == PeerModel::hl2tp
          ? 20.0
          : std::chrono::duration<double>(last_retransmission(survivor)).count() - 1.0;
  const bool second_crash = draw.pick(0, 4) == 0;
  run.tally.second_crashes += second_crash;
  const double first_down = draw.uniform(0, second_crash ? budget / 2 : budget);
  run.scenario += std::string("; failing: ") +
                  (s.failing == Failing::lac   ? "LAC"
                   : s.failing == Failing::lns ? "LNS"
                                               : "both") +
                  " at call " + std::to_string(call) + ", down " + std::to_string(first_down) +
                  " s" + (second_crash ? ", second crash during recovery" : "");
  auto crash = [&](NodeId node) {
    if (draw.pick(0, 1)) {
      p.sim.crash_after_next_commit(node);
      p.sim.run_until([&] { return p.sim.is_down(node); }, 2s);
    }
    if (!p.sim.is_down(node)) p.sim.crash(node);
  };
  for (auto node : record.failed)
    crash(node);
  for (auto node : record.failed)
    record.methods[node] = negotiated(p.sim, node);
  p.sim.run_for(seconds(first_down));
  for (auto node : record.failed)
    p.sim.restart(node, node == p.lac ? s.lac : s.lns);
  if (second_crash) {
    // Crashed again while recovering: somewhere in its first 1.5 s back.
    p.sim.run_for(seconds(draw.uniform(0, 1.5)));
    const auto node = *draw.one_of(record.failed);
    crash(node);
    p.sim.run_for(seconds(draw.uniform(0, budget / 2 - 1.5)));
    p.sim.restart(node, node == p.lac ? s.lac : s.lns);
  }
}

// Calls and commands under the faults, the crash among them; then the faults stop and every check
// runs. Fills `run` as it goes, so that an InvariantViolation thrown midway leaves the scenario and
// the counts so far.
void run_and_check(std::uint64_t seed, const SeedOptions& options, SeedRun& run) {
  ScenarioDraw draw(seed);
  const Scenario s = draw_scenario(draw, options.with_crash, run.tally);
  LacLnsPair p(seed, s.lac, s.lns, options.trace_capacity);
  run.scenario = "LAC: " + std::string(name(s.lac_model)) + ", " +
                 std::string(failover::name(s.lac.tunnel.failover.resync)) +
                 "; LNS: " + std::string(name(s.lns_model)) + ", " +
                 std::string(failover::name(s.lns.tunnel.failover.resync));
  for (auto [from, to] : {std::pair(p.lac, p.lns), std::pair(p.lns, p.lac)}) {
    LinkConfig link;
    link.latency = Duration(static_cast<std::int64_t>(draw.uniform(1e3, 30e3)));
    link.jitter = Duration(static_cast<std::int64_t>(draw.uniform(0, 50e3)));
    link.loss = draw.uniform(0, 0.2);
    link.duplicate = draw.uniform(0, 0.1);
    p.sim.set_link(from, to, link);
  }

  RunRecord record;
  record.settings = {{p.lac, s.lac.tunnel.failover.resync}, {p.lns, s.lns.tunnel.failover.resync}};
  std::vector<std::uint16_t> tunnels;
  for (int i = draw.pick(1, 3); i > 0; --i)
    tunnels.push_back(p.open_tunnel(p.lac, p.lns));
  const int total_calls = draw.pick(1, 40);
  const int crash_at = options.with_crash ? draw.pick(0, total_calls) : -1;
  for (int i = 0; i < total_calls; ++i) {
    if (i == crash_at) crash_and_restart(p, draw, s, i, record, run);
    p.sim.run_for(Duration(static_cast<std::int64_t>(draw.uniform(0, 300e3))));
    // A crash here would find the store exact: checked at every step of the run (invariant 3).
    for (auto node : {p.lac, p.lns}) {
      for (const auto& v : check_store_holds_channels(p.sim, node))
        run.violations.push_back("store behind the channel: " + v);
    }
    if (!run.violations.empty()) {
      run.report = p.report();
      return;
    }
    const auto tid = *draw.one_of(tunnels);
    if (auto sid = p.open_session(p.lac, tid, session::Direction::incoming)) {
      record.calls.emplace_back(tid, *sid);
    }
    // Rarely, either end clears a whole tunnel (StopCCN, which a crash must not lose).
    if (draw.pick(0, 60) == 0) {
      const auto node = draw.pick(0, 1) ? p.lac : p.lns;
      const auto& all = p.sim.endpoint(node).tunnels();
      if (!all.empty()) {
        const auto victim = draw.one_of(all)->first;
        // A recovery tunnel is refused (not the operator's to clear).
        if (p.sim.command(node, [&](engine::Endpoint& e, Time now) {
              return e.close_tunnel(now, victim, {1, std::nullopt, "operator"});
            })) {
          record.closed_by_command.insert({node, victim, 0});
        }
      }
    }
    // Now and then a hang-up, from either end, of an established call.
    if (draw.pick(0, 5) == 0) {
      const auto node = draw.pick(0, 1) ? p.lac : p.lns;
      auto established = established_sessions(p.sim.endpoint(node));
      if (!established.empty()) {
        auto [t, sid, pt, ps] = *draw.one_of(established);
        p.sim.command(node, [&, t = t, sid = sid](engine::Endpoint& e, Time now) {
          return e.close_session(now, t, sid, {3, std::nullopt, ""});
        });
        record.closed_by_command.insert({node, t, sid});
      }
    }
  }
  run.tally.requested += record.calls.size();

  // Let every exchange finish under the faults. Then the faults stop, and we wait long enough for
  // a tunnel that one end cleared (its retransmissions spent, §5.8) to be noticed by the other end
  // through its own Hello (60 s) and then the longer of its retransmission cycle (31 s, 47 s for
  // accel-ppp) and the peer's Recovery Time hold (60 s by default, RFC 4951 §5.1).
  p.sim.run_until([&] { return p.quiet(); }, 600s);
  // The tunnels that died of the loss so far (the no-crash campaign counts them too, for
  // comparison).
  for (auto node : {p.lac, p.lns}) {
    for (const auto& e : p.sim.events(node)) {
      if (e.kind == EventKind::tunnel_closed && e.reason == "retransmissions exhausted") {
        record.died_of_loss.insert({node, e.tunnel_id});
      }
    }
  }
  run.tally.tunnels_died_of_loss += record.died_of_loss.size();
  p.sim.set_link(p.lac, p.lns, {});
  p.sim.set_link(p.lns, p.lac, {});
  p.sim.run_for(200s);
  if (!p.sim.run_until([&] { return p.quiet(); }, 600s)) {
    run.violations.push_back("never became quiet");
    run.report = p.report();
    return;
  }

  // Every check, in this order: a failing seed is named by its first violation.
  auto take = [&](Violations found) {
    run.violations.insert(run.violations.end(), std::make_move_iterator(found.begin()),
                          std::make_move_iterator(found.end()));
  };
  auto take_counted = [&](CheckResult result) {
    take(std::move(result.violations));
    run.tally.checked.add(result.counts);
  };
  take(check_ends_agree(p.sim, p.lac, p.lns));
  take(check_records_rebuild_sessions(p.sim, p.lac));
  take(check_records_rebuild_sessions(p.sim, p.lns));
  take(check_store_holds_sessions(p.sim, p.lac));
  take(check_store_holds_sessions(p.sim, p.lns));
  take_counted(check_recoveries(p.sim, record));
  take_counted(check_sessions_kept(p.sim, p.lac, p.lns, record));
  take_counted(check_calls_ended(p.sim, p.lac, record));
  take(check_no_half_open_sessions(p.sim, p.lac));
  take(check_no_half_open_sessions(p.sim, p.lns));
  if (!run.violations.empty() || options.keep_report) run.report = p.report();
}

// printf into a string: the summary's numbers formatted as they always were.
[[gnu::format(printf, 2, 3)]] void append(std::string& out, const char* format, ...) {
  char buffer[512];
  va_list args;
  va_start(args, format);
  const int n = std::vsnprintf(buffer, sizeof buffer, format, args);
  va_end(args);
  if (n > 0) out.append(buffer, std::min(static_cast<std::size_t>(n), sizeof buffer - 1));
}

}  // namespace

void CampaignTally::add(const CampaignTally& other) {
  requested += other.requested;
  crashes_lac += other.crashes_lac;
  crashes_lns += other.crashes_lns;
  crashes_both += other.crashes_both;
  second_crashes += other.second_crashes;
  peers_xl2tpd += other.peers_xl2tpd;
  peers_accel_ppp += other.peers_accel_ppp;
  tunnels_died_of_loss += other.tunnels_died_of_loss;
  checked.add(other.checked);
}

SeedRun run_seed(std::uint64_t seed, const SeedOptions& options) {
  SeedRun run;
  run.seed = seed;
  run.with_crash = options.with_crash;
  try {
    run_and_check(seed, options, run);
  } catch (const InvariantViolation& e) {
    // The core's own consistency (base/invariant.hpp), reported with the seed like any check.
    run.violations = {e.what()};
    run.report.clear();
  }
  return run;
}

std::string violation_line(const SeedRun& run) {
  const std::string& first = run.violations.empty() ? std::string() : run.violations.front();
  return "violation: seed " + std::to_string(run.seed) + (run.with_crash ? " (crash)" : "") + ": " +
         first.substr(0, first.find('\n'));
}

std::string summary(const CampaignTally& tally, std::uint64_t seeds, bool with_crash,
                    std::uint64_t violations) {
  const CheckCounts& c = tally.checked;
  std::string out;
  append(out,
         "simulated %llu seeds%s: %zu calls requested, %zu established on both ends, "
         "%zu refused or closed; %llu invariant violations\n",
         static_cast<unsigned long long>(seeds), with_crash ? " with a crash" : "", tally.requested,
         c.established_both, c.refused_or_closed, static_cast<unsigned long long>(violations));
  append(out,
         "  crashes: LAC %zu, LNS %zu, both %zu, second crash during recovery %zu; peers modelled "
         "on xl2tpd %zu, accel-ppp %zu\n",
         tally.crashes_lac, tally.crashes_lns, tally.crashes_both, tally.second_crashes,
         tally.peers_xl2tpd, tally.peers_accel_ppp);
  append(out,
         "  tunnels recovered: failover protocol %zu, silent %zu (fall-backs %zu); documented "
         "failures %zu; sessions kept through a crash %zu\n",
         c.recovered_protocol, c.recovered_silent, c.fallbacks, c.documented_failures,
         c.sessions_kept);
  append(out,
         "  tunnels that died of exhausted retransmissions under the loss: %zu (sessions of the "
         "crash they took: %zu)\n",
         tally.tunnels_died_of_loss, c.sessions_lost_to_loss);
  for (const auto* times : {&c.protocol_ms, &c.silent_ms}) {
    if (times->empty()) continue;
    std::vector<double> sorted = *times;
    std::sort(sorted.begin(), sorted.end());
    auto at = [&](double q) {
      return sorted[static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1))];
    };
    append(out,
           "  recovery time, %s (virtual, under the drawn faults): median %.1f ms, "
           "p99 %.1f ms, max %.1f ms\n",
           times == &c.protocol_ms ? "failover protocol" : "silent failover", at(0.5), at(0.99),
           sorted.back());
  }
  return out;
}

}  // namespace hl2tp::sim

// Randomized runs: per seed, random links (latency, jitter that reorders, loss up to 20 %,
// duplication), 1–3 tunnels, calls requested and hung up by either end at random times, sometimes
// tight limits. Once the faults stop, every requested call must have ended established on both
// ends, or cleanly refused or closed with the LAC told so, and the two ends must hold the same
// sessions.
// HL2TP_SIM_SEEDS (default 1000) and HL2TP_SIM_FIRST_SEED choose the seeds; a failure prints its
// seed and the decoded trace of its last datagrams.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "support/lac_lns_pair.hpp"

namespace hl2tp::test {
namespace {

using namespace std::chrono_literals;

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v ? std::strtoull(v, nullptr, 10) : fallback;
}

struct Outcome {
  std::size_t requested = 0, established_both = 0, refused_or_closed = 0;
};

// One seed; returns an empty string when every check holds, else what failed. With `with_crash`,
// one end crashes at a random instant (half the time in the worst window: after a commit, before
// the turn's datagrams leave), stays down up to 20 s, and restarts from its store.
std::string run_seed(std::uint64_t seed, Outcome& outcome, bool with_crash = false) {
  std::mt19937_64 rng(seed ^ 0x5EEDull);
  auto uniform = [&](double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng);
  };
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };

  EndpointConfig lns = lns_config();
  if (pick(0, 4) == 0) lns.limits.max_sessions_per_tunnel = static_cast<std::uint32_t>(pick(1, 6));
  LacLnsPair p(seed, lac_config(), lns);
  for (auto [from, to] : {std::pair(p.lac, p.lns), std::pair(p.lns, p.lac)}) {
    sim::LinkConfig link;
    link.latency = Duration(static_cast<std::int64_t>(uniform(1e3, 30e3)));
    link.jitter = Duration(static_cast<std::int64_t>(uniform(0, 50e3)));
    link.loss = uniform(0, 0.2);
    link.duplicate = uniform(0, 0.1);
    p.sim.set_link(from, to, link);
  }

  std::vector<std::uint16_t> tunnels;
  for (int i = pick(1, 3); i > 0; --i)
    tunnels.push_back(p.open_tunnel(p.lac, p.lns));
  // (tunnel, session) of every call the LAC requested.
  std::vector<std::pair<std::uint16_t, std::uint16_t>> calls;
  const int total_calls = pick(1, 30);
  const int crash_at = with_crash ? pick(0, total_calls) : -1;
  bool lac_crashed = false;
  std::set<SessionKey> before_crash;  // established on both ends when the crash came
  std::set<std::pair<std::uint16_t, std::uint16_t>> forgotten;  // LAC calls pending at its crash
  for (int i = 0; i < total_calls; ++i) {
    if (i == crash_at) {
      const auto failed = pick(0, 1) ? p.lac : p.lns;
      lac_crashed = failed == p.lac;
      before_crash = established_sessions(p.sim.endpoint(p.lac));
      const auto mirrored_lns = mirrored(established_sessions(p.sim.endpoint(p.lns)));
      std::erase_if(before_crash, [&](const SessionKey& k) { return !mirrored_lns.contains(k); });
      if (lac_crashed) {
        for (const auto& call : calls) {
          const std::uint16_t t = call.first, s = call.second;
          const bool up = std::any_of(before_crash.begin(), before_crash.end(), [&](auto& k) {
            return std::get<0>(k) == t && std::get<1>(k) == s;
          });
          if (!up) forgotten.insert({t, s});
        }
      }
      if (pick(0, 1)) {
        p.sim.crash_after_next_commit(failed);
        p.sim.run_until([&] { return p.sim.is_down(failed); }, 2s);
      }
      if (!p.sim.is_down(failed)) p.sim.crash(failed);
      p.sim.run_for(Duration(static_cast<std::int64_t>(uniform(0, 20e6))));
      p.sim.restart(failed, failed == p.lac ? lac_config() : lns);
    }
    p.sim.run_for(Duration(static_cast<std::int64_t>(uniform(0, 300e3))));
    // A crash here would find the store exact: checked at every step of the run.
    if (auto mismatch = p.channel_state_mismatch(); !mismatch.empty()) {
      return "store behind the channel: " + mismatch + "\n" + p.report();
    }
    const auto tid =
        tunnels[static_cast<std::size_t>(pick(0, static_cast<int>(tunnels.size()) - 1))];
    if (auto sid = p.open_session(p.lac, tid, session::Direction::incoming)) {
      calls.emplace_back(tid, *sid);
    }
    // Now and then a hang-up, from either end, of an established call.
    if (pick(0, 5) == 0) {
      const auto node = pick(0, 1) ? p.lac : p.lns;
      auto established = established_sessions(p.sim.endpoint(node));
      if (!established.empty()) {
        auto [t, s, pt, ps] =
            *std::next(established.begin(), pick(0, static_cast<int>(established.size()) - 1));
        p.sim.command(node, [&, t = t, s = s](engine::Endpoint& e, Time now) {
          return e.close_session(now, t, s, {3, std::nullopt, ""});
        });
      }
    }
  }
  outcome.requested += calls.size();

  // Let every exchange finish under the faults. Then the faults stop, and we wait long enough for
  // a tunnel that one end cleared (its retransmissions spent, §5.8) to be noticed by the other end
  // through its own Hello (60 s) and then the longer of its retransmission cycle (31 s) and the
  // peer's Recovery Time hold (60 s by default, RFC 4951 §5.1).
  p.sim.run_until([&] { return p.quiet(); }, 600s);
  p.sim.set_link(p.lac, p.lns, {});
  p.sim.set_link(p.lns, p.lac, {});
  p.sim.run_for(200s);
  if (!p.sim.run_until([&] { return p.quiet(); }, 600s)) return "never became quiet\n" + p.report();

  if (!p.both_agree()) return "the two ends hold different sessions\n" + p.report();
  if (!p.records_match()) return "checkpoint records do not rebuild the sessions\n" + p.report();
  if (!p.store_matches()) return "the store does not hold what the endpoint holds\n" + p.report();
  const auto lac_sessions = established_sessions(p.sim.endpoint(p.lac));
  std::set<std::pair<std::uint16_t, std::uint16_t>> closed_at_lac;
  for (const auto& e : p.sim.events(p.lac)) {
    if (e.kind == EventKind::session_closed) closed_at_lac.insert({e.tunnel_id, e.session_id});
  }
  for (const auto& key : before_crash) {
    // Invariant 1 (architecture.md): established on both ends before the crash and closed by
    // no one: still established after recovery.
    if (!closed_at_lac.contains({std::get<0>(key), std::get<1>(key)}) &&
        !lac_sessions.contains(key)) {
      return "session " + std::to_string(std::get<0>(key)) + "/" +
             std::to_string(std::get<1>(key)) + " was lost in the crash\n" + p.report();
    }
  }
  for (const auto& call : calls) {
    const std::uint16_t tid = call.first, sid = call.second;
    if (forgotten.contains(call)) continue;  // pending in the LAC that crashed: gone with it
    const bool established = std::any_of(lac_sessions.begin(), lac_sessions.end(), [&](auto& k) {
      return std::get<0>(k) == tid && std::get<1>(k) == sid;
    });
    const bool ended = closed_at_lac.contains({tid, sid});
    if (established == ended) {
      return "call " + std::to_string(tid) + "/" + std::to_string(sid) +
             (established ? " is both established and ended" : " neither established nor ended") +
             "\n" + p.report();
    }
    ++(established ? outcome.established_both : outcome.refused_or_closed);
  }
  for (auto node : {p.lac, p.lns}) {
    for (const auto& [id, t] : p.sim.endpoint(node).tunnels()) {
      for (const auto& [sid, s] : t.sessions()) {
        if (s.state() != session::State::established) {
          return "a session left half-open in state " + std::string(session::name(s.state())) +
                 "\n" + p.report();
        }
      }
    }
  }
  return "";
}

// Runs seed `seed` once more and returns its whole trace, for the determinism check.
std::string trace_of(std::uint64_t seed) {
  LacLnsPair p(seed);
  sim::LinkConfig link{std::chrono::milliseconds(3), std::chrono::milliseconds(30), 0.15, 0.1};
  p.sim.set_link(p.lac, p.lns, link);
  p.sim.set_link(p.lns, p.lac, link);
  const auto tid = p.open_tunnel(p.lac, p.lns);
  for (int i = 0; i < 20; ++i)
    (void)p.open_session(p.lac, tid, session::Direction::incoming);
  p.sim.run_for(120s);
  return p.sim.trace().to_string() + std::to_string(p.sim.datagrams_sent());
}

TEST(Determinism, the_same_seed_gives_the_same_trace_byte_for_byte) {
  const std::string first = trace_of(77);
  EXPECT_EQ(trace_of(77), first);
  EXPECT_NE(trace_of(78), first) << "and another seed another run";
  EXPECT_GT(first.size(), 1000u);
}

// Runs the seeds HL2TP_SIM_FIRST_SEED.. (HL2TP_SIM_SEEDS of them) and fails on the first that
// breaks a check, naming it; prints what the campaign did. With HL2TP_SIM_KEEP_GOING=1 (used by
// scripts/simulate.sh) every failing seed is reported on one line and the run goes on. With
// HL2TP_SIM_KEEP_GOING=1 (used by scripts/simulate.sh) every failing seed is reported on one line
// and the run goes on.
Outcome run_campaign(bool with_crash, const char* filter) {
  const std::uint64_t first = env_or("HL2TP_SIM_FIRST_SEED", 0);
  const std::uint64_t seeds = env_or("HL2TP_SIM_SEEDS", 1000);
  const bool keep_going = env_or("HL2TP_SIM_KEEP_GOING", 0) != 0;
  Outcome outcome;
  std::uint64_t violations = 0;
  for (std::uint64_t seed = first; seed < first + seeds; ++seed) {
    const std::string failure = run_seed(seed, outcome, with_crash);
    if (failure.empty()) continue;
    ++violations;
    if (keep_going) {
      std::printf("violation: seed %llu%s: %s\n", static_cast<unsigned long long>(seed),
                  with_crash ? " (crash)" : "", failure.substr(0, failure.find('\n')).c_str());
      continue;
    }
    ADD_FAILURE() << "seed " << seed << ": " << failure
                  << " (reproduce: HL2TP_SIM_FIRST_SEED=" << seed
                  << " HL2TP_SIM_SEEDS=1 --gtest_filter=" << filter << ")";
    return outcome;
  }
  std::printf(
      "simulated %llu seeds%s: %zu calls requested, %zu established on both ends, "
      "%zu refused or closed; %llu invariant violations\n",
      static_cast<unsigned long long>(seeds), with_crash ? " with a crash" : "", outcome.requested,
      outcome.established_both, outcome.refused_or_closed,
      static_cast<unsigned long long>(violations));
  EXPECT_EQ(violations, 0u);
  return outcome;
}

TEST(CrashRuns, a_crash_of_either_end_at_any_instant_loses_no_established_session) {
  run_campaign(/*with_crash=*/true, "CrashRuns.*");
}

TEST(RandomizedRuns, every_call_ends_established_on_both_ends_or_cleanly_refused) {
  const Outcome outcome = run_campaign(/*with_crash=*/false, "RandomizedRuns.*");
  EXPECT_GT(outcome.established_both, outcome.requested / 2) << "the campaign must mostly succeed";
}

}  // namespace
}  // namespace hl2tp::test

#pragma once
// The randomized campaign, one seed at a time (docs/architecture.md §9): per seed, random links
// (latency, jitter that reorders, loss up to 20 %, duplication), 1–3 tunnels, calls requested and
// hung up by either end at random times, sometimes tight limits, each end's failover setting drawn,
// and half the time a peer modelled on xl2tpd or accel-ppp; with a crash, failures of either end or
// both. Once the faults stop, every check of invariants.hpp and crash_invariants.hpp must hold. The
// caller chooses the seeds and what to do with a violation (tests/sim/randomized_test.cpp fails on
// the first, or reports each on one line for scripts/simulate.sh).
#include <cstdint>
#include <string>

#include "sim/crash_invariants.hpp"
#include "sim/invariants.hpp"

namespace hl2tp::sim {

// What a campaign did, summed over its seeds.
struct CampaignTally {
  std::size_t requested = 0;  // calls the LAC requested
  std::size_t crashes_lac = 0, crashes_lns = 0, crashes_both = 0, second_crashes = 0;
  std::size_t peers_xl2tpd = 0, peers_accel_ppp = 0;
  std::size_t tunnels_died_of_loss = 0;
  CheckCounts checked;  // what the checks counted

  void add(const CampaignTally& other);
};

struct SeedOptions {
  bool with_crash = false;
  std::size_t trace_capacity = 200;  // datagrams kept for the report
  bool keep_report = false;          // the report even of a seed whose checks all held
};

// One seed's run.
struct SeedRun {
  std::uint64_t seed = 0;
  bool with_crash = false;
  std::string scenario;   // what the seed drew, for its failure report
  Violations violations;  // empty when every check held
  // The pair's report (pair.report()) when a check failed, or with SeedOptions::keep_report; empty
  // when the core threw InvariantViolation, which is then the one violation.
  std::string report;
  CampaignTally tally;  // what this seed did
};

// Runs `seed`: with `with_crash`, at a random instant the LAC, the LNS or both crash (half the time
// in the worst window: after a commit, before the turn's datagrams leave), stay down for a drawn
// delay within what the non-failed end tolerates, and restart from their stores; sometimes a failed
// end crashes a second time during its recovery. A violated invariant of the core
// (base/invariant.hpp) is reported like a failed check.
SeedRun run_seed(std::uint64_t seed, const SeedOptions& options);

// "violation: seed <seed>[ (crash)]: <the first line of the first violation>": the line
// scripts/simulate.sh prints for each violating seed.
std::string violation_line(const SeedRun& run);

// What the campaign did over `seeds` seeds, several lines, each ending in a newline; the first is
// "simulated <seeds> seeds...: ...; <violations> invariant violations".
std::string summary(const CampaignTally& tally, std::uint64_t seeds, bool with_crash,
                    std::uint64_t violations);

}  // namespace hl2tp::sim

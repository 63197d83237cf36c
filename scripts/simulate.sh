#!/usr/bin/env bash
# A long simulation campaign outside CI: both campaigns of tests/sim/randomized_test.cpp (random
# faults; and random faults with a crash of either end) over N seeds from S.
# Usage: scripts/simulate.sh --seeds N [--from S]
# Every violating seed is printed with a one-line reason (reproduce one with
#   HL2TP_SIM_FIRST_SEED=<seed> HL2TP_SIM_SEEDS=1 build/gcc/tests/sim_randomized_tests),
# and the last line is "simulated N seeds: V invariant violations": each seed runs in both
# campaigns, and V counts the violating runs of either.
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=1000 from=0
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds=$2; shift 2 ;;
    --from) from=$2; shift 2 ;;
    *) echo "usage: $0 --seeds N [--from S]" >&2; exit 2 ;;
  esac
done
./scripts/setup.sh >/dev/null
cmake -S . -B build/gcc -G Ninja -DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/gcc --target sim_randomized_tests >/dev/null
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
HL2TP_SIM_KEEP_GOING=1 HL2TP_SIM_FIRST_SEED="$from" HL2TP_SIM_SEEDS="$seeds" \
  ./build/gcc/tests/sim_randomized_tests --gtest_filter='CrashRuns.*:RandomizedRuns.*' | tee "$log" |
  grep -E '^(violation|simulated|  )'
set -e
summaries=$(grep -c '^simulated ' "$log" || true)
if [ "$summaries" -ne 2 ]; then
  echo "simulated ${seeds} seeds: campaign did not finish (crashed?)"
  exit 1
fi
violations=$(grep -c '^violation' "$log" || true)
echo "simulated ${seeds} seeds: ${violations} invariant violations"
[ "$violations" -eq 0 ]

#!/usr/bin/env bash
# Runs the benchmarks on this machine and prints medians; BENCHMARKS.md records them with the
# command and the machine. Benchmarks are never run as tests. They measure the build we ship
# (RelWithDebInfo, -O2); g++ 12 at -O3 raises false -Wrestrict warnings inside libstdc++ (GCC PR 105329).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake -S . -B build/benchmarks -G Ninja -DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/benchmarks --target codec_bench engine_bench recovery_bench l2tp_loadgen hl2tpd \
  hl2tpctl >/dev/null
mkdir -p bench/results
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "== codec"
./build/benchmarks/bench/codec_bench --benchmark_repetitions=9 --benchmark_report_aggregates_only=true \
  --benchmark_display_aggregates_only=true --benchmark_out=bench/results/codec.json \
  --benchmark_out_format=json
echo
echo "== engine in the simulator: memory and set-up throughput (5 runs)"
./build/benchmarks/bench/engine_bench 5
echo
echo "== recovery after a crash in the simulator: 1,000 tunnels / 100,000 sessions (5 runs)"
./build/benchmarks/bench/recovery_bench 5
echo
# Real daemons on loopback (issue 7): set-up rates against xl2tpd, recovery after SIGKILL, memory,
# idle cost. Writes its section of BENCHMARKS.md from bench/results/daemon.json.
echo "== daemons on loopback (bench/daemon_bench.py, 5 runs each)"
python3 bench/daemon_bench.py build/benchmarks --runs 5 "$@" > bench/results/daemon.json
python3 bench/write_daemon_section.py bench/results/daemon.json BENCHMARKS.md "./scripts/bench.sh"
echo "BENCHMARKS.md: daemon section written from bench/results/daemon.json"

#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time on a scratch corpus seeded from fuzz/corpus/<name>.
# Usage: run_bounded.sh FUZZER SEED_DIR SECONDS. Fails if the fuzzer finds a crash or a leak.
set -euo pipefail
fuzzer=$1 seeds=$2 seconds=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
"$fuzzer" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" "$seeds" 2>&1 | tail -n 25
status=${PIPESTATUS[0]}
if ls "$work/artifacts"/* >/dev/null 2>&1; then
  echo "fuzzer left artifacts:"; ls -l "$work/artifacts"
  for a in "$work/artifacts"/*; do od -A x -t x1z "$a" | head -20; done
  exit 1
fi
exit "$status"

#!/usr/bin/env bash
# Runs every test suite from a clean checkout on Debian 12: installs what is missing, then
#   1. g++ build (-Werror), every suite except fuzz;
#   2. clang build under ASan + UBSan with the libFuzzer targets, every suite including bounded fuzzing.
# Extra arguments go to ctest, e.g. `scripts/test.sh -L unit` runs one suite in both builds.
# Ends with one line: "tests: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

./scripts/setup.sh

jobs=$(nproc)
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

run_suite() {  # name, build dir, ctest arguments...
  local name=$1 dir=$2
  shift 2
  echo "== ${name}: ctest $*"
  set +e
  ctest --test-dir "$dir" --output-on-failure -j"$jobs" "$@" 2>&1 | tee "$logs/$name.log"
  set -e
}

echo "== build: g++"
cmake -S "$root" -B build/gcc -G Ninja -DCMAKE_CXX_COMPILER=g++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/gcc
run_suite gcc build/gcc -LE fuzz "$@"

echo "== build: clang with ASan + UBSan and the fuzz targets"
cmake -S "$root" -B build/clang-sanitize -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHL2TP_SANITIZE=ON -DHL2TP_FUZZ=ON -DHL2TP_BENCH=OFF >/dev/null
cmake --build build/clang-sanitize
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite clang-sanitize build/clang-sanitize "$@"

passed=0 failed=0
for log in "$logs"/*.log; do
  line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1 || true)
  if [ -z "$line" ]; then
    if grep -q "No tests were found" "$log"; then continue; fi
    echo "no ctest summary in $(basename "$log" .log): counting the run as failed"
    failed=$((failed + 1))
    continue
  fi
  f=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
  t=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
  passed=$((passed + t - f))
  failed=$((failed + f))
done
echo "tests: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

#!/usr/bin/env bash
# The main job: two hl2tpd on loopback survive a crash. An LNS on 127.0.0.2 and a LAC on 127.0.0.1
# (stores in a temporary directory) carry 1,000 sessions over 10 tunnels; the LAC is killed with
# SIGKILL and started again, then the LNS, then the LAC once more with disable-failover-protocol
# (silent failover). `hl2tpctl show summary` of both ends is shown before and after each crash.
# The last line is machine-readable:
#   demo: sessions_before=N sessions_after=N lost=L recovery_ms=T   (the worst of the runs)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh >/dev/null
cmake -S . -B build/gcc -G Ninja -DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/gcc --target hl2tpd hl2tpctl >/dev/null
exec python3 scripts/failover_demo.py "$@"

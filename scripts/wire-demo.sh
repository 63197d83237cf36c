#!/usr/bin/env bash
# The codec at work (the first demo, kept): an L2TP exchange with
# tunnel authentication, hidden AVPs, RFC 4951 failover capability, a recovery tunnel and FSQ/FSR is
# encoded into a pcap, read back and decoded by hl2tp, then dissected by tshark for comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake -S . -B build/gcc -G Ninja -DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/gcc --target hl2tp-wire-demo >/dev/null
out=${1:-build/demo.pcap}
echo "== hl2tp decodes the capture"
./build/gcc/tools/hl2tp-wire-demo "$out"
echo
echo "== tshark dissects the same capture (hidden AVPs stay hidden to it: it has no secret)"
tshark -n -r "$out" 2>/dev/null

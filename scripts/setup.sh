#!/usr/bin/env bash
# Installs every Debian package that building, testing and benchmarking hl2tp need.
# Idempotent: packages already present are not fetched again, and apt-get update runs only when
# something is missing. Assumes a fresh Debian 12 machine and root (or sudo).
set -euo pipefail

packages=(
  # toolchain and build
  build-essential g++ clang lld llvm cmake ninja-build pkg-config
  # libraries the project is built on (see README "Libraries")
  libgtest-dev libgmock-dev libbenchmark-dev libssl-dev libsqlite3-dev libtomlplusplus-dev
  libcli11-dev nlohmann-json3-dev libfmt-dev libspdlog-dev libsystemd-dev
  # sanitizer and fuzzer runtimes for clang (libFuzzer, ASan, UBSan)
  libclang-rt-14-dev
  # independent checks: tshark dissects what we encode; xl2tpd is the interop peer
  tshark xl2tpd
  # test helpers
  python3 iproute2 procps
  # the Debian package (scripts/package.sh: CPack runs dpkg-shlibdeps) and its test: maintainer
  # scripts (systemd-sysusers, deb-systemd-helper), manual pages rendered, completion loaded
  dpkg-dev systemd init-system-helpers man-db groff-base bash-completion
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer "no" without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | "${sudo_cmd[@]}" debconf-set-selections
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# xl2tpd's package starts its service; our interop tests run their own instances.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet xl2tpd 2>/dev/null; then
  "${sudo_cmd[@]}" systemctl stop xl2tpd || true
fi
echo "setup: done"

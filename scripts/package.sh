#!/usr/bin/env bash
# Builds the Debian package hl2tp from a build tree with CPack's DEB generator: no second compile,
# the package holds what the tests ran. Installs what is missing first (scripts/setup.sh), and
# configures the build tree the way scripts/test.sh does if it is not configured yet.
#
# Usage: scripts/package.sh [--build DIR] [--output DIR] [--version VERSION]
#   --build    the build tree (default build/gcc); a sanitizer build is refused
#   --output   where the .deb goes (default build/packages)
#   --version  the package's version (default: the project's, from CMakeLists.txt)
# The last line names the package: "package: PATH".
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

build=build/gcc output=build/packages version=""
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift 2 ;;
    --output) output=$2; shift 2 ;;
    --version) version=$2; shift 2 ;;
    *) echo "usage: $0 [--build DIR] [--output DIR] [--version VERSION]" >&2; exit 2 ;;
  esac
done

./scripts/setup.sh >/dev/null
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=g++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
if grep -q '^HL2TP_SANITIZE:BOOL=ON' "$build/CMakeCache.txt"; then
  echo "package: $build is a sanitizer build; package a plain one (build/gcc)" >&2
  exit 2
fi
# What the install rules take: the programs, the compressed manual pages and changelog.
cmake --build "$build" --target hl2tpd hl2tpctl hl2tp_manual_pages hl2tp_doc_files >/dev/null

mkdir -p "$output"
output=$(cd "$output" && pwd)
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
args=(-B "$staging")
[ -z "$version" ] || args+=(-D "CPACK_DEBIAN_PACKAGE_VERSION=$version")
(cd "$build" && cpack "${args[@]}" >"$staging/cpack.log") || {
  cat "$staging/cpack.log" >&2
  exit 1
}
deb=$(find "$staging" -maxdepth 1 -name 'hl2tp_*.deb')
mv "$deb" "$output/"
echo "package: $output/$(basename "$deb")"

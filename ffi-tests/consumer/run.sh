#!/usr/bin/env bash
# Builds the consumer project against an installed simdkern and runs it:
# find_package (shared, static, umbrella) and pkg-config (shared, static).
#   ffi-tests/consumer/run.sh PREFIX
set -euo pipefail

if [[ $# -ne 1 || ! -d $1 ]]; then
    echo "usage: $0 PREFIX   (an existing simdkern install prefix)" >&2
    exit 2
fi
prefix=$(cd "$1" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/simdkern-consumer.XXXXXX")
trap 'rm -rf "$work"' EXIT
cmake=${CMAKE:-cmake}  # ctest passes the cmake that runs it
# lib/ or lib/<multiarch>/ (GNUInstallDirs): wherever the real library went.
lib=$(find "$prefix" -name 'libsimdkern.so.*' -type f | head -n 1)
if [[ -z $lib ]]; then
    echo "no libsimdkern.so.* under $prefix; run cmake --install first" >&2
    exit 1
fi
libdir=$(dirname "$lib")

echo "== find_package(simdkern) from $prefix"
"$cmake" -S "$here" -B "$work/build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release
"$cmake" --build "$work/build"
# CMake gives the build tree an RPATH to the install's libdir; no
# LD_LIBRARY_PATH needed. The static one must not need libsimdkern.so at all.
"$work/build/consumer_shared"
"$work/build/consumer_umbrella"
"$work/build/consumer_static"
if ldd "$work/build/consumer_static" | grep libsimdkern >/dev/null; then  # no -q: SIGPIPE + pipefail
    echo "consumer_static links libsimdkern dynamically" >&2
    exit 1
fi

echo "== pkg-config simdkern"
if ! command -v pkg-config >/dev/null; then
    echo "pkg-config is missing: apt-get install pkg-config" >&2
    exit 1
fi
export PKG_CONFIG_PATH="$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
echo "version $(pkg-config --modversion simdkern): $(pkg-config --cflags --libs simdkern)"
# shellcheck disable=SC2046  # pkg-config output is meant to be word-split
cc -o "$work/pc_shared" "$here/main.c" $(pkg-config --cflags --libs simdkern)
LD_LIBRARY_PATH="$libdir" "$work/pc_shared"
# Static: the archive plus Libs.private (what --static adds), minus -lsimdkern.
static_libs=$(pkg-config --static --libs-only-l simdkern)
static_libs=${static_libs//-lsimdkern/}
# shellcheck disable=SC2046,SC2086
cc -o "$work/pc_static" "$here/main.c" $(pkg-config --cflags simdkern) "$libdir/libsimdkern.a" $static_libs
"$work/pc_static"
echo "consumer: OK"

#!/usr/bin/env bash
# Side-by-side: simdkern vs OpenBLAS (1 thread) for sdot/ddot, and
# sk_dot_u8s8 vs sk_sdot. Builds the crate in release, compiles the C driver
# against target/release/libsimdkern.so and -lopenblas, runs it.
#
#   bash benches/peers/run.sh            # full: in-cache sizes and 64M
#   bash benches/peers/run.sh --quick    # in-cache sizes only, short batches
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
cc="${CC:-cc}"

has_cblas() { echo '#include <cblas.h>' | "$cc" -E -x c - >/dev/null 2>&1; }
if ! has_cblas; then
    # DESIGN.md: scripts install what they use, or stop with one line.
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "run.sh: installing libopenblas-dev" >&2
        { apt-get update -qq && apt-get install -y -qq libopenblas-dev; } >/dev/null 2>&1 || true
    fi
    has_cblas || { echo "run.sh: cblas.h not found; install libopenblas-dev (apt-get install libopenblas-dev)" >&2; exit 1; }
fi

cargo build --release --lib --quiet
out="$target_dir/peers"
mkdir -p "$out"
# build.rs gives the library the soname libsimdkern.so.<major>, which the
# driver records as NEEDED; cargo writes only libsimdkern.so, so link it
# under that name next to the driver (as CMake's staging step does).
major="$(sed -n 's/^version *= *"\([0-9]*\)\..*/\1/p' Cargo.toml | head -n 1)"
ln -sf "$target_dir/release/libsimdkern.so" "$out/libsimdkern.so.$major"
"$cc" -O2 -std=c11 -Wall -Wextra -I include benches/peers/blas1_vs_openblas.c \
    -o "$out/blas1_vs_openblas" \
    -L "$target_dir/release" -lsimdkern -lopenblas -lm -Wl,-rpath,"$out"

# OpenBLAS 0.3.21 (Debian 12) does not recognise every CPU it could serve:
# on a Sapphire Rapids VM ("Intel(R) Xeon(R) Processor") its DYNAMIC_ARCH
# detection falls back to Prescott (SSE3) kernels, which would make this a
# comparison with a crippled peer. Unless the caller chose a core type,
# pick the best kernel set the CPU's flags allow. The driver prints the one
# in use.
if [ -z "${OPENBLAS_CORETYPE:-}" ] && [ -r /proc/cpuinfo ]; then
    flags="$(grep -m 1 '^flags' /proc/cpuinfo)"
    case "$flags" in
        *avx512_bf16*) export OPENBLAS_CORETYPE=Cooperlake ;;
        *avx512f*) export OPENBLAS_CORETYPE=SkylakeX ;;
        *avx2*) export OPENBLAS_CORETYPE=Haswell ;;
    esac
fi

# openblas_set_num_threads(1) is called too; the variable also keeps
# OpenBLAS from starting its pool at load time.
OPENBLAS_NUM_THREADS=1 "$out/blas1_vs_openblas" "$@"

#!/usr/bin/env bash
# Side-by-side QR / SVD / randomized SVD (issue 5): simdkern (sk_qr_*,
# sk_svd_*, sk_rsvd_* through ctypes) vs numpy.linalg, scipy.linalg and
# scikit-learn's randomized_svd, in one Python process. Builds the crate in
# release, makes sure numpy, scipy and scikit-learn import, runs
# benches/peers/svd_peers.py with the arguments given here.
#
#   bash benches/peers/run_svd.sh                 # full: 7 rounds (~2-3 min on 2 cores)
#   bash benches/peers/run_svd.sh --quick         # 3 rounds
#   bash benches/peers/run_svd.sh --threads 1     # OpenBLAS and simdkern on 1 thread
#   bash benches/peers/run_svd.sh --check         # one run each, accuracy PASS/FAIL (exit 1 on FAIL)
#   bash benches/peers/run_svd.sh --peers-only    # numpy/scipy/sklearn only (no build)
#   bash benches/peers/run_svd.sh --only rsvd     # some of rsvd,svd,qr
#
# SIMDKERN_LIB=/path/libsimdkern.so overrides the library the script loads;
# PYTHON picks the interpreter (default python3).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
py="${PYTHON:-python3}"

command -v "$py" >/dev/null || { echo "run_svd.sh: $py not found; install python3" >&2; exit 1; }

# import name -> pip name
declare -A pkg=([numpy]=numpy [scipy]=scipy [sklearn]=scikit-learn)
missing_py() {
    missing=()
    for mod in numpy scipy sklearn; do
        "$py" -c "import $mod" >/dev/null 2>&1 || missing+=("${pkg[$mod]}")
    done
}
missing_py
if [ ${#missing[@]} -gt 0 ]; then
    # DESIGN.md: scripts install what they use, or stop with one line.
    echo "run_svd.sh: installing ${missing[*]}" >&2
    "$py" -m pip install --quiet "${missing[@]}" >/dev/null 2>&1 || true
    missing_py
    if [ ${#missing[@]} -gt 0 ]; then
        echo "run_svd.sh: $py lacks ${missing[*]}; install them ($py -m pip install ${missing[*]})" >&2
        exit 1
    fi
fi

# --peers-only needs no library: skip the build (it may be mid-change).
peers_only=0
for a in "$@"; do [ "$a" = --peers-only ] && peers_only=1; done
if [ "$peers_only" = 0 ] && [ -z "${SIMDKERN_LIB:-}" ]; then
    cargo build --release --lib --quiet
fi

# OpenBLAS (numpy's and scipy's wheels bundle their own) may not recognise
# every CPU it could serve: on a Sapphire Rapids VM an older DYNAMIC_ARCH
# build falls back to Prescott (SSE3) kernels. Unless the caller chose a
# core type, pick the best kernel set the CPU's flags allow (as run.sh
# does). The script prints the core type each OpenBLAS runs.
if [ -z "${OPENBLAS_CORETYPE:-}" ] && [ -r /proc/cpuinfo ]; then
    flags="$(grep -m 1 '^flags' /proc/cpuinfo)"
    case "$flags" in
        *avx512_bf16*) export OPENBLAS_CORETYPE=Cooperlake ;;
        *avx512f*) export OPENBLAS_CORETYPE=SkylakeX ;;
        *avx2*) export OPENBLAS_CORETYPE=Haswell ;;
    esac
fi

# Idle OpenBLAS workers spin 2^28 cycles (~0.1 s) before they sleep; with
# methods interleaved, numpy's pool would still be spinning when simdkern's
# call starts. Cap the spin near a millisecond (unless the caller chose);
# the script sleeps 5 ms before every timed call. libgomp likewise.
export OPENBLAS_THREAD_TIMEOUT="${OPENBLAS_THREAD_TIMEOUT:-22}" # 2^22 cycles
export GOMP_SPINCOUNT="${GOMP_SPINCOUNT:-20000}"

exec "$py" benches/peers/svd_peers.py "$@"

#!/usr/bin/env bash
# Side-by-side int8 weight entropy coding (the rANS codec): simdkern
# (sk_rans_* through ctypes, 1 and 2 threads) vs constriction's AnsCoder
# with one fixed Categorical model and zstd levels 3 and 19 (zstandard), in
# one Python process, on three 4096 x 4096 per-row-quantized int8 matrices
# (Gaussian, Laplace, Student-t 3). Sizes against the order-0 entropy,
# encode and decode MB/s, exact round trips, the issue's targets. Builds
# the crate in release, makes sure numpy, constriction and zstandard
# import, runs benches/peers/rans_peers.py with the arguments given here.
#
#   bash benches/peers/run_rans.sh                    # full: 7 rounds (~95 s on 2 cores, plus the build)
#   bash benches/peers/run_rans.sh --quick            # 3 rounds
#   bash benches/peers/run_rans.sh --check            # verification only, PASS/FAIL (exit 1 on FAIL)
#   bash benches/peers/run_rans.sh --threads 4        # threads of the threaded rows (default 2)
#   bash benches/peers/run_rans.sh --isa avx2         # cap simdkern's ISA (scalar|avx2|avx512|avx512_vnni)
#   bash benches/peers/run_rans.sh --quick --scale 0.25   # 1024 x 1024 matrices (smoke test)
#
# zstd -19 encodes in 1 round in every mode (seconds per matrix).
# SIMDKERN_LIB=/path/libsimdkern.so overrides the library the script loads
# (no build then); CARGO_TARGET_DIR is honoured; PYTHON picks the
# interpreter (default python3).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
py="${PYTHON:-python3}"

command -v "$py" >/dev/null || { echo "run_rans.sh: $py not found; install python3" >&2; exit 1; }

missing_py() {
    missing=()
    for mod in numpy constriction zstandard; do
        "$py" -c "import $mod" >/dev/null 2>&1 || missing+=("$mod")
    done
}
missing_py
if [ ${#missing[@]} -gt 0 ]; then
    # install what the script uses, or stop with one line
    echo "run_rans.sh: installing ${missing[*]}" >&2
    "$py" -m pip install --quiet "${missing[@]}" >/dev/null 2>&1 || true
    missing_py
    if [ ${#missing[@]} -gt 0 ]; then
        echo "run_rans.sh: $py lacks ${missing[*]}; install them ($py -m pip install ${missing[*]})" >&2
        exit 1
    fi
fi

if [ -z "${SIMDKERN_LIB:-}" ]; then
    cargo build --release --lib --quiet
fi

exec "$py" benches/peers/rans_peers.py "$@"

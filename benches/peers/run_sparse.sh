#!/usr/bin/env bash
# Side-by-side sparse CSR (issue 6): simdkern (sk_csr_* through ctypes) vs
# scipy.sparse, in one Python process: random and banded SpMV, SpMM,
# SpGEMM, and sparse x dense at 0.1% density against sk_dgemm and
# sk_matmul_auto_f64. Builds the crate in release, builds the memory-
# bandwidth probe benches/peers/stream_bw.c into a temporary directory,
# makes sure numpy and scipy import, runs benches/peers/sparse_peers.py
# with the arguments given here.
#
#   bash benches/peers/run_sparse.sh                # full: 7 rounds, SpMM/SpGEMM 5 (~70 s on 2 cores)
#   bash benches/peers/run_sparse.sh --quick        # 3 rounds (~1 min)
#   bash benches/peers/run_sparse.sh --threads 2    # threads of the threaded SpMM row (default all cores)
#   bash benches/peers/run_sparse.sh --check        # verification only, PASS/FAIL (exit 1 on FAIL)
#   bash benches/peers/run_sparse.sh --peers-only   # scipy only (no build)
#   bash benches/peers/run_sparse.sh --only spmv,banded   # some of spmv,banded,spmm,spgemm,dense
#   bash benches/peers/run_sparse.sh --quick --scale 0.05 # small matrices (smoke test)
#
# SIMDKERN_LIB=/path/libsimdkern.so overrides the library the script loads
# (no build then); CARGO_TARGET_DIR is honoured; PYTHON picks the
# interpreter (default python3), CC the C compiler for the probe (default cc).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
py="${PYTHON:-python3}"
cc="${CC:-cc}"

command -v "$py" >/dev/null || { echo "run_sparse.sh: $py not found; install python3" >&2; exit 1; }

missing_py() {
    missing=()
    for mod in numpy scipy; do
        "$py" -c "import $mod" >/dev/null 2>&1 || missing+=("$mod")
    done
}
missing_py
if [ ${#missing[@]} -gt 0 ]; then
    # DESIGN.md: scripts install what they use, or stop with one line.
    echo "run_sparse.sh: installing ${missing[*]}" >&2
    "$py" -m pip install --quiet "${missing[@]}" >/dev/null 2>&1 || true
    missing_py
    if [ ${#missing[@]} -gt 0 ]; then
        echo "run_sparse.sh: $py lacks ${missing[*]}; install them ($py -m pip install ${missing[*]})" >&2
        exit 1
    fi
fi

# --peers-only needs no library: skip the build (it may be mid-change).
peers_only=0
for a in "$@"; do [ "$a" = --peers-only ] && peers_only=1; done
if [ "$peers_only" = 0 ] && [ -z "${SIMDKERN_LIB:-}" ]; then
    cargo build --release --lib --quiet
fi

# The bandwidth probe: a throwaway shared library, loaded with ctypes.
tmp="$(mktemp -d "${TMPDIR:-/tmp}/sk_stream_bw.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
if ! "$cc" -O3 -march=native -shared -fPIC benches/peers/stream_bw.c -o "$tmp/libstream_bw.so" 2>"$tmp/cc.log"; then
    echo "run_sparse.sh: $cc could not build benches/peers/stream_bw.c ($(head -n 1 "$tmp/cc.log")); set CC to a C compiler" >&2
    exit 1
fi

# No exec: the trap removes the probe afterwards.
"$py" benches/peers/sparse_peers.py --stream-lib "$tmp/libstream_bw.so" "$@"

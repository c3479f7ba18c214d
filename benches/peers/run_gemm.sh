#!/usr/bin/env bash
# Side-by-side GEMM: simdkern (sk_sgemm, sk_dgemm and the Strassen variants)
# vs OpenBLAS, BLIS and oneDNN in one process, at 1 and 2 threads. Builds
# the crate in release, compiles the C driver against
# target/release/libsimdkern.so, -lopenblas and -ldnnl (BLIS is dlopen()ed
# with RTLD_LOCAL: it exports cblas_* too), runs it.
#
#   bash benches/peers/run_gemm.sh            # full: n up to 4096 (~7-10 min on 2 cores)
#   bash benches/peers/run_gemm.sh --quick    # n up to 2048, short batches (~1 min)
#   bash benches/peers/run_gemm.sh --only sk,DNNL   # some libraries (OpenBLAS always runs)
#   bash benches/peers/run_gemm.sh --int8           # only the int8 GEMM and qlinear tables
#   bash benches/peers/run_gemm.sh --sizes 16,32    # only these square sizes (no NN shapes)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
cc="${CC:-cc}"

# OpenBLAS's cblas.h: Debian keeps it per threading flavour and points
# /usr/include/<triplet>/cblas.h at one through alternatives, which BLIS
# can also claim; prefer an OpenBLAS directory explicitly when there is one.
ob_inc=()
for flavour in pthread openmp serial; do
    for d in /usr/include/*-linux-gnu/openblas-$flavour /usr/include/openblas; do
        if [ -r "$d/cblas.h" ]; then ob_inc=(-I "$d"); break 2; fi
    done
done

has_header() { echo "#include <$1>" | "$cc" -E -x c "${ob_inc[@]}" - >/dev/null 2>&1; }
# (grep reads all of its input: with -q, ldconfig could die of SIGPIPE and
# pipefail would report the library missing.)
has_blis_lib() { ldconfig -p 2>/dev/null | grep 'libblis\.so\.4 ' >/dev/null; }

# header -> Debian package
declare -A pkg=([cblas.h]=libopenblas-dev [blis.h]=libblis-dev [oneapi/dnnl/dnnl.h]=libdnnl-dev)
missing=()
for h in cblas.h blis.h oneapi/dnnl/dnnl.h; do
    has_header "$h" || missing+=("${pkg[$h]}")
done
has_blis_lib || [[ " ${missing[*]} " == *" libblis-dev "* ]] || missing+=(libblis-dev)
if [ ${#missing[@]} -gt 0 ]; then
    # DESIGN.md: scripts install what they use, or stop with one line.
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && [ -z "${RUN_GEMM_TRIED_APT:-}" ]; then
        echo "run_gemm.sh: installing ${missing[*]}" >&2
        { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
          DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
            >/dev/null 2>&1 || true
        # A fresh install may have moved the cblas.h alternative: look again
        # from the top (once; a failed install then stops below).
        RUN_GEMM_TRIED_APT=1 exec bash "${BASH_SOURCE[0]}" "$@"
    fi
    echo "run_gemm.sh: missing ${missing[*]}; install them (apt-get install ${missing[*]})" >&2
    exit 1
fi

cargo build --release --lib --quiet
out="$target_dir/peers"
mkdir -p "$out"
# build.rs gives the library the soname libsimdkern.so.<major>, which the
# driver records as NEEDED; cargo writes only libsimdkern.so, so link it
# under that name next to the driver (as run.sh and CMake's staging do).
major="$(sed -n 's/^version *= *"\([0-9]*\)\..*/\1/p' Cargo.toml | head -n 1)"
ln -sf "$target_dir/release/libsimdkern.so" "$out/libsimdkern.so.$major"
"$cc" -O2 -std=gnu11 -Wall -Wextra -fopenmp -I include "${ob_inc[@]}" \
    benches/peers/gemm_vs_blas.c -o "$out/gemm_vs_blas" \
    -L "$target_dir/release" -lsimdkern -lopenblas -ldnnl -ldl -lpthread -lm \
    -Wl,-rpath,"$out"

# OpenBLAS 0.3.21 (Debian 12) does not recognise every CPU it could serve:
# on a Sapphire Rapids VM its DYNAMIC_ARCH detection falls back to Prescott
# (SSE3) kernels. Unless the caller chose a core type, pick the best kernel
# set the CPU's flags allow (as run.sh does). The driver prints the one in use.
if [ -z "${OPENBLAS_CORETYPE:-}" ] && [ -r /proc/cpuinfo ]; then
    flags="$(grep -m 1 '^flags' /proc/cpuinfo)"
    case "$flags" in
        *avx512_bf16*) export OPENBLAS_CORETYPE=Cooperlake ;;
        *avx512f*) export OPENBLAS_CORETYPE=SkylakeX ;;
        *avx2*) export OPENBLAS_CORETYPE=Haswell ;;
    esac
fi

# BLIS 0.9 likewise falls back to its AVX2 (haswell) sub-config on Xeons
# whose FMA units it cannot count; the driver sets BLIS_ARCH_TYPE=skx when
# it measures two AVX-512 FMA units, unless BLIS_ARCH_TYPE is already set.

# Idle worker threads spin before they sleep: OpenBLAS for 2^28 cycles
# (~0.1 s), libgomp (BLIS, oneDNN) for GOMP_SPINCOUNT=300000 pause loops
# (~10 ms on cores with a slow `pause`). On two cores a pool still spinning
# from the previous library's batch would steal a core from the next one.
# Cap both spins near a millisecond (unless the caller chose); the driver
# sleeps 5 ms before every batch, so each batch starts with the others'
# workers asleep, while calls inside a batch still find their pool spinning.
export OPENBLAS_THREAD_TIMEOUT="${OPENBLAS_THREAD_TIMEOUT:-22}" # 2^22 cycles
export GOMP_SPINCOUNT="${GOMP_SPINCOUNT:-20000}"

# Pools sized for the largest thread count the driver asks for (2); it
# switches between 1 and 2 with openblas_set_num_threads,
# bli_thread_set_num_threads, omp_set_num_threads and sk_set_num_threads.
# Unset BLIS/OMP thread variables so only those calls decide.
unset BLIS_NUM_THREADS OMP_NUM_THREADS BLIS_JC_NT BLIS_IC_NT BLIS_JR_NT BLIS_IR_NT
OPENBLAS_NUM_THREADS=2 "$out/gemm_vs_blas" "$@"

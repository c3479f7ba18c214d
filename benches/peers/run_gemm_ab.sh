#!/usr/bin/env bash
# Before/after for GEMM changes: builds simdkern at each git revision given
# (the working tree for "."), loads all builds into one process
# (benches/peers/gemm_ab.c) and times them interleaved, round by round.
# The first revision is the base of the "speed vs first" column.
#
#   bash benches/peers/run_gemm_ab.sh f612291 .                  # f32 and f64, n = 256 384 512
#   bash benches/peers/run_gemm_ab.sh f612291 . --sizes 128,256 --types s --rounds 30 --threads 2
#
# With --rans the builds decode the same rANS container instead
# (benches/peers/rans_ab.c: sk_rans_open + sk_rans_decode_s8 of a 4096 x
# 4096 int8 matrix); --isa N caps them at SK_ISA_* value N (1 = AVX2).
#   bash benches/peers/run_gemm_ab.sh HEAD . --rans --rounds 40 [--isa 1]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
cc="${CC:-cc}"

revs=() sizes=256,384,512 types=s,d rounds=30 threads=1 rans=0 isa=255
while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) sizes="$2"; shift 2 ;;
        --types) types="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        --rans) rans=1; shift ;;
        --isa) isa="$2"; shift 2 ;;
        -*) echo "run_gemm_ab.sh: unknown option $1" >&2; exit 2 ;;
        *) revs+=("$1"); shift ;;
    esac
done
if [ ${#revs[@]} -lt 2 ]; then
    echo "run_gemm_ab.sh: give at least two revisions (\".\" is the working tree)" >&2
    exit 2
fi

out="$target_dir/gemm_ab"
mkdir -p "$out"
libs=()
for rev in "${revs[@]}"; do
    if [ "$rev" = . ]; then
        cargo build --release --lib --quiet
        lib="$out/worktree/libsimdkern.so"
        mkdir -p "$out/worktree"
        cp "$target_dir/release/libsimdkern.so" "$lib"
    else
        sha="$(git rev-parse --short=12 "$rev^{commit}")"
        lib="$out/$sha/libsimdkern.so"
        if [ ! -f "$lib" ]; then
            tree="$out/$sha-src"
            rm -rf "$tree"
            git worktree add --detach --force "$tree" "$sha" >/dev/null
            (cd "$tree" && CARGO_TARGET_DIR="$out/$sha-target" cargo build --release --lib --quiet)
            mkdir -p "$out/$sha"
            cp "$out/$sha-target/release/libsimdkern.so" "$lib"
            git worktree remove --force "$tree"
        fi
    fi
    libs+=("$lib")
done

if [ "$rans" = 1 ]; then
    "$cc" -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -o "$out/rans_ab" \
        benches/peers/rans_ab.c -ldl -lm
    echo "rans_ab: ${revs[*]} (libraries in $out); $rounds rounds, $threads thread(s), ISA cap $isa"
    "$out/rans_ab" "$rounds" "$threads" "$isa" "${libs[@]}"
    exit 0
fi
"$cc" -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -o "$out/gemm_ab" \
    benches/peers/gemm_ab.c -ldl
echo "gemm_ab: ${revs[*]} (libraries in $out); $rounds rounds, $threads thread(s)"
for t in ${types//,/ }; do
    for n in ${sizes//,/ }; do
        "$out/gemm_ab" "$n" "$t" "$rounds" "$threads" "${libs[@]}"
    done
done

#!/usr/bin/env bash
# The project's test command: formatting, lints, Rust tests, the C/C++
# packaging (CMake build, ctest: C, C++, install + find_package/pkg-config
# consumer, Python), the Python ctypes test and a bounded run of every
# cargo-fuzz target (SIMDKERN_FUZZ_SECONDS each, default 30). CI runs it on a fresh Debian
# machine as root; it installs what it needs or stops naming what is missing.
#
#   scripts/test-all.sh
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
build=build/ci
start=$SECONDS

banner() {
    printf '\n==== %s (%ss elapsed) ====\n' "$*" "$((SECONDS - start))"
}

die() {
    echo "test-all: $*" >&2
    exit 1
}

can_apt() {
    [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null
}

apt_updated=0
apt_install() {
    can_apt || die "missing $*; install it (Debian: apt-get install $*)"
    if [[ $apt_updated -eq 0 ]]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

banner "tools"
command -v cargo >/dev/null || die "cargo is missing; install Rust with rustup (https://rustup.rs)"
# cargo subcommand -> rustup component
for sub in fmt:rustfmt clippy:clippy; do
    if ! cargo "${sub%%:*}" --version >/dev/null 2>&1; then
        command -v rustup >/dev/null ||
            die "cargo ${sub%%:*} is missing; install the ${sub#*:} component"
        rustup component add "${sub#*:}"
    fi
done

# command -> Debian package providing it
declare -A apt_pkg=([cmake]=cmake [pkg-config]=pkg-config [cc]=gcc [c++]=g++ [make]=make
                    [python3]=python3)
missing=()
for tool in cmake pkg-config cc c++ make python3; do
    command -v "$tool" >/dev/null || missing+=("${apt_pkg[$tool]}")
done
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "installing ${missing[*]}"
    apt_install "${missing[@]}"
    for tool in cmake pkg-config cc c++ make python3; do
        command -v "$tool" >/dev/null || die "$tool is still missing after apt-get install"
    done
fi
if ! python3 -c 'import numpy' 2>/dev/null; then
    echo "installing numpy"
    python3 -m pip install --quiet numpy 2>/dev/null ||
        { can_apt && apt_install python3-numpy; } ||
        true
    python3 -c 'import numpy' 2>/dev/null ||
        die "numpy is missing for $(command -v python3); install it (pip install numpy)"
fi
cmake_version=$(cmake --version | head -n 1 | awk '{print $3}')
printf '%s\n%s\n' 3.16 "$cmake_version" | sort -V -C ||
    die "cmake $cmake_version is too old; 3.16 or newer is needed"
echo "cargo $(cargo --version | awk '{print $2}'), cmake $cmake_version," \
     "python $(python3 -c 'import sys, numpy; print(sys.version.split()[0], "numpy", numpy.__version__)')"

banner "cargo fmt --check"
cargo fmt --all -- --check

banner "cargo clippy"
cargo clippy --all-targets -- -D warnings

banner "cargo test --release"
cargo test --release

banner "cmake configure + build ($build)"
# Reuse target/ so cargo does not compile the release library a second time.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DSIMDKERN_BUILD_TESTS=ON \
      -DSIMDKERN_CARGO_TARGET_DIR="$repo/target"
cmake --build "$build" -j "$(nproc)"

banner "ctest"
(cd "$build" && ctest --output-on-failure)

banner "python ctypes test (target/release/libsimdkern.so, built by the cmake step)"
python3 ffi-tests/python/test_ctypes.py

# Fuzz targets of the decoders of untrusted bytes, each for a bounded time
# from its committed seed corpus (copied: found inputs are not committed).
# With a nightly toolchain they run under AddressSanitizer; without one
# (a fresh machine may have only stable) under libFuzzer alone, which
# cargo-fuzz supports on stable with `--sanitizer none`.
fuzz_seconds=${SIMDKERN_FUZZ_SECONDS:-30}
if cargo +nightly --version >/dev/null 2>&1; then
    fuzz_cargo=(cargo +nightly fuzz run)
else
    fuzz_cargo=(cargo fuzz run --sanitizer none)
fi
banner "${fuzz_cargo[*]}: rans_open, csr_new (${fuzz_seconds}s each)"
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz"
    cargo install --quiet --locked cargo-fuzz ||
        die "cargo-fuzz is missing and did not install; install it (cargo install cargo-fuzz)"
fi
for target in rans_open csr_new; do
    corpus=$(mktemp -d)
    cp -r "fuzz/corpus/$target/." "$corpus/"
    "${fuzz_cargo[@]}" "$target" "$corpus" -- -max_total_time="$fuzz_seconds" \
        -max_len=8192 -timeout=10 2>&1 | tail -n 3 ||
        die "fuzz target $target failed; the input is under fuzz/artifacts/$target"
    rm -rf "$corpus"
done

banner "all tests passed in $((SECONDS - start))s"

"""Helpers shared by the peer-comparison scripts (sparse_peers.py,
svd_peers.py, rans_peers.py): interleaved timing, markdown tables,
PASS/FAIL checks, the CPU's name."""

import statistics
import sys
import time

import numpy as np


def die(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform
    return platform.processor() or "unknown"


def load_simdkern(root, signatures, missing_hint, absent_hint="build it (cargo build --release --lib)"):
    """Loads libsimdkern.so (SIMDKERN_LIB, else CARGO_TARGET_DIR or
    root/target, release) with the ctypes signatures given as
    {name: (restype, argtypes)}; stops with one line naming what is
    missing. Returns (library, path)."""
    import ctypes
    import os
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(root, "target"))
    path = os.environ.get("SIMDKERN_LIB", os.path.join(target, "release", "libsimdkern.so"))
    if not os.path.exists(path):
        die(f"{path} not found: {absent_hint}")
    lib = ctypes.CDLL(path)
    missing = []
    for name, (res, argt) in signatures.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            missing.append(name)
            continue
        fn.restype, fn.argtypes = res, argt
    if missing:
        die(f"simdkern lacks {', '.join(missing)} ({missing_hint}; {path})")
    return lib, path


class Stat(tuple):
    """(median ms, best ms) of one method; `.count` is its number of timed
    calls."""

    def __new__(cls, median, best, count):
        s = super().__new__(cls, (median, best))
        s.count = count
        return s


class Timer:
    """Interleaved rounds: each round calls every method once, rotating the
    start so no method always follows the same one. A method is
    (name, fn[, pre[, rounds]]): pre (or None) runs before the sleep,
    untimed; a method takes part in its first `rounds` rounds only (all by
    default); fn's result is dropped after the clock stops (freeing is not
    timed), after `after(name, result)` saw it, untimed, when given."""

    def __init__(self, rounds):
        self.rounds = rounds

    def run(self, methods, after=None):
        methods = [tuple(m) + (None,) * (4 - len(m)) for m in methods]
        times = {m[0]: [] for m in methods}
        for r in range(self.rounds):
            rot = r % len(methods)
            for name, fn, pre, mr in methods[rot:] + methods[:rot]:
                if mr is not None and r >= mr:
                    continue
                if pre is not None:
                    pre()
                time.sleep(0.005)
                t0 = time.perf_counter()
                res = fn()
                times[name].append(time.perf_counter() - t0)
                if after is not None:
                    after(name, res)
                del res
        return {k: Stat(statistics.median(v) * 1e3, min(v) * 1e3, len(v))
                for k, v in times.items() if v}


def table(headers, rows):
    """A markdown table, the first column left-aligned, the others right."""
    w = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    print("| " + " | ".join(str(h).ljust(w[i]) if i == 0 else str(h).rjust(w[i])
                            for i, h in enumerate(headers)) + " |")
    print("|" + "|".join(":" + "-" * (w[i] + 1) if i == 0 else "-" * (w[i] + 1) + ":"
                         for i in range(len(headers))) + "|")
    for r in rows:
        print("| " + " | ".join(str(c).ljust(w[i]) if i == 0 else str(c).rjust(w[i])
                                for i, c in enumerate(r)) + " |")
    print()


RESULTS = []  # every check's outcome, for the final PASS/FAIL count


def check(label, ok, detail):
    RESULTS.append(bool(ok))
    print(f"{'PASS' if ok else 'FAIL'} {label}: {detail}")


def check_le(label, value, limit):
    ok = bool(np.isfinite(value)) and value <= limit
    check(label, ok, f"{value:.3g} <= {limit:.3g}")

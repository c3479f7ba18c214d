#!/usr/bin/env python3
"""Side-by-side sparse CSR (issue 6): simdkern's C ABI (sk_csr_* through
ctypes) vs scipy.sparse, in one process, with a memory-bandwidth probe
(benches/peers/stream_bw.c) as the reference for the banded SpMV.

Run it through benches/peers/run_sparse.sh (builds the library and the
probe, checks the Python packages), or directly:

    python3 benches/peers/sparse_peers.py [--quick] [--threads N] [--check]
                                          [--peers-only] [--rounds R]
                                          [--only spmv,banded,spmm,spgemm,dense]
                                          [--scale S] [--stream-lib PATH]

Problems (issue 6 targets; ratio = scipy time / simdkern time, > 1 means
simdkern is faster; each target is judged on the median ratio):
  spmv    1,000,000 x 1,000,000, 16 uniform random columns per row
          (duplicates summed), f64, 1 thread: sk_csr_spmv_f64 vs scipy
          A @ x and scipy's csr_matvec into a preallocated y (the better
          scipy figure is the one compared). Target >= 2x. f32 twin.
  banded  same size, 16 diagonals (offsets -8..7, clipped at the edges),
          f64, 1 thread: time, effective bandwidth (values 8 B + column
          index 4 B per nonzero, row pointers 8 B per row + 1, x and y 8 B
          per element) and its fraction of the measured read bandwidth.
          Target >= 80% of read bandwidth.
  spmm    the spmv matrix times a dense 1,000,000 x 32 row-major B, f64:
          sk_csr_spmm_f64 on 1 thread and on N threads (--threads, default
          all cores) vs scipy A @ B and csr_matvecs into a preallocated C.
          Target >= 10x. f32 twin (1 thread).
  spgemm  100,000 x 100,000, 10 random columns per row, A @ A, 1 thread:
          sk_csr_spgemm vs scipy A @ A (ratio), and scipy A @ A followed by
          sort_indices() (scipy's product is not sorted; sk's is canonical).
          Target >= 2x. Verified: same row pointers and column indices as
          scipy's sorted product, values within 1e-12 of max |C|.
  dense   A 4096 x 4096 at 0.1% density (uniform random positions) times a
          row-major 4096 x 64 B, 1 thread: sk_csr_spmm_f64 (handle built
          outside the timing) vs sk_dgemm on the dense A (target >= 100x),
          sk_matmul_auto_f64 on the dense A (must choose path 1 = sparse),
          scipy A_csr @ B for reference.
--scale S multiplies the dimensions of spmv/banded/spmm/spgemm (for quick
smoke tests; the targets are stated for S = 1).

The machine is a noisy shared VM: every method of a problem is timed once
per round, the methods interleaved (the order rotates each round, 5 ms of
sleep before each call), and the tables give the median and the best of R
rounds. A method that needs another simdkern thread count sets it before
the sleep, outside the timed call. Every simdkern method is verified once,
untimed, with its outputs pre-filled with NaN (beta = 0 must not read
them): max |result - scipy's| / max |scipy's| <= 1e-12 (f64) or 1e-5 (f32,
against scipy on the same f32 matrix).

--check runs the verification only (no timing), plus: a reference sanity
check (scipy's results against numpy on sampled rows), alpha/beta != 0/1,
column-major SpMM operands, canonicalization of unsorted input with
duplicates, sk_csr_transpose against scipy, and the dense problem's path;
it prints PASS/FAIL lines and exits 1 on any FAIL. With --peers-only it
checks scipy's paths against the same thresholds (a check of the script).

sk_csr_* and sk_matmul_auto_* are resolved only for the problems selected,
before any work: a library without them stops with one line.
"""

import argparse
import os
import sys


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer rounds (3)")
    p.add_argument("--threads", type=int, default=None, metavar="N",
                   help="simdkern threads for the threaded SpMM row (default: all cores); "
                        "every other simdkern row runs on 1 thread")
    p.add_argument("--check", action="store_true",
                   help="verification only (no timing), print PASS/FAIL, exit 1 on FAIL")
    p.add_argument("--peers-only", action="store_true",
                   help="time only scipy (no libsimdkern needed)")
    p.add_argument("--only", default="spmv,banded,spmm,spgemm,dense", metavar="LIST",
                   help="comma-separated subset of spmv,banded,spmm,spgemm,dense")
    p.add_argument("--rounds", type=int, default=None, metavar="R",
                   help="rounds per problem (default 7, SpMM and SpGEMM 5; --quick 3)")
    p.add_argument("--scale", type=float, default=1.0, metavar="S",
                   help="scale the matrix dimensions (smoke tests; targets are for 1)")
    p.add_argument("--stream-lib", default=os.environ.get("SK_STREAM_BW_LIB"), metavar="PATH",
                   help="stream_bw.c built as a shared library (run_sparse.sh passes it)")
    a = p.parse_args()
    if a.threads is not None and a.threads < 1:
        p.error("--threads must be >= 1")
    if a.rounds is not None and a.rounds < 1:
        p.error("--rounds must be >= 1")
    if not 0 < a.scale <= 1:
        p.error("--scale must be in (0, 1]")
    a.only = {s.strip() for s in a.only.split(",") if s.strip()}
    bad = a.only - PROBLEMS
    if bad:
        p.error("--only: unknown " + ",".join(sorted(bad)))
    return a


PROBLEMS = {"spmv", "banded", "spmm", "spgemm", "dense"}
ARGS = parse_args()

import ctypes  # noqa: E402
import gc  # noqa: E402
import statistics  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import peerlib  # noqa: E402
from peerlib import RESULTS, Timer, check, check_le, cpu_model, die, table  # noqa: E402
import scipy  # noqa: E402
import scipy.sparse as sp  # noqa: E402

try:
    from scipy.sparse import _sparsetools as SPT  # private: csr_matvec(s) into a given output
    SPT.csr_matvec, SPT.csr_matvecs  # noqa: B018
except (ImportError, AttributeError):
    SPT = None

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TOL = {np.float64: 1e-12, np.float32: 1e-5}


# ---------------------------------------------------------------- simdkern

SIZE = ctypes.c_size_t
PTRDIFF = ctypes.c_ssize_t
PTR = ctypes.c_void_p
STATUS = ctypes.c_int32
HANDLE_OUT = ctypes.POINTER(ctypes.c_void_p)
SIZE_OUT = ctypes.POINTER(SIZE)
D = ctypes.c_double
F = ctypes.c_float
GEMM_ARGS = [SIZE, SIZE, SIZE, None, PTR, PTRDIFF, PTRDIFF, PTR, PTRDIFF, PTRDIFF, None, PTR,
             PTRDIFF, PTRDIFF]


def _gemm(scalar):
    return [scalar if t is None else t for t in GEMM_ARGS]


# name -> (restype, argtypes); resolved when the library loads
SIGNATURES = {
    "sk_status_str": (ctypes.c_char_p, [ctypes.c_int32]),
    "sk_last_error_message": (SIZE, [ctypes.c_char_p, SIZE]),
    "sk_set_num_threads": (STATUS, [SIZE]),
    "sk_get_num_threads": (SIZE, []),
    "sk_dgemm": (STATUS, _gemm(D)),
}
# the sparse family (and matmul_auto): resolved only for the problems run
LAZY_SIGNATURES = {
    "sk_csr_free": (None, [PTR]),
    "sk_csr_shape": (STATUS, [PTR, SIZE_OUT, SIZE_OUT, SIZE_OUT]),
    "sk_csr_spgemm": (STATUS, [PTR, PTR, HANDLE_OUT]),
    "sk_csr_transpose": (STATUS, [PTR, HANDLE_OUT]),
}
for _t, _s in (("f64", D), ("f32", F)):
    LAZY_SIGNATURES["sk_csr_new_" + _t] = (STATUS, [SIZE, SIZE, SIZE, PTR, PTR, PTR, HANDLE_OUT])
    LAZY_SIGNATURES["sk_csr_export_" + _t] = (STATUS, [PTR, PTR, PTR, PTR])
    LAZY_SIGNATURES["sk_csr_spmv_" + _t] = (STATUS, [PTR, _s, PTR, _s, PTR])
    LAZY_SIGNATURES["sk_csr_spmm_" + _t] = (STATUS, [PTR, SIZE, _s, PTR, PTRDIFF, PTRDIFF, _s,
                                                     PTR, PTRDIFF, PTRDIFF])
    LAZY_SIGNATURES["sk_matmul_auto_" + _t] = (STATUS, _gemm(_s) + [ctypes.POINTER(ctypes.c_uint32)])

_CSR_BASE = ["sk_csr_new_f64", "sk_csr_free", "sk_csr_shape", "sk_csr_export_f64"]
NEEDS = {
    "spmv": _CSR_BASE + ["sk_csr_spmv_f64", "sk_csr_new_f32", "sk_csr_spmv_f32"],
    "banded": _CSR_BASE + ["sk_csr_spmv_f64"],
    "spmm": _CSR_BASE + ["sk_csr_spmm_f64", "sk_csr_new_f32", "sk_csr_spmm_f32"],
    "spgemm": _CSR_BASE + ["sk_csr_spgemm"],
    "dense": _CSR_BASE + ["sk_csr_spmm_f64", "sk_matmul_auto_f64"],
    "check": ["sk_csr_transpose", "sk_csr_export_f32"],
}

LIB = None
LIB_PATH = None


def load_simdkern():
    return peerlib.load_simdkern(ROOT, SIGNATURES, '--peers-only times scipy alone',
                                 'build it (cargo build --release), set SIMDKERN_LIB, or run with --peers-only')


def resolve_lazy(names):
    """Resolves the sparse entry points the selected problems call; a library
    without some of them stops here, before any work, with one line."""
    missing = []
    for name in dict.fromkeys(names):
        try:
            fn = getattr(LIB, name)
        except AttributeError:
            missing.append(name)
            continue
        fn.restype, fn.argtypes = LAZY_SIGNATURES[name]
    if missing:
        die(f"simdkern lacks {', '.join(missing)} (the sparse CSR family, issue 6; {LIB_PATH}): "
            "build a tree that has it, or run --peers-only, or --only without those problems")


def sk_check(status, what):
    if status != 0:
        buf = ctypes.create_string_buffer(1024)
        LIB.sk_last_error_message(buf, len(buf))
        die(f"{what}: status {status} ({LIB.sk_status_str(status).decode()}): "
            f"{buf.value.decode(errors='replace')}")


def _sfx(dtype):
    return "f64" if np.dtype(dtype) == np.float64 else "f32"


def set_threads(n):
    sk_check(LIB.sk_set_num_threads(n), f"sk_set_num_threads({n})")


class SkCsr:
    """An sk_csr handle, freed with sk_csr_free when dropped."""

    def __init__(self, handle, dtype):
        self.h = handle  # ctypes.c_void_p
        self.dtype = np.dtype(dtype)

    @classmethod
    def from_arrays(cls, rows, cols, indptr, indices, data):
        """indptr is converted to int64 and indices to int32 (copies only when
        needed); the library copies, validates and canonicalizes."""
        ip = np.ascontiguousarray(indptr, dtype=np.int64)
        ix = np.ascontiguousarray(indices, dtype=np.int32)
        dv = np.ascontiguousarray(data)
        h = ctypes.c_void_p()
        f = "sk_csr_new_" + _sfx(dv.dtype)
        sk_check(getattr(LIB, f)(rows, cols, len(dv), ip.ctypes.data, ix.ctypes.data,
                                 dv.ctypes.data, ctypes.byref(h)), f)
        return cls(h, dv.dtype)

    @classmethod
    def from_scipy(cls, a):
        return cls.from_arrays(a.shape[0], a.shape[1], a.indptr, a.indices, a.data)

    def shape(self):
        r, c, z = SIZE(), SIZE(), SIZE()
        sk_check(LIB.sk_csr_shape(self.h, ctypes.byref(r), ctypes.byref(c), ctypes.byref(z)),
                 "sk_csr_shape")
        return r.value, c.value, z.value

    def export(self):
        """(indptr int64, indices int32, values) through sk_csr_export_*."""
        rows, _, nnz = self.shape()
        ip = np.full(rows + 1, -1, dtype=np.int64)
        ix = np.full(nnz, -1, dtype=np.int32)
        v = np.full(nnz, np.nan, dtype=self.dtype)
        f = "sk_csr_export_" + _sfx(self.dtype)
        sk_check(getattr(LIB, f)(self.h, ip.ctypes.data, ix.ctypes.data, v.ctypes.data), f)
        return ip, ix, v

    def to_scipy(self):
        rows, cols, _ = self.shape()
        ip, ix, v = self.export()
        return sp.csr_matrix((v, ix, ip), shape=(rows, cols))

    def free(self):
        if self.h is not None and self.h.value:
            LIB.sk_csr_free(self.h)
        self.h = None

    def __del__(self):
        if LIB is not None:
            self.free()


def sk_spmv(h, x, y, alpha=1.0, beta=0.0):
    f = "sk_csr_spmv_" + _sfx(h.dtype)
    sk_check(getattr(LIB, f)(h.h, alpha, x.ctypes.data, beta, y.ctypes.data), f)
    return y


def _strides(a):
    isz = a.itemsize
    return a.strides[0] // isz, a.strides[1] // isz


def sk_spmm(h, b, c, alpha=1.0, beta=0.0):
    rsb, csb = _strides(b)
    rsc, csc = _strides(c)
    f = "sk_csr_spmm_" + _sfx(h.dtype)
    sk_check(getattr(LIB, f)(h.h, b.shape[1], alpha, b.ctypes.data, rsb, csb, beta,
                             c.ctypes.data, rsc, csc), f)
    return c


def sk_spgemm(ha, hb):
    out = ctypes.c_void_p()
    sk_check(LIB.sk_csr_spgemm(ha.h, hb.h, ctypes.byref(out)), "sk_csr_spgemm")
    return SkCsr(out, ha.dtype)


def sk_transpose(h):
    out = ctypes.c_void_p()
    sk_check(LIB.sk_csr_transpose(h.h, ctypes.byref(out)), "sk_csr_transpose")
    return SkCsr(out, h.dtype)


def sk_dense(fname, a, b, c, path=None):
    m, k = a.shape
    n = b.shape[1]
    rsa, csa = _strides(a)
    rsb, csb = _strides(b)
    rsc, csc = _strides(c)
    extra = [] if path is None else [ctypes.byref(path)]
    sk_check(getattr(LIB, fname)(m, n, k, 1.0, a.ctypes.data, rsa, csa, b.ctypes.data, rsb, csb,
                                 0.0, c.ctypes.data, rsc, csc, *extra), fname)
    return c


# ---------------------------------------------------------------- scipy

def sp_matvec_into(a, x, y):
    """scipy's kernel into a given y: csr_matvec adds, y += A x (so y is read
    and written, as in beta = 1)."""
    SPT.csr_matvec(a.shape[0], a.shape[1], a.indptr, a.indices, a.data, x, y)
    return y


def sp_matvecs_into(a, b, c):
    """C += A B with scipy's csr_matvecs (what A @ B calls, minus np.zeros)."""
    SPT.csr_matvecs(a.shape[0], a.shape[1], b.shape[1], a.indptr, a.indices, a.data,
                    b.ravel(), c.ravel())
    return c


# ---------------------------------------------------------------- stream probe

BW = {}  # label -> GB/s (best of rounds)
STREAM = {}  # "lib" -> the loaded probe, once bandwidth_section ran


def load_stream(path):
    lib = ctypes.CDLL(path)
    lib.sum_read.restype, lib.sum_read.argtypes = D, [PTR, SIZE]
    lib.copy.restype, lib.copy.argtypes = None, [PTR, PTR, SIZE]
    lib.triad.restype, lib.triad.argtypes = None, [PTR, PTR, PTR, D, SIZE]
    lib.gather_dot.restype, lib.gather_dot.argtypes = D, [PTR, PTR, SIZE, PTR]
    lib.gather_rows.restype, lib.gather_rows.argtypes = D, [PTR, PTR, SIZE, PTR, SIZE]
    return lib


def bandwidth_section(rounds):
    """Best-of-R read/copy/triad bandwidth of one core (and read on two
    threads), arrays of 256 MiB and 1 GiB (beyond the last-level cache)."""
    print("### Memory bandwidth (benches/peers/stream_bw.c, one core unless stated)\n")
    if not ARGS.stream_lib:
        print("stream_bw probe not given (run through run_sparse.sh, or --stream-lib PATH): "
              "no bandwidth reference for the banded SpMV\n")
        return
    lib = STREAM["lib"]
    rows = []

    def best(fn, nbytes):
        ts = []
        for _ in range(rounds):
            time.sleep(0.005)
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
        return nbytes / min(ts) / 1e9, nbytes / statistics.median(ts) / 1e9

    for mib in (256, 1024):
        n = mib * 2**20 // 8
        a = np.ones(n)
        bw, med = best(lambda: lib.sum_read(a.ctypes.data, n), 8 * n)
        BW[f"read {mib} MiB"] = bw
        rows.append([f"read, {mib} MiB", f"{bw:.1f}", f"{med:.1f}", "8 B/element"])
        if mib == 1024:
            h = n // 2
            nthr = 2

            def read2():
                ts = [threading.Thread(target=lib.sum_read, args=(a.ctypes.data + 8 * h * i, h))
                      for i in range(nthr)]
                for t in ts:
                    t.start()
                for t in ts:
                    t.join()
            bw2, med2 = best(read2, 8 * n)
            rows.append([f"read, {mib} MiB, 2 threads", f"{bw2:.1f}", f"{med2:.1f}",
                         "8 B/element (info)"])
        del a
    n = 256 * 2**20 // 8
    a, b, c = np.ones(n), np.ones(n), np.ones(n)
    bw, med = best(lambda: lib.copy(c.ctypes.data, a.ctypes.data, n), 16 * n)
    rows.append(["copy, 256 MiB", f"{bw:.1f}", f"{med:.1f}", "16 B/element (STREAM)"])
    bw, med = best(lambda: lib.triad(a.ctypes.data, b.ctypes.data, c.ctypes.data, 3.0, n), 24 * n)
    rows.append(["triad, 256 MiB", f"{bw:.1f}", f"{med:.1f}", "24 B/element (STREAM)"])
    del a, b, c
    table(["kernel", "best GB/s", "median GB/s", "bytes counted"], rows)
    ref = max(v for k, v in BW.items() if k.startswith("read"))
    BW["ref"] = ref
    print(f"reference for the banded SpMV: {ref:.1f} GB/s (highest one-core read, best of "
          f"{rounds})\n")


# ---------------------------------------------------------------- helpers

def nrounds(r):
    return "check: verification only" if ARGS.check else f"{r} round{'' if r == 1 else 's'}"


def ft(x):
    return f"{x:.1f}" if x >= 10 else (f"{x:.2f}" if x >= 0.1 else f"{x:.3f}")


def fe(x):
    return "n/a" if x is None else f"{x:.1e}"


def rel_err(got, ref):
    """max |got - ref| / max |ref| in f64 (inf if got has NaN/Inf)."""
    got = np.asarray(got)
    ref = np.asarray(ref)
    if got.shape != ref.shape:
        return float("inf")
    if not np.isfinite(got).all():
        return float("inf")
    scale = float(np.abs(ref).max()) if ref.size else 0.0
    if ref.size == 0:
        return 0.0
    d = float(np.abs(got.astype(np.float64) - ref.astype(np.float64)).max())
    return d / scale if scale > 0 else d


# ---------------------------------------------------------------- checks

def checked(name):
    """--check judges simdkern's rows, or scipy's with --peers-only."""
    return ARGS.check and (ARGS.peers_only or name.startswith("simdkern"))


class M:
    """A timed method: name, fn (the timed call), pre (untimed, before the
    sleep), verify (() -> error, run once untimed), tol, dtype."""

    def __init__(self, name, fn, verify=None, pre=None, tol=None):
        self.name, self.fn, self.verify, self.pre, self.tol = name, fn, verify, pre, tol


def verify_all(title, methods):
    errs = {}
    for m in methods:
        if m.verify is None or (ARGS.check and not checked(m.name)):
            continue
        if m.pre is not None:
            m.pre()
        errs[m.name] = m.verify()
        if checked(m.name):
            check_le(f"{title} {m.name}: max|err|/max|ref|", errs[m.name], m.tol)
        elif not ARGS.check and not errs[m.name] <= m.tol:
            print(f"FAIL {title} {m.name}: error {errs[m.name]:.3g} above {m.tol:.3g}")
            RESULTS.append(False)
    return errs


def ratio_line(label, times, sk, peers, target):
    """scipy/simdkern for median and best, each against the faster of the
    scipy methods given; the target is judged on the median ratio."""
    if sk not in times:
        return
    pm = min(peers, key=lambda p: times[p][0])
    pb = min(peers, key=lambda p: times[p][1])
    rm = times[pm][0] / times[sk][0]
    rb = times[pb][1] / times[sk][1]
    vs = f"vs {pm}" if pm == pb else f"vs {pm} / {pb}"
    t = ""
    if target is not None:
        t = f"; target >= {target:g}x: {'met' if rm >= target else 'NOT MET'}"
    print(f"- {label}: {rm:.2f}x median, {rb:.2f}x best ({vs}){t}")


def sk_row(name):
    return name.startswith("simdkern")


# ---------------------------------------------------------------- matrices

def random_csr(n_rows, n_cols, per_row, seed):
    """per_row uniform random columns per row (duplicates possible, summed
    by scipy), standard normal values; canonical (sorted, no duplicates)."""
    rng = np.random.default_rng(seed)
    nnz = n_rows * per_row
    indices = rng.integers(0, n_cols, size=nnz, dtype=np.int32)
    data = rng.standard_normal(nnz)
    indptr = np.arange(0, nnz + 1, per_row, dtype=np.int64)
    a = sp.csr_matrix((data, indices, indptr), shape=(n_rows, n_cols))
    a.sum_duplicates()  # sorts the columns of each row and sums repeats
    assert a.has_canonical_format
    return a


def banded_csr(n, lo, hi, seed):
    """Diagonals lo..hi (inclusive) of an n x n matrix, clipped at the edges."""
    rng = np.random.default_rng(seed)
    offs = np.arange(lo, hi + 1, dtype=np.int64)
    cols = np.arange(n, dtype=np.int64)[:, None] + offs[None, :]
    mask = (cols >= 0) & (cols < n)
    indices = cols[mask].astype(np.int32)
    del cols
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(mask.sum(axis=1), out=indptr[1:])
    del mask
    data = rng.standard_normal(len(indices))
    a = sp.csr_matrix((data, indices, indptr), shape=(n, n))
    a.has_sorted_indices = True
    return a


def csr_bytes(a, indptr_bytes):
    """Bytes an SpMV moves at least: values, 4-byte column indices, row
    pointers, x and y (each read or written once)."""
    rows, cols = a.shape
    return a.nnz * (a.data.itemsize + 4) + (rows + 1) * indptr_bytes + (rows + cols) * a.data.itemsize


def sampled_rows_check(label, a, x_or_b, ref, seed=11, k=1000):
    """--check only: scipy's result on k sampled rows against numpy (an
    independent reference for the reference)."""
    rng = np.random.default_rng(seed)
    rows = rng.choice(a.shape[0], size=min(k, a.shape[0]), replace=False)
    got = []
    for i in rows:
        s, e = a.indptr[i], a.indptr[i + 1]
        got.append(a.data[s:e].astype(np.float64) @ x_or_b[a.indices[s:e]].astype(np.float64))
    got = np.array(got)
    check_le(f"{label} reference: scipy vs numpy on {len(rows)} sampled rows",
             rel_err(ref[rows], got), TOL[a.dtype.type])


def print_csr_info(a, what):
    r, c = a.shape
    print(f"{what}: {r:,} x {c:,}, nnz {a.nnz:,} ({a.nnz / r:.2f} per row), "
          f"{(a.data.nbytes + a.indices.nbytes + a.indptr.nbytes) / 2**20:.1f} MiB in scipy "
          f"(indptr {a.indptr.dtype}, indices {a.indices.dtype})")


def build_handle(a, label):
    t0 = time.perf_counter()
    h = SkCsr.from_scipy(a)
    dt = (time.perf_counter() - t0) * 1e3
    print(f"sk_csr_new_{_sfx(a.dtype)} ({label}: copy, validate, canonicalize): {ft(dt)} ms, "
          "once, untimed below")
    return h


# ---------------------------------------------------------------- problems

def floor_lines(times, floor_name, scipy_name, sk_name):
    """How the peer and simdkern compare with a floor kernel (only the
    reads every kernel must make), when the floor was timed."""
    if floor_name not in times:
        return
    f_med, f_best = times[floor_name]
    s_med, s_best = times[scipy_name]
    print(f"- floor: {scipy_name} / floor = {s_med / f_med:.2f}x median, "
          f"{s_best / f_best:.2f}x best: the largest ratio a kernel making only those reads "
          "would reach")
    if sk_name in times:
        k_med, k_best = times[sk_name]
        print(f"- {sk_name} / floor: {k_med / f_med:.2f}x median, {k_best / f_best:.2f}x best")


def spmv_problem(title, a, rounds, sk_ok, target=None, bw_target=None, f32=False, floor=False):
    n_rows, n_cols = a.shape
    threads = "1 thread" if sk_ok else "scipy"
    print(f"### SpMV {title}, y = A x, {threads}\n")
    print_csr_info(a, "A")
    rng = np.random.default_rng(21)
    x = rng.standard_normal(n_cols)
    ref = a @ x
    x32 = a32 = ref32 = None
    if f32:
        a32 = a.astype(np.float32)
        x32 = x.astype(np.float32)
        ref32 = a32 @ x32
    h = h32 = None
    if sk_ok:
        h = build_handle(a, "f64")
        if f32:
            h32 = SkCsr.from_scipy(a32)
    print(f"{nrounds(rounds)}\n")
    if ARGS.check:
        sampled_rows_check(f"spmv {title}", a, x, ref)

    methods = []
    variants = [(np.float64, a, x, ref, h)]
    if f32:
        variants.append((np.float32, a32, x32, ref32, h32))
    for dt, aa, xx, rr, hh in variants:
        sfx = _sfx(dt)
        if sk_ok:
            y = np.empty(n_rows, dtype=dt)

            def v_sk(hh=hh, xx=xx, rr=rr, dt=dt):
                yv = np.full(n_rows, np.nan, dtype=dt)
                return rel_err(sk_spmv(hh, xx, yv), rr)
            methods.append(M(f"simdkern {sfx}", lambda hh=hh, xx=xx, y=y: sk_spmv(hh, xx, y),
                             v_sk, tol=TOL[dt]))
        methods.append(M(f"scipy {sfx} A @ x", lambda aa=aa, xx=xx: aa @ xx,
                         lambda aa=aa, xx=xx, rr=rr: rel_err(aa @ xx, rr), tol=TOL[dt]))
        if SPT is not None:
            y2 = np.zeros(n_rows, dtype=dt)

            def v_mv(aa=aa, xx=xx, rr=rr, dt=dt):
                return rel_err(sp_matvec_into(aa, xx, np.zeros(n_rows, dtype=dt)), rr)
            methods.append(M(f"scipy {sfx} csr_matvec into y (y += A x)",
                             lambda aa=aa, xx=xx, y2=y2: sp_matvec_into(aa, xx, y2), v_mv,
                             tol=TOL[dt]))

    floor_name = "floor f64: sum of value * x[index] (stream_bw.c gather_dot)"
    if floor and "lib" in STREAM and not ARGS.check:
        # The reads any CSR SpMV of A must make, minus row pointers and y:
        # how far below scipy a kernel can get on this machine.
        methods.append(M(floor_name, lambda: STREAM["lib"].gather_dot(
            a.data.ctypes.data, a.indices.ctypes.data, a.nnz, x.ctypes.data)))

    verr = verify_all(f"spmv {title}", methods)
    if ARGS.check:
        if sk_ok:
            # alpha/beta: y = 0.5 A x - 2 y0
            y0 = rng.standard_normal(n_rows)
            yv = y0.copy()
            sk_spmv(h, x, yv, alpha=0.5, beta=-2.0)
            check_le(f"spmv {title} simdkern f64 alpha 0.5 beta -2", rel_err(yv, 0.5 * ref - 2 * y0),
                     TOL[np.float64])
        print()
        return
    times = Timer(rounds).run([(m.name, m.fn, m.pre) for m in methods])
    sk_bytes = csr_bytes(a, 8)  # f64, simdkern's int64 row pointers
    rows = []
    for m in methods:
        med, best = times[m.name]
        is32 = "f32" in m.name.split()[1]
        aa = a32 if is32 else a
        nbytes = csr_bytes(aa, 8 if sk_row(m.name) else aa.indptr.itemsize)
        gbs = nbytes / (med * 1e-3) / 1e9
        row = [m.name, ft(med), ft(best), f"{gbs:.1f}"]
        if bw_target is not None:
            ref_bw = BW.get("ref")
            row.append(f"{100 * gbs / ref_bw:.0f}%" if ref_bw else "n/a")
        row.append(fe(verr.get(m.name)))
        rows.append(row)
    hdr = ["method", "median ms", "best ms", "GB/s (median)"]
    if bw_target is not None:
        hdr.append("of read BW")
    table(hdr + ["max err/max|y|"], rows)
    print(f"bytes counted: nnz x (value + 4 B index) + row pointers ((rows+1) x 8 B for simdkern, "
          f"x {a.indptr.itemsize} B for scipy's {a.indptr.dtype}) + x + y: "
          f"{sk_bytes / 1e6:.0f} MB (f64, simdkern)\n")
    for dt in ([np.float64, np.float32] if f32 else [np.float64]):
        sfx = _sfx(dt)
        peers = [m.name for m in methods if m.name.startswith(f"scipy {sfx}")]
        ratio_line(f"{sfx} scipy/simdkern", times, f"simdkern {sfx}", peers,
                   target if dt == np.float64 else None)
    floor_lines(times, floor_name, "scipy f64 A @ x", "simdkern f64")
    if bw_target is not None and sk_ok:
        ref_bw = BW.get("ref")
        med, best = times["simdkern f64"]
        nbytes = sk_bytes
        g_med, g_best = nbytes / (med * 1e-3) / 1e9, nbytes / (best * 1e-3) / 1e9
        if ref_bw:
            frac = g_med / ref_bw
            print(f"- simdkern f64 effective bandwidth: {g_med:.1f} GB/s median, {g_best:.1f} best "
                  f"= {100 * frac:.0f}% / {100 * g_best / ref_bw:.0f}% of the {ref_bw:.1f} GB/s read "
                  f"bandwidth; target >= {100 * bw_target:.0f}%: "
                  f"{'met' if frac >= bw_target else 'NOT MET'}")
        else:
            print(f"- simdkern f64 effective bandwidth: {g_med:.1f} GB/s median, {g_best:.1f} best "
                  "(no read-bandwidth reference: run through run_sparse.sh)")
    print()
    if h is not None:
        h.free()
    if h32 is not None:
        h32.free()


def spmm_problem(a, ncols, rounds, sk_ok, nthreads, target):
    n_rows, n_cols = a.shape
    print(f"### SpMM C = A B, A {n_rows:,} x {n_cols:,} random (the SpMV matrix), "
          f"B {n_cols:,} x {ncols} row-major dense\n")
    print_csr_info(a, "A")
    rng = np.random.default_rng(31)
    b = rng.standard_normal((n_cols, ncols))
    ref = a @ b
    h = h32 = None
    a32 = a.astype(np.float32)
    b32 = b.astype(np.float32)
    ref32 = a32 @ b32
    if sk_ok:
        h = build_handle(a, "f64")
        h32 = SkCsr.from_scipy(a32)
    print(f"B {b.nbytes / 2**20:.0f} MiB, C {ref.nbytes / 2**20:.0f} MiB; scipy is single-threaded; "
          f"{nrounds(rounds)}\n")
    if ARGS.check:
        sampled_rows_check("spmm", a, b, ref)

    methods = []

    def one():
        set_threads(1)

    def many():
        set_threads(nthreads)

    for dt, aa, bb, rr, hh in ((np.float64, a, b, ref, h), (np.float32, a32, b32, ref32, h32)):
        sfx = _sfx(dt)
        if sk_ok:
            c = np.empty((n_rows, ncols), dtype=dt)

            def v_sk(hh=hh, bb=bb, rr=rr, dt=dt):
                cv = np.full((n_rows, ncols), np.nan, dtype=dt)
                return rel_err(sk_spmm(hh, bb, cv), rr)
            methods.append(M(f"simdkern {sfx} 1 thread",
                             lambda hh=hh, bb=bb, c=c: sk_spmm(hh, bb, c), v_sk, pre=one,
                             tol=TOL[dt]))
            if nthreads > 1 and dt == np.float64:
                methods.append(M(f"simdkern {sfx} {nthreads} threads",
                                 lambda hh=hh, bb=bb, c=c: sk_spmm(hh, bb, c), v_sk, pre=many,
                                 tol=TOL[dt]))
        methods.append(M(f"scipy {sfx} A @ B", lambda aa=aa, bb=bb: aa @ bb,
                         lambda aa=aa, bb=bb, rr=rr: rel_err(aa @ bb, rr), tol=TOL[dt]))
        if SPT is not None and dt == np.float64:
            c2 = np.zeros((n_rows, ncols), dtype=dt)

            def v_mv(aa=aa, bb=bb, rr=rr, dt=dt):
                return rel_err(sp_matvecs_into(aa, bb, np.zeros((n_rows, ncols), dtype=dt)), rr)
            methods.append(M(f"scipy {sfx} csr_matvecs into C (C += A B)",
                             lambda aa=aa, bb=bb, c2=c2: sp_matvecs_into(aa, bb, c2), v_mv,
                             tol=TOL[dt]))

    floor_name = "floor f64: sum of value * B row (stream_bw.c gather_rows)"
    if ncols == 32 and "lib" in STREAM and not ARGS.check:
        # B's rows as SpMM reads them, without C: what one core can do.
        methods.append(M(floor_name, lambda: STREAM["lib"].gather_rows(
            a.data.ctypes.data, a.indices.ctypes.data, a.nnz, b.ctypes.data, ncols), pre=one))

    verr = verify_all("spmm", methods)
    if ARGS.check:
        if sk_ok:
            set_threads(1)
            # column-major B and C views, alpha/beta, on the first 4096 columns' worth
            bf = np.asfortranarray(b[:, :8])
            c0 = np.asfortranarray(rng.standard_normal((n_rows, 8)))
            cv = c0.copy(order="F")
            sk_spmm(h, bf, cv, alpha=2.0, beta=0.5)
            check_le("spmm simdkern f64 column-major B and C, alpha 2 beta 0.5",
                     rel_err(cv, 2 * ref[:, :8] + 0.5 * c0), TOL[np.float64])
            # strided view: every other column of B, C with a padded row stride
            bs = b[:, ::2]
            cpad = np.full((n_rows, ncols), np.nan)
            cs = cpad[:, : ncols // 2]
            sk_spmm(h, bs, cs)
            check_le("spmm simdkern f64 B column stride 2, C row stride padded",
                     rel_err(cs, a @ np.ascontiguousarray(bs)), TOL[np.float64])
            ok = bool(np.isnan(cpad[:, ncols // 2:]).all())
            check("spmm simdkern f64 padding columns untouched", ok,
                  "NaN kept" if ok else "written")
        print()
        return
    times = Timer(rounds).run([(m.name, m.fn, m.pre) for m in methods])
    if sk_ok:
        set_threads(1)
    flops = 2 * a.nnz * ncols
    rows = []
    for m in methods:
        med, best = times[m.name]
        rows.append([m.name, ft(med), ft(best), f"{flops / (med * 1e-3) / 1e9:.2f}",
                     fe(verr.get(m.name))])
    table(["method", "median ms", "best ms", "GFLOP/s (median)", "max err/max|C|"], rows)
    peers64 = [m.name for m in methods if m.name.startswith("scipy f64")]
    ratio_line("f64 1 thread scipy/simdkern", times, "simdkern f64 1 thread", peers64, target)
    if nthreads > 1:
        ratio_line(f"f64 {nthreads} threads scipy/simdkern", times,
                   f"simdkern f64 {nthreads} threads", peers64, target)
    ratio_line("f32 1 thread scipy/simdkern", times, "simdkern f32 1 thread",
               ["scipy f32 A @ B"], None)
    floor_lines(times, floor_name, "scipy f64 csr_matvecs into C (C += A B)",
                "simdkern f64 1 thread")
    print()
    for hh in (h, h32):
        if hh is not None:
            hh.free()


def spgemm_problem(a, rounds, sk_ok, nthreads, target):
    n = a.shape[0]
    print(f"### SpGEMM C = A A, A {n:,} x {n:,}, 10 random columns per row, 1 thread\n")
    print_csr_info(a, "A")
    c_ref = a @ a
    c_ref.sort_indices()
    print(f"C: nnz {c_ref.nnz:,} ({c_ref.nnz / n:.1f} per row), scipy index dtype "
          f"{c_ref.indices.dtype}")
    h = build_handle(a, "f64") if sk_ok else None
    print(f"{nrounds(rounds)}\n")
    if ARGS.check:
        # row i of A A from numpy on sampled rows
        rng = np.random.default_rng(41)
        worst = 0.0
        for i in rng.choice(n, size=min(50, n), replace=False):
            acc = np.zeros(n)
            for p in range(a.indptr[i], a.indptr[i + 1]):
                k = a.indices[p]
                s, e = a.indptr[k], a.indptr[k + 1]
                np.add.at(acc, a.indices[s:e], a.data[p] * a.data[s:e])
            row = np.zeros(n)
            s, e = c_ref.indptr[i], c_ref.indptr[i + 1]
            row[c_ref.indices[s:e]] = c_ref.data[s:e]
            worst = max(worst, rel_err(row, acc))
        check_le("spgemm reference: scipy vs numpy on 50 sampled rows", worst, 1e-12)

    def verify_sk():
        c = sk_spgemm(h, h)
        ip, ix, v = c.export()
        c.free()
        nnz = len(ix)
        same_nnz = nnz == c_ref.nnz
        same_struct = same_nnz and len(ip) == n + 1 and np.array_equal(ip, c_ref.indptr) and \
            np.array_equal(ix, c_ref.indices)
        if ARGS.check:
            check("spgemm simdkern nnz", same_nnz, f"{nnz:,} vs scipy {c_ref.nnz:,}")
            check("spgemm simdkern structure", same_struct,
                  "indptr and indices equal scipy's sorted product" if same_struct else "differs")
        if not same_struct:
            return float("inf")
        return rel_err(v, c_ref.data)

    def verify_sp():
        c = a @ a
        c.sort_indices()
        if c.nnz != c_ref.nnz or not np.array_equal(c.indices, c_ref.indices):
            return float("inf")
        return rel_err(c.data, c_ref.data)

    def sp_sorted():
        c = a @ a
        c.sort_indices()
        return c

    methods = []
    if sk_ok:
        methods.append(M("simdkern f64 (canonical)", lambda: sk_spgemm(h, h), verify_sk,
                         pre=lambda: set_threads(1), tol=TOL[np.float64]))
        if nthreads > 1:
            methods.append(M(f"simdkern f64 (canonical), {nthreads} threads",
                             lambda: sk_spgemm(h, h), verify_sk,
                             pre=lambda: set_threads(nthreads), tol=TOL[np.float64]))
    methods.append(M("scipy A @ A (unsorted)", lambda: a @ a, verify_sp, tol=TOL[np.float64]))
    methods.append(M("scipy A @ A + sort_indices()", sp_sorted, verify_sp, tol=TOL[np.float64]))
    verr = verify_all("spgemm", methods)
    if ARGS.check:
        if sk_ok:
            t = sk_transpose(h)
            at = a.T.tocsr()
            at.sort_indices()
            ip, ix, v = t.export()
            t.free()
            ok = np.array_equal(ip, at.indptr) and np.array_equal(ix, at.indices) and \
                np.array_equal(v, at.data)
            check("transpose simdkern (A^T) vs scipy A.T.tocsr()", ok,
                  "identical" if ok else "differs")
        print()
        if h is not None:
            h.free()
        return
    times = Timer(rounds).run([(m.name, m.fn, m.pre) for m in methods])
    if sk_ok:
        set_threads(1)
    rows = []
    for m in methods:
        med, best = times[m.name]
        rows.append([m.name, ft(med), ft(best), fe(verr.get(m.name))])
    table(["method", "median ms", "best ms", "max err/max|C|"], rows)
    ratio_line("scipy (unsorted) / simdkern, 1 thread", times, "simdkern f64 (canonical)",
               ["scipy A @ A (unsorted)"], target)
    if nthreads > 1 and sk_ok:
        ratio_line(f"scipy (unsorted) / simdkern, {nthreads} threads", times,
                   f"simdkern f64 (canonical), {nthreads} threads", ["scipy A @ A (unsorted)"],
                   target)
    ratio_line("scipy + sort_indices() / simdkern (info)", times, "simdkern f64 (canonical)",
               ["scipy A @ A + sort_indices()"], None)
    print()
    if h is not None:
        h.free()


def dense_problem(n, k, density, rounds, sk_ok, target):
    print(f"### Sparse x dense at {100 * density:g}% density: A {n} x {n} f64, "
          f"B {n} x {k} row-major, 1 thread\n")
    rng = np.random.default_rng(51)
    nnz = int(round(density * n * n))
    pos = rng.choice(n * n, size=nnz, replace=False)
    ad = np.zeros((n, n))
    ad.ravel()[pos] = rng.standard_normal(nnz)
    a = sp.csr_matrix(ad)
    b = rng.standard_normal((n, k))
    ref = a @ b
    print_csr_info(a, "A")
    h = build_handle(a, "f64") if sk_ok else None
    print(f"dense A {ad.nbytes / 2**20:.0f} MiB; {nrounds(rounds)}\n")
    c1, c2, c3 = (np.empty((n, k)) for _ in range(3))
    path = ctypes.c_uint32(0xFFFFFFFF)

    def fill():
        return np.full((n, k), np.nan)

    methods = []
    if sk_ok:
        methods += [
            M("simdkern sk_csr_spmm_f64", lambda: sk_spmm(h, b, c1),
              lambda: rel_err(sk_spmm(h, b, fill()), ref), tol=TOL[np.float64]),
            M("simdkern sk_dgemm (dense A)", lambda: sk_dense("sk_dgemm", ad, b, c2),
              lambda: rel_err(sk_dense("sk_dgemm", ad, b, fill()), ref), tol=TOL[np.float64]),
            M("simdkern sk_matmul_auto_f64 (dense A)",
              lambda: sk_dense("sk_matmul_auto_f64", ad, b, c3, path),
              lambda: rel_err(sk_dense("sk_matmul_auto_f64", ad, b, fill(), path), ref),
              tol=TOL[np.float64]),
        ]
    methods.append(M("scipy A_csr @ B", lambda: a @ b, lambda: rel_err(a @ b, ref),
                     tol=TOL[np.float64]))
    verr = verify_all("dense", methods)
    if sk_ok:
        pv = path.value
        if ARGS.check:
            check("dense sk_matmul_auto_f64 path", pv == 1, f"path {pv} (1 = sparse expected)")
    if ARGS.check:
        print()
        if h is not None:
            h.free()
        return
    path.value = 0xFFFFFFFF
    times = Timer(rounds).run([(m.name, m.fn, m.pre) for m in methods])
    rows = []
    for m in methods:
        med, best = times[m.name]
        note = ""
        if "matmul_auto" in m.name:
            note = {0: "path 0 (dense GEMM)", 1: "path 1 (sparse)"}.get(path.value,
                                                                       f"path {path.value}")
        rows.append([m.name, ft(med), ft(best), fe(verr.get(m.name)), note])
    table(["method", "median ms", "best ms", "max err/max|C|", "note"], rows)
    if sk_ok:
        ratio_line("sk_dgemm / sk_csr_spmm", times, "simdkern sk_csr_spmm_f64",
                   ["simdkern sk_dgemm (dense A)"], target)
        ratio_line("sk_dgemm / sk_matmul_auto (info)", times,
                   "simdkern sk_matmul_auto_f64 (dense A)", ["simdkern sk_dgemm (dense A)"], None)
        pv = path.value
        print(f"- sk_matmul_auto_f64 chose path {pv}: "
              f"{'sparse, as required' if pv == 1 else 'NOT the sparse path (required: 1)'}")
        ratio_line("scipy / sk_csr_spmm (info)", times, "simdkern sk_csr_spmm_f64",
                   ["scipy A_csr @ B"], None)
    print()
    if h is not None:
        h.free()


def canonicalize_check():
    """--check only: unsorted input with duplicates, canonicalized by
    sk_csr_new_* (sorted columns, duplicates summed), read back by export."""
    rng = np.random.default_rng(61)
    rows, cols, per = 2000, 300, 12
    indices = rng.integers(0, cols, size=rows * per).astype(np.int32)  # unsorted, repeats
    indptr = np.arange(0, rows * per + 1, per, dtype=np.int64)
    for dt in (np.float64, np.float32):
        data = rng.standard_normal(rows * per).astype(dt)
        # scipy keeps (and sum_duplicates rewrites) the arrays it is given: copies
        ref = sp.csr_matrix((data.copy(), indices.copy(), indptr.copy()), shape=(rows, cols))
        ref.sum_duplicates()
        h = SkCsr.from_arrays(rows, cols, indptr, indices, data)
        r, c, z = h.shape()
        ip, ix, v = h.export()
        h.free()
        ok = (r, c) == (rows, cols) and z == ref.nnz and np.array_equal(ip, ref.indptr) \
            and np.array_equal(ix, ref.indices)
        check(f"canonicalize {_sfx(dt)}: shape and structure", ok,
              f"nnz {z} vs scipy {ref.nnz}" + ("" if ok else ", structure differs"))
        if ok:
            check_le(f"canonicalize {_sfx(dt)}: summed values", rel_err(v, ref.data), TOL[dt])
    print()


# ---------------------------------------------------------------- main

def main():
    global LIB, LIB_PATH
    sys.stdout.reconfigure(line_buffering=True)  # progress shows through a pipe (| tee)
    sk_ok = not ARGS.peers_only
    nthreads = ARGS.threads if ARGS.threads is not None else (os.cpu_count() or 1)
    lib_line = "not loaded (--peers-only)"
    if sk_ok:
        LIB, LIB_PATH = load_simdkern()
        need = [s for p in sorted(ARGS.only) for s in NEEDS[p]]
        if ARGS.check:
            need += NEEDS["check"]
        resolve_lazy(need)
        set_threads(1)
        lib_line = (f"{os.path.relpath(LIB_PATH, ROOT) if LIB_PATH.startswith(ROOT) else LIB_PATH}; "
                    f"1 thread, {nthreads} for the threaded SpMM row")
    if SPT is None:
        print("note: scipy.sparse._sparsetools.csr_matvec(s) not found; only A @ x is timed",
              file=sys.stderr)

    q = ARGS.quick
    R = ARGS.rounds
    r_fast = R or (3 if q else 7)   # SpMV, banded, dense, bandwidth
    r_slow = R or (3 if q else 5)   # SpMM, SpGEMM

    s = ARGS.scale
    n_big = max(1000, int(1_000_000 * s))
    n_gemm = max(1000, int(100_000 * s))

    print("## simdkern sparse CSR vs scipy.sparse\n")
    print(f"- CPU: {cpu_model()} ({os.cpu_count()} logical CPUs)")
    print(f"- python {sys.version.split()[0]}, numpy {np.__version__}, scipy {scipy.__version__} "
          "(scipy.sparse is single-threaded)")
    print(f"- simdkern: {lib_line}")
    print(f"- mode: {'check' if ARGS.check else ('quick' if q else 'full')}"
          f"{f', scale {s:g} (targets are stated for scale 1)' if s != 1 else ''}; "
          "times in ms, median / best of the rounds; ratio = scipy / simdkern (> 1: simdkern "
          "faster)\n")

    t_start = time.perf_counter()
    if ARGS.stream_lib:
        STREAM["lib"] = load_stream(ARGS.stream_lib)
    if "banded" in ARGS.only and not ARGS.check:
        bandwidth_section(r_fast)

    if "spmv" in ARGS.only or "spmm" in ARGS.only:
        a = random_csr(n_big, n_big, 16, seed=1)
        if "spmv" in ARGS.only:
            spmv_problem(f"random {n_big:,} x {n_big:,}, 16 per row", a, r_fast, sk_ok,
                         target=2.0, f32=True, floor=True)
        gc.collect()
        if "spmm" in ARGS.only:
            spmm_problem(a, 32, r_slow, sk_ok, nthreads, target=10.0)
        del a
        gc.collect()

    if "banded" in ARGS.only:
        a = banded_csr(n_big, -8, 7, seed=2)
        spmv_problem(f"banded {n_big:,} x {n_big:,}, 16 diagonals -8..7", a, r_fast, sk_ok,
                     bw_target=0.8)
        del a
        gc.collect()

    if "spgemm" in ARGS.only:
        a = random_csr(n_gemm, n_gemm, 10, seed=3)
        spgemm_problem(a, r_slow, sk_ok, nthreads, target=2.0)
        del a
        gc.collect()

    if "dense" in ARGS.only:
        dense_problem(4096, 64, 0.001, r_fast, sk_ok, target=100.0)
        gc.collect()

    if ARGS.check:
        if sk_ok:
            canonicalize_check()
        nfail = RESULTS.count(False)
        print(f"{'FAIL' if nfail else 'PASS'}: {len(RESULTS) - nfail}/{len(RESULTS)} checks passed")
        return 1 if nfail else 0
    print(f"total {time.perf_counter() - t_start:.0f} s")
    return 1 if RESULTS.count(False) else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Side-by-side QR / SVD / randomized SVD (issue 5): simdkern's C ABI
(sk_rsvd_*, sk_svd_*, sk_qr_* through ctypes) vs numpy.linalg, scipy.linalg
and scikit-learn's randomized_svd, in one process.

Run it through benches/peers/run_svd.sh (builds the library, checks the
Python packages), or directly:

    python3 benches/peers/svd_peers.py [--quick] [--threads N] [--check]
                                       [--peers-only] [--only rsvd,svd,qr]
                                       [--rounds R]

The machine is a noisy shared VM: every method of a problem is timed once
per round, the methods interleaved (the order rotates each round, 5 ms of
sleep before each call so the other library's idle workers stop spinning),
and the tables give the median and the best of R rounds. Accuracy is
measured on an untimed first call per method whose simdkern output buffers
are pre-filled with NaN, so an element the library fails to write shows up.

Accuracy columns:
  rSVD   resid/s_k+1   ||A - U S V^T||_2 / sigma_{k+1}(A); the 2-norm is
                       exact: np.linalg.norm(R, 2) (singular values of R,
                       LAPACK gesdd without vectors), in f64 against the
                       f64 matrix, also for the f32 methods (whose input is
                       A cast to f32: the cast moves sigma by ~1e-8 relative,
                       far below what these columns resolve).
         s rel err     max_i |s_i - sigma_i| / sigma_i, i <= k, with sigma
                       from np.linalg.svd(A) (computed once, untimed).
  SVD    s rel diff    as above, i <= min(m, n), against numpy's f64 SVD
                       of the same (f32-cast, for the f32 rows) matrix.
         recon         ||A - U S V^T||_max / ||A||_max.
  QR     recon (F, rel) ||A - QR||_F / ||A||_F;  orth Q  ||Q^T Q - I||_max.
  all    orth U, orth V  ||U^T U - I||_max, ||V^T V - I||_max (V^T's rows).

--check runs each problem once (no timing) and asserts:
  rSVD (default options; all four spectra): resid <= 1.05 sigma_{k+1}
       (scikit-learn reaches 1.000 on the decaying spectra, 1.003 on the
       slow one, with the same oversampling and power iterations)
  SVD f64: s rel diff <= 1e-12 for the well-conditioned matrices (graded
       512, Gaussian 1024x256 / 256x1024), and max|ds| / sigma_1 <= 1e-12
       for the square Gaussian (condition number ~1e3); f32: 1e-4 likewise
  SVD, QR: reconstruction <= 10 * max(m, n) * eps
  all: orthonormality <= 10 * (column length) * eps, finite outputs,
       singular values descending; QR: R upper triangular (exact zeros)
It prints PASS/FAIL lines and exits 1 on any FAIL. With --peers-only the
same thresholds are applied to the peers (a check of the thresholds).

--threads N sets OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS
before numpy is imported and calls sk_set_num_threads(N); without it both
sides use one thread per core.
"""

import argparse
import os
import sys


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer rounds (~3)")
    p.add_argument("--threads", type=int, default=None, metavar="N",
                   help="threads for OpenBLAS and simdkern (default: all cores)")
    p.add_argument("--check", action="store_true",
                   help="one run per problem, assert accuracy, print PASS/FAIL")
    p.add_argument("--peers-only", action="store_true",
                   help="time only numpy/scipy/scikit-learn (no libsimdkern needed)")
    p.add_argument("--only", default="rsvd,svd,qr", metavar="LIST",
                   help="comma-separated subset of rsvd,svd,qr")
    p.add_argument("--rounds", type=int, default=None, metavar="R",
                   help="rounds per problem (default 7, small problems more, --quick 3)")
    a = p.parse_args()
    if a.threads is not None and a.threads < 1:
        p.error("--threads must be >= 1")
    a.only = {s.strip() for s in a.only.split(",") if s.strip()}
    bad = a.only - {"rsvd", "svd", "qr"}
    if bad:
        p.error("--only: unknown " + ",".join(sorted(bad)))
    return a


ARGS = parse_args()
# OpenBLAS reads its thread count once, when numpy (or scipy) loads it.
if ARGS.threads is not None:
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(ARGS.threads)

import ctypes  # noqa: E402

import numpy as np  # noqa: E402
import peerlib  # noqa: E402
from peerlib import RESULTS, Timer, check, check_le, cpu_model, die, table  # noqa: E402
import scipy  # noqa: E402
import scipy.linalg  # noqa: E402
import sklearn  # noqa: E402
from sklearn.utils.extmath import randomized_svd  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
POWER_ITERS_AUTO = 0xFFFFFFFF


# ---------------------------------------------------------------- simdkern

class RsvdOptions(ctypes.Structure):
    _fields_ = [("oversample", ctypes.c_uint32),
                ("power_iters", ctypes.c_uint32),
                ("seed", ctypes.c_uint64)]


SIZE = ctypes.c_size_t
PTRDIFF = ctypes.c_ssize_t
PTR = ctypes.c_void_p
STATUS = ctypes.c_int32

# name -> (restype, argtypes)
SIGNATURES = {
    "sk_status_str": (ctypes.c_char_p, [ctypes.c_int]),
    "sk_last_error_message": (SIZE, [ctypes.c_char_p, SIZE]),
    "sk_set_num_threads": (STATUS, [SIZE]),
    "sk_get_num_threads": (SIZE, []),
    "sk_rsvd_options_default": (RsvdOptions, []),
}
for _t in ("f64", "f32"):
    SIGNATURES["sk_rsvd_" + _t] = (STATUS, [SIZE, SIZE, PTR, PTRDIFF, PTRDIFF, SIZE,
                                            ctypes.POINTER(RsvdOptions), PTR, PTR, PTR])
    SIGNATURES["sk_svd_" + _t] = (STATUS, [SIZE, SIZE, PTR, PTRDIFF, PTRDIFF, PTR, PTR, PTR])
    SIGNATURES["sk_qr_" + _t] = (STATUS, [SIZE, SIZE, PTR, PTRDIFF, PTRDIFF, PTR, PTR])


def load_simdkern():
    return peerlib.load_simdkern(ROOT, SIGNATURES, 'build the library with the linalg family; --peers-only times the peers alone',
                                 'build it (cargo build --release), set SIMDKERN_LIB, or run with --peers-only')


LIB = None


def sk_check(status, what):
    if status != 0:
        buf = ctypes.create_string_buffer(1024)
        LIB.sk_last_error_message(buf, len(buf))
        die(f"{what}: status {status} ({LIB.sk_status_str(status).decode()}): "
            f"{buf.value.decode(errors='replace')}")


def _out(shape, dtype, fill):
    if fill:
        return np.full(shape, np.nan, dtype=dtype)
    return np.empty(shape, dtype=dtype)


def _sfx(a):
    return "f64" if a.dtype == np.float64 else "f32"


def _strides(a):
    isz = a.itemsize
    return a.strides[0] // isz, a.strides[1] // isz


def sk_rsvd(a, k, opts=None, fill=False):
    m, n = a.shape
    rsa, csa = _strides(a)
    u, s, vt = _out((m, k), a.dtype, fill), _out(k, a.dtype, fill), _out((k, n), a.dtype, fill)
    o = ctypes.byref(opts) if opts is not None else None
    f = "sk_rsvd_" + _sfx(a)
    sk_check(getattr(LIB, f)(m, n, a.ctypes.data, rsa, csa, k, o,
                             u.ctypes.data, s.ctypes.data, vt.ctypes.data), f)
    return u, s, vt


def sk_svd(a, fill=False):
    m, n = a.shape
    r = min(m, n)
    rsa, csa = _strides(a)
    u, s, vt = _out((m, r), a.dtype, fill), _out(r, a.dtype, fill), _out((r, n), a.dtype, fill)
    f = "sk_svd_" + _sfx(a)
    sk_check(getattr(LIB, f)(m, n, a.ctypes.data, rsa, csa,
                             u.ctypes.data, s.ctypes.data, vt.ctypes.data), f)
    return u, s, vt


def sk_qr(a, fill=False):
    m, n = a.shape
    r = min(m, n)
    rsa, csa = _strides(a)
    q, rr = _out((m, r), a.dtype, fill), _out((r, n), a.dtype, fill)
    f = "sk_qr_" + _sfx(a)
    sk_check(getattr(LIB, f)(m, n, a.ctypes.data, rsa, csa, q.ctypes.data, rr.ctypes.data), f)
    return q, rr


# ---------------------------------------------------------------- helpers

def auto_power_iters(k, m, n):
    # scikit-learn's randomized_svd n_iter='auto', and SK_RSVD_POWER_ITERS_AUTO
    return 7 if k < 0.1 * min(m, n) else 4


def haar(rng, m, n):
    """m x n with orthonormal columns (QR of a Gaussian, signs fixed)."""
    q, r = np.linalg.qr(rng.standard_normal((m, n)))
    return q * np.sign(np.diag(r))


def low_rank_plus_noise(m, n, k, seed, noise=1e-3):
    """U0 diag(logspace(0,-2,k)) V0^T + noise * G / sqrt(n): the noise's
    singular values fill [0, ~noise*(1+sqrt(m/n))], so sigma_{k+1} ~ 2e-3
    sits below sigma_k ~ 1e-2 with a flat tail behind it."""
    rng = np.random.default_rng(seed)
    s0 = np.logspace(0, -2, k)
    a = (haar(rng, m, k) * s0) @ haar(rng, n, k).T
    a += rng.standard_normal((m, n)) * (noise / np.sqrt(n))
    return a


def with_spectrum(m, n, sigma, seed):
    rng = np.random.default_rng(seed)
    r = min(m, n)
    return (haar(rng, m, r) * sigma) @ haar(rng, n, r).T


def orth_err(q):
    """||Q^T Q - I||_max in f64 for Q with orthonormal columns."""
    q = q.astype(np.float64, copy=False)
    g = q.T @ q
    g[np.diag_indices_from(g)] -= 1.0
    return float(np.abs(g).max())


def eps_of(dtype):
    return float(np.finfo(dtype).eps)


def blas_info():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    parts = []
    for d in threadpool_info():
        if d.get("user_api") != "blas":
            continue
        lib = os.path.basename(d.get("filepath", "?"))
        owner = "numpy" if "numpy" in d.get("filepath", "") else (
            "scipy" if "scipy" in d.get("filepath", "") else lib)
        parts.append(f"{owner}: {d.get('internal_api')} {d.get('version')} "
                     f"{d.get('architecture', '')} x{d.get('num_threads')}")
    return "; ".join(parts) or "?"


def nrounds(r):
    return "check: one untimed run" if ARGS.check else f"{r} round{'' if r == 1 else 's'}"


def fe(x):
    return f"{x:.1e}"


def ft(x):
    return f"{x:.1f}" if x >= 10 else f"{x:.2f}"


# ---------------------------------------------------------------- checks

def checked(name):
    """--check judges simdkern's rows, or the peers' with --peers-only."""
    return ARGS.check and (ARGS.peers_only or name.startswith("simdkern"))


def check_factors(label, dtype, *arrays, s=None):
    fin = all(bool(np.isfinite(x).all()) for x in arrays)
    check(f"{label} finite", fin, "all outputs finite" if fin else "NaN/Inf in output")
    if s is not None and fin:
        desc = bool((np.diff(s.astype(np.float64)) <= 0).all()) and bool((s >= 0).all())
        check(f"{label} s descending", desc, "s >= 0, non-increasing" if desc else str(s[:8]))


# ---------------------------------------------------------------- problems

def rsvd_problem(title, a64, k, rounds, sk_ok, target_ms=None):
    m, n = a64.shape
    iters = auto_power_iters(k, m, n)
    a32 = a64.astype(np.float32)
    sigma = np.linalg.svd(a64, compute_uv=False)  # reference, untimed
    print(f"### rSVD rank {k}, {m}x{n}, {title}\n")
    print(f"sigma_1 = {sigma[0]:.3g}, sigma_k = {sigma[k - 1]:.3g}, "
          f"sigma_k+1 = {sigma[k]:.3g}; oversample 10, power iterations {iters} "
          f"(auto); {nrounds(rounds)}\n")

    def skl(a):
        return randomized_svd(a, k, n_oversamples=10, n_iter=iters, random_state=0)

    methods = []
    if sk_ok:
        opts = LIB.sk_rsvd_options_default()
        methods += [("simdkern f64", lambda f=False: sk_rsvd(a64, k, opts, f)),
                    ("simdkern f32", lambda f=False: sk_rsvd(a32, k, opts, f))]
    methods += [("scikit-learn f64", lambda f=False: skl(a64)),
                ("scikit-learn f32", lambda f=False: skl(a32))]
    acc = {}
    for name, fn in methods:
        out = fn(True) if name.startswith("simdkern") else fn()
        u, s, vt = out
        if checked(name):
            check_factors(f"rsvd {title} {name}", u.dtype, u, s, vt, s=s)
        u64, s64, vt64 = (x.astype(np.float64) for x in out)
        if not (np.isfinite(u64).all() and np.isfinite(s64).all() and np.isfinite(vt64).all()):
            acc[name] = (np.nan,) * 4
            continue
        res = np.linalg.norm(a64 - (u64 * s64) @ vt64, 2)
        acc[name] = (res / sigma[k], float(np.max(np.abs(s64 - sigma[:k]) / sigma[:k])),
                     orth_err(u64), orth_err(vt64.T))
    if ARGS.check:
        for name, _ in methods:
            dt = np.float32 if name.endswith("f32") else np.float64
            if not checked(name):
                continue
            lbl = f"rsvd {title} {name}"
            check_le(f"{lbl} resid/sigma_k+1", acc[name][0], 1.05)
            check_le(f"{lbl} orth U", acc[name][2], 10 * m * eps_of(dt))
            check_le(f"{lbl} orth V", acc[name][3], 10 * n * eps_of(dt))
        print()
        return
    times = Timer(rounds).run([(nm, fn) for nm, fn in methods])
    base = times["scikit-learn f64"][0]
    rows = []
    for name, _ in methods:
        med, best = times[name]
        rows.append([name, ft(med), ft(best), f"{base / med:.2f}x", f"{acc[name][0]:.4f}",
                     fe(acc[name][1]), fe(acc[name][2]), fe(acc[name][3])])
    table(["method", "median ms", "best ms", "vs sklearn f64", "resid/s_k+1",
           "s rel err", "orth U", "orth V"], rows)
    if target_ms is not None and sk_ok:
        for name in ("simdkern f64", "simdkern f32"):
            med = times[name][0]
            print(f"{name}: median {med:.1f} ms, {'under' if med < target_ms else 'OVER'} "
                  f"the {target_ms:g} ms target")
        print()


def svd_problem(title, a, rounds, sk_ok, elementwise):
    """Thin SVD; a is f64 or f32. elementwise: the matrix is well conditioned,
    check relative differences per singular value (else normwise)."""
    m, n = a.shape
    r = min(m, n)
    dt = a.dtype
    a64 = a.astype(np.float64)
    ref = np.linalg.svd(a64, compute_uv=False)
    print(f"### Thin SVD {m}x{n} {_sfx(a)}, {title}\n")
    print(f"sigma_1 = {ref[0]:.3g}, sigma_min = {ref[-1]:.3g} (cond {ref[0] / ref[-1]:.3g}); "
          f"{nrounds(rounds)}\n")
    methods = []
    if sk_ok:
        methods.append((f"simdkern {_sfx(a)}", lambda f=False: sk_svd(a, f)))
    methods.append((f"numpy {_sfx(a)}", lambda f=False: np.linalg.svd(a, full_matrices=False)))
    if dt == np.float64:
        for drv in ("gesdd", "gesvd"):
            methods.append((f"scipy {drv}", lambda f=False, d=drv: scipy.linalg.svd(
                a, full_matrices=False, lapack_driver=d, check_finite=False)))
    acc = {}
    for name, fn in methods:
        out = fn(True) if name.startswith("simdkern") else fn()
        u, s, vt = out
        if checked(name):
            check_factors(f"svd {title} {m}x{n} {name}", dt, u, s, vt, s=s)
        u64, s64, vt64 = (x.astype(np.float64) for x in out)
        if not (np.isfinite(u64).all() and np.isfinite(s64).all() and np.isfinite(vt64).all()):
            acc[name] = (np.nan,) * 5
            continue
        ds = np.abs(s64 - ref)
        acc[name] = (float(np.max(ds / ref)), float(np.max(ds) / ref[0]),
                     float(np.abs(a64 - (u64 * s64) @ vt64).max() / np.abs(a64).max()),
                     orth_err(u64), orth_err(vt64.T))
    if ARGS.check:
        tol = 1e-12 if dt == np.float64 else 1e-4
        e = eps_of(dt)
        for name, _ in methods:
            if not checked(name):
                continue
            lbl = f"svd {title} {m}x{n} {name}"
            if elementwise:
                check_le(f"{lbl} max |ds|/sigma", acc[name][0], tol)
            else:
                check_le(f"{lbl} max |ds|/sigma_1", acc[name][1], tol)
            check_le(f"{lbl} recon", acc[name][2], 10 * max(m, n) * e)
            check_le(f"{lbl} orth U", acc[name][3], 10 * m * e)
            check_le(f"{lbl} orth V", acc[name][4], 10 * n * e)
        print()
        return
    times = Timer(rounds).run(methods)
    base = times[f"numpy {_sfx(a)}"][0]
    rows = []
    for name, _ in methods:
        med, best = times[name]
        rows.append([name, ft(med), ft(best), f"{base / med:.2f}x", fe(acc[name][0]),
                     fe(acc[name][1]), fe(acc[name][2]), fe(acc[name][3]), fe(acc[name][4])])
    table(["method", "median ms", "best ms", "numpy/this", "s rel diff", "ds/s_1",
           "recon", "orth U", "orth V"], rows)


def qr_problem(a, rounds, sk_ok):
    m, n = a.shape
    dt = a.dtype
    a64 = a.astype(np.float64)
    print(f"### QR {m}x{n} {_sfx(a)} (reduced)\n")
    print(f"{nrounds(rounds)}\n")
    methods = []
    if sk_ok:
        methods.append((f"simdkern {_sfx(a)}", lambda f=False: sk_qr(a, f)))
    methods.append((f"numpy {_sfx(a)}", lambda f=False: np.linalg.qr(a, mode="reduced")))
    if dt == np.float64:
        methods.append(("scipy economic", lambda f=False: scipy.linalg.qr(
            a, mode="economic", check_finite=False)))
    acc = {}
    for name, fn in methods:
        q, r = fn(True) if name.startswith("simdkern") else fn()
        if checked(name):
            check_factors(f"qr {m}x{n} {name}", dt, q, r)
            if np.isfinite(r).all():
                low = float(np.abs(np.tril(r, -1)).max()) if min(r.shape) > 1 else 0.0
                check(f"qr {m}x{n} {name} R upper triangular", low == 0.0,
                      f"max |R below diagonal| = {low:.3g}")
        q64, r64 = q.astype(np.float64), r.astype(np.float64)
        if not (np.isfinite(q64).all() and np.isfinite(r64).all()):
            acc[name] = (np.nan, np.nan)
            continue
        acc[name] = (float(np.linalg.norm(a64 - q64 @ r64) / np.linalg.norm(a64)), orth_err(q64))
    if ARGS.check:
        e = eps_of(dt)
        for name, _ in methods:
            if not checked(name):
                continue
            check_le(f"qr {m}x{n} {name} ||A-QR||_F/||A||_F", acc[name][0], 10 * max(m, n) * e)
            check_le(f"qr {m}x{n} {name} orth Q", acc[name][1], 10 * m * e)
        print()
        return
    times = Timer(rounds).run(methods)
    base = times[f"numpy {_sfx(a)}"][0]
    rows = []
    for name, _ in methods:
        med, best = times[name]
        rows.append([name, ft(med), ft(best), f"{base / med:.2f}x", fe(acc[name][0]),
                     fe(acc[name][1])])
    table(["method", "median ms", "best ms", "numpy/this", "recon (F, rel)", "orth Q"], rows)


def strided_check():
    """--check only: simdkern on a transposed view (rsa = 1, csa = m)."""
    rng = np.random.default_rng(7)
    a = rng.standard_normal((300, 120))
    at = a.T  # 120 x 300 view, strides (1, 120) elements
    assert not at.flags.c_contiguous
    ref = np.linalg.svd(a, compute_uv=False)
    u, s, vt = sk_svd(at, fill=True)
    check_le("svd 120x300 transposed view (rsa=1) max |ds|/sigma",
             float(np.max(np.abs(s - ref) / ref)), 1e-12)
    check_le("svd 120x300 transposed view recon",
             float(np.abs(at - (u * s) @ vt).max() / np.abs(a).max()), 10 * 300 * eps_of(np.float64))
    q, r = sk_qr(at[:, :120], fill=True)  # 120x120, strides (1, 120)
    check_le("qr 120x120 transposed view ||A-QR||_F/||A||_F",
             float(np.linalg.norm(at[:, :120] - q @ r) / np.linalg.norm(at[:, :120])),
             10 * 120 * eps_of(np.float64))
    k = 10
    u, s, vt = sk_rsvd(at, k, None, fill=True)  # opts = NULL: defaults
    check_le("rsvd k=10 of transposed view, opts NULL: s rel err (Gaussian, loose)",
             float(np.max(np.abs(s - ref[:k]) / ref[:k])), 0.1)
    print()


# ---------------------------------------------------------------- main

def main():
    global LIB
    sk_ok = not ARGS.peers_only
    lib_line = "not loaded (--peers-only)"
    if sk_ok:
        LIB, path = load_simdkern()
        if ARGS.threads is not None:
            sk_check(LIB.sk_set_num_threads(ARGS.threads), "sk_set_num_threads")
        d = LIB.sk_rsvd_options_default()
        pi = "AUTO" if d.power_iters == POWER_ITERS_AUTO else str(d.power_iters)
        lib_line = (f"{os.path.relpath(path, ROOT) if path.startswith(ROOT) else path}, "
                    f"{LIB.sk_get_num_threads()} threads, rSVD defaults oversample "
                    f"{d.oversample}, power_iters {pi}, seed {d.seed}")

    q = ARGS.quick
    R = ARGS.rounds
    r_big = R or (3 if q else 7)       # 2048x2048 rSVD, SVDs, QR
    r_mid = R or (3 if q else 5)       # 2048x1024 rSVDs
    r_small = R or (7 if q else 15)    # 512x512 rSVD (~tens of ms)

    print("## simdkern QR / SVD / randomized SVD vs numpy, scipy, scikit-learn\n")
    print(f"- CPU: {cpu_model()} ({os.cpu_count()} logical CPUs)")
    print(f"- threads: {ARGS.threads if ARGS.threads is not None else 'all cores (default)'}")
    print(f"- python {sys.version.split()[0]}, numpy {np.__version__}, scipy {scipy.__version__}, "
          f"scikit-learn {sklearn.__version__}")
    print(f"- BLAS: {blas_info()}")
    print(f"- simdkern: {lib_line}")
    print(f"- mode: {'check' if ARGS.check else ('quick' if q else 'full')}; "
          "times in ms, median / best of the rounds\n")

    if "rsvd" in ARGS.only:
        rsvd_problem("low rank 64 + noise", low_rank_plus_noise(2048, 2048, 64, seed=1),
                     64, r_big, sk_ok)
        m, n = 2048, 1024
        idx = np.arange(n)
        rsvd_problem("fast decay sigma_i = 0.9^i", with_spectrum(m, n, 0.9 ** idx, seed=2),
                     64, r_mid, sk_ok)
        rsvd_problem("slow decay sigma_i = (i+1)^-1/2", with_spectrum(m, n, (idx + 1.0) ** -0.5, seed=3),
                     64, r_mid, sk_ok)
        rsvd_problem("low rank 32 + noise", low_rank_plus_noise(512, 512, 32, seed=4),
                     32, r_small, sk_ok, target_ms=20)

    if "svd" in ARGS.only:
        rng = np.random.default_rng(5)
        gauss = rng.standard_normal((512, 512))
        graded = with_spectrum(512, 512, np.logspace(0, -2, 512), seed=6)
        svd_problem("Gaussian", gauss, r_big, sk_ok, elementwise=False)
        svd_problem("graded sigma = logspace(0,-2)", graded, r_big, sk_ok, elementwise=True)
        tall = rng.standard_normal((1024, 256))
        svd_problem("Gaussian tall", tall, r_big, sk_ok, elementwise=True)
        svd_problem("Gaussian wide", np.ascontiguousarray(rng.standard_normal((256, 1024))),
                    r_big, sk_ok, elementwise=True)
        svd_problem("Gaussian", gauss.astype(np.float32), r_big, sk_ok, elementwise=False)
        svd_problem("graded sigma = logspace(0,-2)", graded.astype(np.float32), r_big, sk_ok,
                    elementwise=True)

    if "qr" in ARGS.only:
        a = np.random.default_rng(8).standard_normal((1024, 256))
        qr_problem(a, r_big, sk_ok)
        qr_problem(a.astype(np.float32), r_big, sk_ok)

    if ARGS.check:
        if sk_ok:
            strided_check()
        nfail = RESULTS.count(False)
        print(f"{'FAIL' if nfail else 'PASS'}: {len(RESULTS) - nfail}/{len(RESULTS)} checks passed")
        return 1 if nfail else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())

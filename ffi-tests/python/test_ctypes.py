#!/usr/bin/env python3
"""simdkern through Python ctypes, checked against numpy.

    python3 ffi-tests/python/test_ctypes.py

The library is $SIMDKERN_LIB, else target/release/libsimdkern.so of this
repository. Plain unittest, so nothing beyond numpy is needed.
"""

import ctypes
import math
import os
import sys
import unittest
from ctypes import POINTER, c_char_p, c_double, c_float, c_int32, c_size_t, c_uint32
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
LIB_PATH = os.environ.get("SIMDKERN_LIB") or str(REPO / "target" / "release" / "libsimdkern.so")

# Values from include/simdkern.h.
SK_OK, SK_ERR_NULL_POINTER, SK_ERR_INVALID_ARGUMENT = 0, 1, 2
SK_ISA_SCALAR, SK_ISA_AVX512_VNNI = 0, 3
SK_DOT_U8S8_SAFE_N = 65793
SIZE_MAX = 2 ** (8 * ctypes.sizeof(c_size_t)) - 1

c_ptrdiff = ctypes.c_ssize_t  # ptrdiff_t and ssize_t agree on every supported ABI
c_status = c_int32


def load():
    if not os.path.exists(LIB_PATH):
        sys.exit(f"test_ctypes: {LIB_PATH} not found; run `cargo build --release` "
                 "or set SIMDKERN_LIB")
    lib = ctypes.CDLL(LIB_PATH)
    f32p, f64p = POINTER(c_float), POINTER(c_double)
    u8p, s8p = POINTER(ctypes.c_uint8), POINTER(ctypes.c_int8)
    sizep = POINTER(c_size_t)
    signatures = {
        "sk_version_number": (c_uint32, []),
        "sk_status_str": (c_char_p, [c_status]),
        "sk_last_error_message": (c_size_t, [ctypes.c_char_p, c_size_t]),
        "sk_set_max_isa": (c_status, [c_uint32]),
        "sk_active_isa": (c_uint32, []),
        "sk_sdot": (c_status, [c_size_t, f32p, c_ptrdiff, f32p, c_ptrdiff, f32p]),
        "sk_ddot": (c_status, [c_size_t, f64p, c_ptrdiff, f64p, c_ptrdiff, f64p]),
        "sk_dot_u8s8": (c_status, [c_size_t, u8p, s8p, POINTER(c_int32)]),
        "sk_daxpy": (c_status, [c_size_t, c_double, f64p, c_ptrdiff, f64p, c_ptrdiff]),
        "sk_dnrm2": (c_status, [c_size_t, f64p, c_ptrdiff, f64p]),
        "sk_dasum": (c_status, [c_size_t, f64p, c_ptrdiff, f64p]),
        "sk_idamax": (c_status, [c_size_t, f64p, c_ptrdiff, sizep]),
        "sk_dgemm": (c_status, [c_size_t, c_size_t, c_size_t, c_double,
                                f64p, c_ptrdiff, c_ptrdiff, f64p, c_ptrdiff, c_ptrdiff,
                                c_double, f64p, c_ptrdiff, c_ptrdiff]),
    }
    for name, (restype, argtypes) in signatures.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    return lib


LIB = load()


def vec(a, ctype):
    """(pointer, inc) for a 1-D numpy array or strided view, BLAS style.

    A negative numpy stride means element 0 sits at the highest address,
    which is exactly BLAS's negative increment with the pointer at the
    lowest address, i.e. at element n-1.
    """
    item = a.itemsize
    assert a.ndim == 1 and a.strides[0] % item == 0
    inc = a.strides[0] // item
    lowest = a[-1:] if inc < 0 else a[:1]  # slices keep the address; a[-1] would copy
    return ctypes.cast(lowest.ctypes.data, POINTER(ctype)), inc if inc != 0 else 1


def last_error():
    n = LIB.sk_last_error_message(None, 0)
    buf = ctypes.create_string_buffer(n + 1)
    assert LIB.sk_last_error_message(buf, n + 1) == n
    return buf.value.decode()


def views(rng, n, dtype):
    """Contiguous, strided, reversed and reversed-strided views of random data."""
    base = rng.standard_normal(3 * n + 1).astype(dtype)
    return [base[:n], base[::3][:n], base[:n][::-1], base[::3][:n][::-1]]


class Kernels(unittest.TestCase):
    """Results against numpy on every ISA the library can be capped to."""

    def setUp(self):
        self.rng = np.random.default_rng(20240611)

    def tearDown(self):
        LIB.sk_set_max_isa(SK_ISA_AVX512_VNNI)

    def each_isa(self):
        for isa in range(SK_ISA_SCALAR, SK_ISA_AVX512_VNNI + 1):
            self.assertEqual(LIB.sk_set_max_isa(isa), SK_OK)
            yield isa, LIB.sk_active_isa()

    def test_sdot_ddot(self):
        for isa, active in self.each_isa():
            with self.subTest(isa=isa, active=active):
                for n in (0, 1, 7, 16, 33, 1000, 4099):
                    for dtype, ctype, fn, eps in ((np.float32, c_float, LIB.sk_sdot, 2.0 ** -23),
                                                  (np.float64, c_double, LIB.sk_ddot, 2.0 ** -52)):
                        for x, y in zip(views(self.rng, n, dtype), reversed(views(self.rng, n, dtype))):
                            out = ctype(-777)
                            self.assertEqual(fn(n, *vec(x, ctype), *vec(y, ctype), ctypes.byref(out)), SK_OK)
                            want = np.dot(x.astype(np.float64), y.astype(np.float64))
                            tol = 2 * (n + 1) * eps * float(np.abs(x.astype(np.float64) * y).sum())
                            self.assertLessEqual(abs(out.value - want), tol + 1e-300, (n, x.strides))

    def test_daxpy(self):
        for isa, active in self.each_isa():
            with self.subTest(isa=isa, active=active):
                for n in (0, 5, 64, 1001):
                    base = self.rng.standard_normal(3 * n + 1)
                    for x in views(self.rng, n, np.float64):
                        y_base = base.copy()
                        y = y_base[::-3][:n]  # strided and reversed output
                        want_base = y_base.copy()
                        want_base[::-3][:n] += 0.25 * x
                        self.assertEqual(LIB.sk_daxpy(n, 0.25, *vec(x, c_double), *vec(y, c_double)), SK_OK)
                        np.testing.assert_allclose(y_base, want_base, rtol=4e-16, atol=1e-300)

    def test_dnrm2_dasum_idamax(self):
        for isa, active in self.each_isa():
            with self.subTest(isa=isa, active=active):
                for n in (1, 8, 31, 1000):
                    for x in views(self.rng, n, np.float64):
                        p, inc = vec(x, c_double)
                        out, idx = c_double(-777), c_size_t(12345)
                        self.assertEqual(LIB.sk_dnrm2(n, p, inc, ctypes.byref(out)), SK_OK)
                        self.assertAlmostEqual(out.value / np.linalg.norm(x), 1.0, delta=(n + 2) * 2.0 ** -52)
                        self.assertEqual(LIB.sk_dasum(n, p, inc, ctypes.byref(out)), SK_OK)
                        self.assertAlmostEqual(out.value / np.abs(x).sum(), 1.0, delta=(n + 2) * 2.0 ** -52)
                        self.assertEqual(LIB.sk_idamax(n, p, inc, ctypes.byref(idx)), SK_OK)
                        self.assertEqual(idx.value, int(np.argmax(np.abs(x))))  # first of ties, 0-based

    def test_dnrm2_huge_and_tiny(self):
        for isa, active in self.each_isa():
            with self.subTest(isa=isa, active=active):
                out = c_double()
                for scale in (2.0 ** 996, 2.0 ** -1000):  # about 6.7e299 and 9.3e-302
                    # 100 copies of (3s, -4s): every partial sum of squares is an
                    # integer times s^2, so the norm is exactly sqrt(2500) * s = 50s.
                    x = np.tile([3.0 * scale, -4.0 * scale], 100)
                    self.assertEqual(LIB.sk_dnrm2(len(x), *vec(x, c_double), ctypes.byref(out)), SK_OK)
                    self.assertEqual(out.value, 50.0 * scale)
                x = np.full(1000, -1e300)  # squares overflow a naive loop
                self.assertEqual(LIB.sk_dnrm2(len(x), *vec(x, c_double), ctypes.byref(out)), SK_OK)
                self.assertAlmostEqual(out.value / (math.sqrt(1000) * 1e300), 1.0, delta=1e-13)
                self.assertEqual(LIB.sk_dnrm2(1, *vec(x, c_double), ctypes.byref(out)), SK_OK)
                self.assertEqual(out.value, 1e300)

    def test_idamax_nan_and_empty(self):
        x = np.array([1.0, -7.0, np.nan, 9.0, np.nan])
        idx = c_size_t(12345)
        self.assertEqual(LIB.sk_idamax(len(x), *vec(x, c_double), ctypes.byref(idx)), SK_OK)
        self.assertEqual(idx.value, 2)
        self.assertEqual(LIB.sk_idamax(0, None, 1, ctypes.byref(idx)), SK_OK)
        self.assertEqual(idx.value, SIZE_MAX)

    def test_dot_u8s8(self):
        for isa, active in self.each_isa():
            with self.subTest(isa=isa, active=active):
                for n in (0, 1, 63, 64, 65, 1000, SK_DOT_U8S8_SAFE_N):
                    x = self.rng.integers(0, 256, n, dtype=np.uint8)
                    y = self.rng.integers(-128, 128, n, dtype=np.int8)
                    out = c_int32(-777)
                    status = LIB.sk_dot_u8s8(n, *[vec(a, t)[0] for a, t in
                                                 ((x, ctypes.c_uint8), (y, ctypes.c_int8))],
                                             ctypes.byref(out))
                    self.assertEqual(status, SK_OK)
                    self.assertEqual(out.value, int(x.astype(np.int64) @ y.astype(np.int64)))


def mat(a):
    """(pointer to element (0, 0), row stride, column stride) of a 2-D numpy
    array or view with non-negative strides, in elements (BLIS style)."""
    rs, cs = (st // a.itemsize for st in a.strides)
    assert rs >= 0 and cs >= 0
    return ctypes.cast(a.ctypes.data, POINTER(c_double)), rs, cs


class Gemm(unittest.TestCase):
    """sk_dgemm on numpy layouts: row-major, transposed (column-major) and
    sliced views, against numpy's matmul, on every ISA."""

    def tearDown(self):
        LIB.sk_set_max_isa(SK_ISA_AVX512_VNNI)

    def test_dgemm_layouts(self):
        rng = np.random.default_rng(7)
        for isa in range(SK_ISA_SCALAR, SK_ISA_AVX512_VNNI + 1):
            LIB.sk_set_max_isa(isa)
            for m, n, k in [(1, 1, 1), (7, 5, 3), (70, 90, 110), (200, 13, 300)]:
                a = rng.standard_normal((m, k))
                bt = rng.standard_normal((n, k))
                b = bt.T  # a column-major view, no copy
                big = rng.standard_normal((m + 3, 2 * n))
                c = big[1:m + 1, ::2]  # a strided sub-matrix view
                c0, before = c.copy(), big.copy()
                want = 0.5 * (a @ b) - 2.0 * c0
                ap, rsa, csa = mat(a)
                bp, rsb, csb = mat(b)
                cp, rsc, csc = mat(c)
                st = LIB.sk_dgemm(m, n, k, 0.5, ap, rsa, csa, bp, rsb, csb, -2.0, cp, rsc, csc)
                self.assertEqual(st, SK_OK, last_error())
                np.testing.assert_allclose(c, want, rtol=1e-12, atol=1e-12 * k)
                outside = np.ones(big.shape, dtype=bool)
                outside[1:m + 1, ::2] = False
                self.assertTrue(np.array_equal(big[outside], before[outside]))

    def test_dgemm_overlap_refused(self):
        a = np.ones((4, 4))
        p, rs, cs = mat(a)
        st = LIB.sk_dgemm(4, 4, 4, 1.0, p, rs, cs, p, rs, cs, 0.0, p, rs, cs)
        self.assertEqual(st, SK_ERR_INVALID_ARGUMENT)
        self.assertIn("overlap", last_error())


class Errors(unittest.TestCase):
    """Documented statuses; outputs untouched and a message on every failure."""

    def expect(self, status, want):
        self.assertEqual(status, want, LIB.sk_status_str(status))
        message = last_error()
        self.assertTrue(message, "empty error message")
        return message

    def test_statuses(self):
        x = np.ones(8)
        out = c_double(-777)
        p, _ = vec(x, c_double)
        self.expect(LIB.sk_ddot(4, None, 1, p, 1, ctypes.byref(out)), SK_ERR_NULL_POINTER)
        self.expect(LIB.sk_ddot(4, p, 0, p, 1, ctypes.byref(out)), SK_ERR_INVALID_ARGUMENT)
        self.expect(LIB.sk_dnrm2(SIZE_MAX // 2, p, 4, ctypes.byref(out)), SK_ERR_INVALID_ARGUMENT)
        misaligned = ctypes.cast(x.ctypes.data + 1, POINTER(c_double))
        self.expect(LIB.sk_dasum(4, misaligned, 1, ctypes.byref(out)), SK_ERR_INVALID_ARGUMENT)
        self.assertEqual(out.value, -777)
        overlapping = ctypes.cast(x.ctypes.data + 8, POINTER(c_double))
        self.expect(LIB.sk_daxpy(4, 1.0, p, 1, overlapping, 1), SK_ERR_INVALID_ARGUMENT)
        np.testing.assert_array_equal(x, np.ones(8))
        self.expect(LIB.sk_set_max_isa(99), SK_ERR_INVALID_ARGUMENT)

    def test_dot_u8s8_overflow(self):
        x = np.full(70000, 255, dtype=np.uint8)
        y = np.full(70000, 127, dtype=np.int8)
        out = c_int32(-777)
        self.expect(LIB.sk_dot_u8s8(70000, vec(x, ctypes.c_uint8)[0], vec(y, ctypes.c_int8)[0],
                                    ctypes.byref(out)), SK_ERR_INVALID_ARGUMENT)
        self.assertEqual(out.value, -777)

    def test_message_truncation(self):
        message = self.expect(LIB.sk_ddot(4, None, 1, None, 1, None), SK_ERR_NULL_POINTER)
        small = ctypes.create_string_buffer(b"X" * 8)
        self.assertEqual(LIB.sk_last_error_message(small, 5), len(message.encode()))
        self.assertEqual(small.raw[:5], message.encode()[:4] + b"\0")

    def test_status_text(self):
        self.assertEqual(LIB.sk_status_str(SK_OK) != b"unknown status", True)
        self.assertEqual(LIB.sk_status_str(12345), b"unknown status")

    def test_header_version(self):
        text = (REPO / "include" / "simdkern.h").read_text()
        parts = {}
        for name in ("MAJOR", "MINOR", "PATCH", "NUMBER"):
            line = next(ln for ln in text.splitlines() if ln.startswith(f"#define SK_VERSION_{name} "))
            parts[name] = int(line.split()[2])
        self.assertEqual(parts["NUMBER"], parts["MAJOR"] * 10000 + parts["MINOR"] * 100 + parts["PATCH"])
        self.assertEqual(LIB.sk_version_number(), parts["NUMBER"])


if __name__ == "__main__":
    unittest.main(verbosity=1)

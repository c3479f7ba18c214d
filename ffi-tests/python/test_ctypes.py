#!/usr/bin/env python3
"""simdkern through Python ctypes, checked against numpy.

    python3 ffi-tests/python/test_ctypes.py

The library is $SIMDKERN_LIB, else target/release/libsimdkern.so of this
repository. Plain unittest, so nothing beyond numpy is needed.
"""

import ctypes
import itertools
import math
import os
import sys
import tempfile
import unittest
from ctypes import POINTER, c_char_p, c_double, c_float, c_int32, c_size_t, c_uint32
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
LIB_PATH = os.environ.get("SIMDKERN_LIB") or str(REPO / "target" / "release" / "libsimdkern.so")

# Values from include/simdkern.h.
SK_OK, SK_ERR_NULL_POINTER, SK_ERR_INVALID_ARGUMENT, SK_ERR_DIMENSION_MISMATCH = 0, 1, 2, 3
SK_ISA_SCALAR, SK_ISA_AVX512_VNNI = 0, 3
SK_DOT_U8S8_SAFE_N = 65793
SK_GEMM_INT8_MAX_K = 65793
SIZE_MAX = 2 ** (8 * ctypes.sizeof(c_size_t)) - 1
# sk_matmul_auto_*'s path values (MatmulPath in src/sparse/auto.rs);
# TestSparse.test_header_defines_matmul_paths checks the header has them.
SK_MATMUL_DENSE, SK_MATMUL_SPARSE = 0, 1

c_ptrdiff = ctypes.c_ssize_t  # ptrdiff_t and ssize_t agree on every supported ABI
c_status = c_int32


class RsvdOptions(ctypes.Structure):
    """sk_rsvd_options."""
    _fields_ = [("oversample", c_uint32), ("power_iters", c_uint32), ("seed", ctypes.c_uint64)]


def load():
    if not os.path.exists(LIB_PATH):
        sys.exit(f"test_ctypes: {LIB_PATH} not found; run `cargo build --release` "
                 "or set SIMDKERN_LIB")
    lib = ctypes.CDLL(LIB_PATH)
    f32p, f64p = POINTER(c_float), POINTER(c_double)
    u8p, s8p = POINTER(ctypes.c_uint8), POINTER(ctypes.c_int8)
    sizep = POINTER(c_size_t)
    i64p, i32p = POINTER(ctypes.c_int64), POINTER(c_int32)
    # sk_csr is opaque: a void pointer here.
    csr, csrp = ctypes.c_void_p, POINTER(ctypes.c_void_p)
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
        "sk_gemm_u8s8s32": (c_status, [c_size_t, c_size_t, c_size_t,
                                       u8p, c_ptrdiff, c_ptrdiff, s8p, c_ptrdiff, c_ptrdiff,
                                       c_int32, POINTER(c_int32), c_ptrdiff, c_ptrdiff]),
        "sk_gemm_s8s8s32": (c_status, [c_size_t, c_size_t, c_size_t,
                                       s8p, c_ptrdiff, c_ptrdiff, s8p, c_ptrdiff, c_ptrdiff,
                                       c_int32, POINTER(c_int32), c_ptrdiff, c_ptrdiff]),
        # sk_qlinear is opaque: a void pointer here.
        "sk_qlinear_new": (c_status, [c_size_t, c_size_t, f32p, c_ptrdiff, c_ptrdiff, f32p,
                                      POINTER(ctypes.c_void_p)]),
        "sk_qlinear_free": (None, [ctypes.c_void_p]),
        "sk_qlinear_shape": (c_status, [ctypes.c_void_p, sizep, sizep]),
        "sk_qlinear_forward_f32": (c_status, [ctypes.c_void_p, c_size_t, f32p, c_ptrdiff, c_ptrdiff,
                                              f32p, c_ptrdiff, c_ptrdiff]),
        "sk_csr_new_f64": (c_status, [c_size_t, c_size_t, c_size_t, i64p, i32p, f64p, csrp]),
        "sk_csr_new_f32": (c_status, [c_size_t, c_size_t, c_size_t, i64p, i32p, f32p, csrp]),
        "sk_csr_free": (None, [csr]),
        "sk_csr_shape": (c_status, [csr, sizep, sizep, sizep]),
        "sk_csr_export_f64": (c_status, [csr, i64p, i32p, f64p]),
        "sk_csr_export_f32": (c_status, [csr, i64p, i32p, f32p]),
        "sk_csr_spmv_f64": (c_status, [csr, c_double, f64p, c_double, f64p]),
        "sk_csr_spmv_f32": (c_status, [csr, c_float, f32p, c_float, f32p]),
        "sk_csr_spmm_f64": (c_status, [csr, c_size_t, c_double, f64p, c_ptrdiff, c_ptrdiff,
                                       c_double, f64p, c_ptrdiff, c_ptrdiff]),
        "sk_csr_spmm_f32": (c_status, [csr, c_size_t, c_float, f32p, c_ptrdiff, c_ptrdiff,
                                       c_float, f32p, c_ptrdiff, c_ptrdiff]),
        "sk_csr_spgemm": (c_status, [csr, csr, csrp]),
        "sk_csr_transpose": (c_status, [csr, csrp]),
        "sk_csr_from_dense_f64": (c_status, [c_size_t, c_size_t, f64p, c_ptrdiff, c_ptrdiff,
                                             c_double, csrp]),
        "sk_csr_from_dense_f32": (c_status, [c_size_t, c_size_t, f32p, c_ptrdiff, c_ptrdiff,
                                             c_float, csrp]),
        "sk_csr_to_dense_f64": (c_status, [csr, f64p, c_ptrdiff, c_ptrdiff]),
        "sk_csr_to_dense_f32": (c_status, [csr, f32p, c_ptrdiff, c_ptrdiff]),
        "sk_density_f64": (c_status, [c_size_t, c_size_t, f64p, c_ptrdiff, c_ptrdiff, sizep,
                                      POINTER(c_double)]),
        "sk_density_f32": (c_status, [c_size_t, c_size_t, f32p, c_ptrdiff, c_ptrdiff, sizep,
                                      POINTER(c_double)]),
        "sk_matmul_auto_f64": (c_status, [c_size_t, c_size_t, c_size_t, c_double,
                                          f64p, c_ptrdiff, c_ptrdiff, f64p, c_ptrdiff, c_ptrdiff,
                                          c_double, f64p, c_ptrdiff, c_ptrdiff, POINTER(c_uint32)]),
        "sk_matmul_auto_f32": (c_status, [c_size_t, c_size_t, c_size_t, c_float,
                                          f32p, c_ptrdiff, c_ptrdiff, f32p, c_ptrdiff, c_ptrdiff,
                                          c_float, f32p, c_ptrdiff, c_ptrdiff, POINTER(c_uint32)]),
        "sk_rsvd_options_default": (RsvdOptions, []),
        "sk_qr_f64": (c_status, [c_size_t, c_size_t, f64p, c_ptrdiff, c_ptrdiff, f64p, f64p]),
        "sk_svd_f64": (c_status, [c_size_t, c_size_t, f64p, c_ptrdiff, c_ptrdiff, f64p, f64p, f64p]),
        "sk_svd_f32": (c_status, [c_size_t, c_size_t, f32p, c_ptrdiff, c_ptrdiff, f32p, f32p, f32p]),
        "sk_rsvd_f64": (c_status, [c_size_t, c_size_t, f64p, c_ptrdiff, c_ptrdiff, c_size_t,
                                   POINTER(RsvdOptions), f64p, f64p, f64p]),
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


def mat_of(a, ctype):
    """(pointer to element (0, 0), row stride, column stride) of a 2-D numpy
    array or view of any strides, in elements (BLIS style: with negative
    strides element (0, 0) is not the lowest address, and numpy's data
    pointer is element (0, 0) all the same). numpy gives empty arrays zero
    strides, which the library refuses; any stride will do there."""
    assert all(st % a.itemsize == 0 for st in a.strides)
    rs, cs = (st // a.itemsize for st in a.strides)
    if a.size == 0:
        rs, cs = rs or 1, cs or 1
    return ctypes.cast(a.ctypes.data, POINTER(ctype)), rs, cs


def wrap32(v):
    """int64 values modulo 2^32, as int32 (beta == 1 wraps like an int32 sum)."""
    return ((np.asarray(v, dtype=np.int64) + 2 ** 31) % 2 ** 32 - 2 ** 31).astype(np.int32)


class Int8Gemm(unittest.TestCase):
    """sk_gemm_u8s8s32 / sk_gemm_s8s8s32 on numpy arrays and views against
    numpy's int64 matmul, exactly, on every ISA."""

    def tearDown(self):
        LIB.sk_set_max_isa(SK_ISA_AVX512_VNNI)

    @staticmethod
    def operands(rng, m, n, k, signed_a, layout, extreme):
        """A (m x k) and B (k x n) in one of four layouts: 0 row-major, 1
        transposed views (column-major), 2 negative strides (A's rows, both
        axes of B reversed), 3 strided / padded slices. extreme: only the
        end values of each type (0/255 or -128/127)."""
        lo_a, hi_a, a_type = (-128, 128, np.int8) if signed_a else (0, 256, np.uint8)

        def draw(lo, hi, shape, dtype):
            if extreme:
                return rng.choice(np.array([lo, hi - 1]), shape).astype(dtype)
            return rng.integers(lo, hi, shape).astype(dtype)

        if layout == 0:
            return draw(lo_a, hi_a, (m, k), a_type), draw(-128, 128, (k, n), np.int8)
        if layout == 1:
            return draw(lo_a, hi_a, (k, m), a_type).T, draw(-128, 128, (n, k), np.int8).T
        if layout == 2:
            return draw(lo_a, hi_a, (m, k), a_type)[::-1], draw(-128, 128, (k, n), np.int8)[::-1, ::-1]
        return (draw(lo_a, hi_a, (m + 1, 2 * k + 1), a_type)[1:, 1::2],
                draw(-128, 128, (k + 2, n + 3), np.int8)[2:, :n])

    def check(self, fn, m, n, k, a, b, beta, c_layout, rng):
        """C = A B (+ C): exact against int64, the rest of C's buffer untouched."""
        big = rng.integers(-2 ** 31, 2 ** 31, (n + 2, m + 3) if c_layout else (m + 2, n + 3),
                           dtype=np.int64).astype(np.int32)
        c = big[1:n + 1, 2:m + 2].T if c_layout else big[1:m + 1, 2:n + 2]
        before = big.copy()
        c0 = c.astype(np.int64)
        ap, rsa, csa = mat_of(a, ctypes.c_uint8 if a.dtype == np.uint8 else ctypes.c_int8)
        bp, rsb, csb = mat_of(b, ctypes.c_int8)
        cp, rsc, csc = mat_of(c, c_int32)
        st = fn(m, n, k, ap, rsa, csa, bp, rsb, csb, beta, cp, rsc, csc)
        self.assertEqual(st, SK_OK, last_error())
        want = a.astype(np.int64) @ b.astype(np.int64)
        if beta == 1:
            want = want + c0
        np.testing.assert_array_equal(c, wrap32(want))
        outside = np.ones(big.shape, dtype=bool)
        if c_layout:
            outside[1:n + 1, 2:m + 2] = False
        else:
            outside[1:m + 1, 2:n + 2] = False
        self.assertTrue(np.array_equal(big[outside], before[outside]))

    def test_layouts(self):
        rng = np.random.default_rng(8)
        fns = ((LIB.sk_gemm_u8s8s32, False), (LIB.sk_gemm_s8s8s32, True))
        for isa in range(SK_ISA_SCALAR, SK_ISA_AVX512_VNNI + 1):
            self.assertEqual(LIB.sk_set_max_isa(isa), SK_OK)
            for m, n, k in [(1, 1, 1), (7, 5, 3), (0, 4, 5), (4, 0, 5), (5, 4, 0), (17, 33, 70),
                            (70, 33, 17), (130, 67, 300), (1, 200, 513)]:
                for (fn, signed_a), layout, beta, extreme in (
                        (f, lay, bt, ex) for f in fns for lay in range(4) for bt in (0, 1)
                        for ex in (False, True)):
                    with self.subTest(isa=isa, active=LIB.sk_active_isa(), m=m, n=n, k=k,
                                      signed=signed_a, layout=layout, beta=beta, extreme=extreme):
                        a, b = self.operands(rng, m, n, k, signed_a, layout, extreme)
                        self.assertEqual((a.shape, b.shape), ((m, k), (k, n)))
                        self.check(fn, m, n, k, a, b, beta, (layout + beta) % 2, rng)

    def test_row_major_and_transposed_view(self):
        """The plain numpy pattern: a @ b with b given as the transpose of a
        row-major (n x k) array, and the largest products."""
        rng = np.random.default_rng(9)
        m, n, k = 64, 48, 1000
        a = rng.integers(0, 256, (m, k), dtype=np.uint8)
        bt = rng.integers(-128, 128, (n, k), dtype=np.int8)
        for b in (bt.T, np.ascontiguousarray(bt.T)):
            self.check(LIB.sk_gemm_u8s8s32, m, n, k, a, b, 0, 0, rng)
        a[:] = 255
        bt[:] = -128
        self.check(LIB.sk_gemm_u8s8s32, m, n, k, a, bt.T, 0, 1, rng)

    def test_max_k_and_errors(self):
        k = SK_GEMM_INT8_MAX_K
        a = np.full((2, k + 1), 255, dtype=np.uint8)
        bt = np.full((2, k + 1), -128, dtype=np.int8)
        c = np.full((2, 2), 7, dtype=np.int32)
        ap, rsa, csa = mat_of(a[:, :k], ctypes.c_uint8)
        bp, rsb, csb = mat_of(bt[:, :k].T, ctypes.c_int8)
        cp, rsc, csc = mat_of(c, c_int32)
        self.assertEqual(LIB.sk_gemm_u8s8s32(2, 2, k, ap, rsa, csa, bp, rsb, csb, 0, cp, rsc, csc),
                         SK_OK, last_error())
        np.testing.assert_array_equal(c, np.full((2, 2), 255 * -128 * k, dtype=np.int32))
        c[:] = 7
        for kk, beta, want in ((k + 1, 0, SK_ERR_INVALID_ARGUMENT), (k, 2, SK_ERR_INVALID_ARGUMENT),
                               (k, -1, SK_ERR_INVALID_ARGUMENT)):
            ap, rsa, csa = mat_of(a[:, :kk], ctypes.c_uint8)
            bp, rsb, csb = mat_of(bt[:, :kk].T, ctypes.c_int8)
            st = LIB.sk_gemm_u8s8s32(2, 2, kk, ap, rsa, csa, bp, rsb, csb, beta, cp, rsc, csc)
            self.assertEqual(st, want, (kk, beta))
            self.assertTrue(last_error())
        st = LIB.sk_gemm_u8s8s32(2, 2, k, None, 1, 1, bp, rsb, csb, 0, cp, rsc, csc)
        self.assertEqual(st, SK_ERR_NULL_POINTER)
        overlap = ctypes.cast(a.ctypes.data, POINTER(c_int32))  # C on top of A
        st = LIB.sk_gemm_u8s8s32(2, 2, k, ap, rsa, csa, bp, rsb, csb, 0, overlap, 2, 1)
        self.assertEqual(st, SK_ERR_INVALID_ARGUMENT)
        self.assertIn("overlap", last_error())
        np.testing.assert_array_equal(c, np.full((2, 2), 7, dtype=np.int32))
        self.assertTrue((a == 255).all())


# Relative tolerance of the quantized layer against the f32 product, per
# element: |y - y_f32| <= 0.05 sum_i |x_i||w_oi| + 1e-6. The worst-case
# error of per-row int8 W (step max|w_o|/127) and per-tensor uint8 x (step
# (max x - min x)/255) is (s_x/2) sum|w_o| + (s_o/2) sum|x|: for x uniform
# in [-1.5, 2.5) and W in [-1, 1) about 0.015 sum|x||w| (see int8.c), so
# 0.05 holds it with a margin above 3 and still catches a wrong scale, zero
# point, row or column. The bias is drawn large (|b| up to 50, beyond the
# tolerance) so that a dropped or misplaced bias fails too.
QLINEAR_REL_TOL = 0.05


class QLinear(unittest.TestCase):
    """sk_qlinear_new / forward / free against numpy's x @ W.T + b."""

    def tearDown(self):
        LIB.sk_set_max_isa(SK_ISA_AVX512_VNNI)

    @staticmethod
    def new(w, bias):
        layer = ctypes.c_void_p()
        wp, rsw, csw = mat_of(w, c_float)
        bp = None if bias is None else vec(bias, c_float)[0]
        st = LIB.sk_qlinear_new(w.shape[0], w.shape[1], wp, rsw, csw, bp, ctypes.byref(layer))
        return st, layer

    def test_forward(self):
        rng = np.random.default_rng(10)
        for isa in (SK_ISA_SCALAR, SK_ISA_AVX512_VNNI):
            self.assertEqual(LIB.sk_set_max_isa(isa), SK_OK)
            for out_f, in_f in ((70, 45), (1536, 384)):
                for transposed, with_bias in ((False, True), (True, False)):
                    wt = rng.uniform(-1, 1, (in_f, out_f)).astype(np.float32)
                    w = wt.T if transposed else np.ascontiguousarray(wt.T)
                    bias = rng.uniform(-50, 50, out_f).astype(np.float32) if with_bias else None
                    st, layer = self.new(w, bias)
                    self.assertEqual(st, SK_OK, last_error())
                    try:
                        n_out, n_in = c_size_t(0), c_size_t(0)
                        self.assertEqual(LIB.sk_qlinear_shape(layer, ctypes.byref(n_out),
                                                              ctypes.byref(n_in)), SK_OK)
                        self.assertEqual((n_out.value, n_in.value), (out_f, in_f))
                        for batch in (1, 3, 13):
                            x = rng.uniform(-1.5, 2.5, (batch, in_f)).astype(np.float32)
                            want = x.astype(np.float64) @ w.T.astype(np.float64)
                            if bias is not None:
                                want += bias
                            bound = QLINEAR_REL_TOL * (np.abs(x).astype(np.float64)
                                                       @ np.abs(w.T).astype(np.float64)) + 1e-6
                            for xv in (x, np.asfortranarray(x)):
                                for order in ("C", "F"):
                                    with self.subTest(isa=isa, shape=(out_f, in_f), batch=batch,
                                                      x_order=xv.flags.f_contiguous, y_order=order,
                                                      w_transposed=transposed, bias=with_bias):
                                        y = np.full((batch, out_f), np.nan, dtype=np.float32, order=order)
                                        xp, rsx, csx = mat_of(xv, c_float)
                                        yp, rsy, csy = mat_of(y, c_float)
                                        st = LIB.sk_qlinear_forward_f32(layer, batch, xp, rsx, csx,
                                                                        yp, rsy, csy)
                                        self.assertEqual(st, SK_OK, last_error())
                                        err = np.abs(y.astype(np.float64) - want)
                                        self.assertTrue((err <= bound).all(),
                                                        f"worst error / bound {np.max(err / bound):.3g}")
                    finally:
                        LIB.sk_qlinear_free(layer)

    def test_errors(self):
        rng = np.random.default_rng(11)
        w = rng.uniform(-1, 1, (6, 4)).astype(np.float32)
        st, layer = self.new(w, None)
        self.assertEqual(st, SK_OK, last_error())
        try:
            x = rng.uniform(-1, 1, (3, 4)).astype(np.float32)
            x[2, 3] = np.nan
            y = np.full((3, 6), -3.0, dtype=np.float32)
            xp, rsx, csx = mat_of(x, c_float)
            yp, rsy, csy = mat_of(y, c_float)
            self.assertEqual(LIB.sk_qlinear_forward_f32(layer, 3, xp, rsx, csx, yp, rsy, csy),
                             SK_ERR_INVALID_ARGUMENT)
            self.assertTrue(last_error())
            np.testing.assert_array_equal(y, np.full((3, 6), -3.0, dtype=np.float32))
            x[2, 3] = 0.5
            self.assertEqual(LIB.sk_qlinear_forward_f32(None, 3, xp, rsx, csx, yp, rsy, csy),
                             SK_ERR_NULL_POINTER)
            self.assertEqual(LIB.sk_qlinear_shape(None, None, None), SK_ERR_NULL_POINTER)
            np.testing.assert_array_equal(y, np.full((3, 6), -3.0, dtype=np.float32))
        finally:
            LIB.sk_qlinear_free(layer)
        LIB.sk_qlinear_free(None)  # a no-op
        for bad in (np.inf, -np.inf, np.nan):
            w_bad = w.copy()
            w_bad[5, 3] = bad
            out = ctypes.c_void_p(0x1234)
            wp, rsw, csw = mat_of(w_bad, c_float)
            self.assertEqual(LIB.sk_qlinear_new(6, 4, wp, rsw, csw, None, ctypes.byref(out)),
                             SK_ERR_INVALID_ARGUMENT)
            self.assertEqual(out.value, 0x1234)  # *out untouched


class Factorizations(unittest.TestCase):
    """sk_qr_f64, sk_svd_f64/f32 and sk_rsvd_f64 on numpy layouts, against
    numpy.linalg, and their error statuses."""

    def svd(self, a, fn=None, ctype=c_double):
        m, n = a.shape
        r = min(m, n)
        u, s, vt = (np.full(shape, np.nan, dtype=a.dtype) for shape in ((m, r), (r,), (r, n)))
        ap, rs, cs = mat_of(a, ctype)
        ptr = lambda x: ctypes.cast(x.ctypes.data, POINTER(ctype))
        st = (fn or LIB.sk_svd_f64)(m, n, ap, rs, cs, ptr(u), ptr(s), ptr(vt))
        self.assertEqual(st, SK_OK, last_error())
        return u, s, vt

    def test_svd_matches_numpy(self):
        rng = np.random.default_rng(3)
        for m, n in [(1, 1), (1, 9), (9, 1), (60, 40), (40, 60), (130, 20)]:
            a = rng.standard_normal((m, n))
            for view in (a, np.asfortranarray(a), a.T.copy().T):
                u, s, vt = self.svd(view)
                want = np.linalg.svd(a, compute_uv=False)
                np.testing.assert_allclose(s, want, rtol=1e-12, atol=1e-13 * want[0])
                np.testing.assert_allclose((u * s) @ vt, a, atol=1e-12 * want[0])
                np.testing.assert_allclose(u.T @ u, np.eye(min(m, n)), atol=1e-12)
        a32 = rng.standard_normal((50, 30)).astype(np.float32)
        u, s, vt = self.svd(a32, LIB.sk_svd_f32, c_float)
        np.testing.assert_allclose(s, np.linalg.svd(a32.astype(np.float64), compute_uv=False), rtol=1e-4)

    def test_qr(self):
        a = np.random.default_rng(4).standard_normal((70, 30))
        q, r = np.full((70, 30), np.nan), np.full((30, 30), np.nan)
        ap, rs, cs = mat_of(a, c_double)
        st = LIB.sk_qr_f64(70, 30, ap, rs, cs, mat_of(q, c_double)[0], mat_of(r, c_double)[0])
        self.assertEqual(st, SK_OK, last_error())
        np.testing.assert_allclose(q @ r, a, atol=1e-13)
        self.assertTrue(np.array_equal(np.tril(r, -1), np.zeros((30, 30))))

    def test_rsvd_low_rank(self):
        rng = np.random.default_rng(5)
        a = rng.standard_normal((120, 8)) @ rng.standard_normal((8, 90))
        k = 8
        u, s, vt = np.zeros((120, k)), np.zeros(k), np.zeros((k, 90))
        ap, rs, cs = mat_of(a, c_double)
        ptr = lambda x: mat_of(x, c_double)[0] if x.ndim == 2 else ctypes.cast(x.ctypes.data, POINTER(c_double))
        opts = LIB.sk_rsvd_options_default()
        self.assertEqual((opts.oversample, opts.power_iters, opts.seed), (10, 2 ** 32 - 1, 0))
        for o in (None, ctypes.byref(opts)):
            st = LIB.sk_rsvd_f64(120, 90, ap, rs, cs, k, o, ptr(u), ptr(s), ptr(vt))
            self.assertEqual(st, SK_OK, last_error())
            np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False)[:k], rtol=1e-10)
            np.testing.assert_allclose((u * s) @ vt, a, atol=1e-9 * s[0])
        st = LIB.sk_rsvd_f64(120, 90, ap, rs, cs, 91, None, ptr(u), ptr(s), ptr(vt))
        self.assertEqual(st, SK_ERR_INVALID_ARGUMENT)
        self.assertIn("k = 91", last_error())
        bad = RsvdOptions(10, 1000, 0)
        st = LIB.sk_rsvd_f64(120, 90, ap, rs, cs, k, ctypes.byref(bad), ptr(u), ptr(s), ptr(vt))
        self.assertEqual(st, SK_ERR_INVALID_ARGUMENT)

    def test_bad_input(self):
        a = np.ones((5, 4))
        a[2, 3] = np.nan
        u, s, vt = np.zeros((5, 4)), np.zeros(4), np.zeros((4, 4))
        ap, rs, cs = mat_of(a, c_double)
        p = lambda x: ctypes.cast(x.ctypes.data, POINTER(c_double))
        self.assertEqual(LIB.sk_svd_f64(5, 4, ap, rs, cs, p(u), p(s), p(vt)), SK_ERR_INVALID_ARGUMENT)
        self.assertIn("a[2][3]", last_error())
        self.assertTrue(np.array_equal(u, np.zeros((5, 4))))
        self.assertEqual(LIB.sk_svd_f64(5, 4, ap, rs, cs, None, p(s), p(vt)), SK_ERR_NULL_POINTER)
        self.assertEqual(LIB.sk_svd_f64(5, 4, ap, 0, cs, p(u), p(s), p(vt)), SK_ERR_INVALID_ARGUMENT)
        # U overlapping A.
        b = np.ones((5, 4))
        bp, rs, cs = mat_of(b, c_double)
        self.assertEqual(LIB.sk_svd_f64(5, 4, bp, rs, cs, p(b), p(s), p(vt)), SK_ERR_INVALID_ARGUMENT)
        self.assertIn("overlap", last_error())


def data_of(a, ctype):
    """A contiguous numpy array's data as a ctypes pointer."""
    return ctypes.cast(a.ctypes.data, POINTER(ctype))


# Each precision: numpy dtype, ctypes element type, entry-point suffix, epsilon.
SPARSE_TYPES = ((np.float64, c_double, "f64", 2.0 ** -52), (np.float32, c_float, "f32", 2.0 ** -23))


class TestSparse(unittest.TestCase):
    """The sk_csr_* family, sk_density_* and sk_matmul_auto_* on numpy data
    (CSR arrays built by hand, no scipy), against numpy dense products."""

    def tearDown(self):
        LIB.sk_set_max_isa(SK_ISA_AVX512_VNNI)

    @staticmethod
    def fn(name, suffix):
        return getattr(LIB, f"{name}_{suffix}")

    @staticmethod
    def random_csr(rng, rows, cols, maxlen, dtype):
        """Unsorted CSR arrays with duplicate columns (row lengths 0..maxlen)
        and the dense matrix they stand for (duplicates summed in input
        order, in dtype), with the mask of stored entries."""
        lens = rng.integers(0, maxlen + 1, rows) if cols else np.zeros(rows, dtype=np.int64)
        indptr = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
        nnz = int(indptr[-1])
        indices = rng.integers(0, max(cols, 1), nnz).astype(np.int32)
        values = rng.standard_normal(nnz).astype(dtype)
        row_of = np.repeat(np.arange(rows), lens)
        dense = np.zeros((rows, cols), dtype=dtype)
        np.add.at(dense, (row_of, indices), values)  # sequential: in input order
        stored = np.zeros((rows, cols), dtype=bool)
        stored[row_of, indices] = True
        return indptr, indices, values, dense, stored

    def new(self, suffix, ctype, rows, cols, indptr, indices, values):
        """A handle for the arrays, freed at the end of the test."""
        h = ctypes.c_void_p()
        st = self.fn("sk_csr_new", suffix)(rows, cols, len(indices),
                                           data_of(indptr, ctypes.c_int64),
                                           data_of(indices, c_int32), data_of(values, ctype),
                                           ctypes.byref(h))
        self.assertEqual(st, SK_OK, last_error())
        self.assertTrue(h.value)
        self.addCleanup(LIB.sk_csr_free, h)
        return h

    def export(self, h, dtype, ctype, suffix):
        """(rows, cols, indptr, indices, values) of a handle."""
        rows, cols, nnz = c_size_t(), c_size_t(), c_size_t()
        self.assertEqual(LIB.sk_csr_shape(h, ctypes.byref(rows), ctypes.byref(cols),
                                          ctypes.byref(nnz)), SK_OK)
        indptr = np.full(rows.value + 1, -7, dtype=np.int64)
        indices = np.full(nnz.value, -7, dtype=np.int32)
        values = np.full(nnz.value, np.nan, dtype=dtype)
        st = self.fn("sk_csr_export", suffix)(h, data_of(indptr, ctypes.c_int64),
                                              data_of(indices, c_int32), data_of(values, ctype))
        self.assertEqual(st, SK_OK, last_error())
        return rows.value, cols.value, indptr, indices, values

    def to_dense(self, h, dtype, ctype, suffix, shape, order="C"):
        out = np.full(shape, np.nan, dtype=dtype, order=order)
        cp, rs, cs = mat_of(out, ctype)
        self.assertEqual(self.fn("sk_csr_to_dense", suffix)(h, cp, rs, cs), SK_OK, last_error())
        return out

    def assert_canonical(self, exported, dense, stored):
        """The export of a handle is the canonical CSR of (dense, stored):
        rows in order, columns sorted, one entry per stored cell."""
        rows, cols, indptr, indices, values = exported
        self.assertEqual((rows, cols), dense.shape)
        r, c = np.nonzero(stored)  # row-major: the canonical order
        np.testing.assert_array_equal(indptr, np.concatenate([[0], np.cumsum(stored.sum(axis=1))]))
        np.testing.assert_array_equal(indices, c)
        np.testing.assert_array_equal(values, dense[r, c])

    def test_new_export_roundtrip(self):
        rng = np.random.default_rng(30)
        for dtype, ctype, suffix, _ in SPARSE_TYPES:
            for rows, cols, maxlen in ((1, 1, 3), (40, 7, 12), (60, 300, 40), (5, 0, 3), (0, 4, 2)):
                with self.subTest(dtype=suffix, shape=(rows, cols)):
                    indptr, indices, values, dense, stored = self.random_csr(rng, rows, cols,
                                                                             maxlen, dtype)
                    h = self.new(suffix, ctype, rows, cols, indptr, indices, values)
                    self.assert_canonical(self.export(h, dtype, ctype, suffix), dense, stored)
        # Duplicates sum in input order: (1e16 + 1) - 1e16 is 0 in f64.
        h = self.new("f64", c_double, 1, 2, np.array([0, 3], dtype=np.int64),
                     np.array([1, 1, 1], dtype=np.int32), np.array([1e16, 1.0, -1e16]))
        self.assertEqual(self.export(h, np.float64, c_double, "f64")[4].tolist(), [0.0])

    def test_spmv(self):
        rng = np.random.default_rng(31)
        for isa in (SK_ISA_SCALAR, SK_ISA_AVX512_VNNI):
            self.assertEqual(LIB.sk_set_max_isa(isa), SK_OK)
            for (dtype, ctype, suffix, eps), (rows, cols, maxlen) in itertools.product(
                    SPARSE_TYPES, ((1, 64, 64), (200, 150, 40), (300, 300, 3), (7, 0, 2))):
                indptr, indices, values, dense, _ = self.random_csr(rng, rows, cols, maxlen, dtype)
                h = self.new(suffix, ctype, rows, cols, indptr, indices, values)
                d = dense.astype(np.float64)
                for alpha, beta in ((1.0, 0.0), (-0.5, 0.75), (2.0, 1.0)):
                    with self.subTest(isa=isa, dtype=suffix, shape=(rows, cols), alpha=alpha,
                                      beta=beta):
                        x = rng.standard_normal(cols).astype(dtype)
                        y = rng.standard_normal(rows).astype(dtype)
                        if beta == 0:
                            y[:] = np.nan  # not read
                        y0 = y.astype(np.float64)
                        st = self.fn("sk_csr_spmv", suffix)(h, alpha, data_of(x, ctype), beta,
                                                            data_of(y, ctype))
                        self.assertEqual(st, SK_OK, last_error())
                        x64 = x.astype(np.float64)
                        by = beta * y0 if beta else 0
                        want = alpha * (d @ x64) + by
                        tol = 2 * (np.diff(indptr) + 2) * eps * (
                            abs(alpha) * (np.abs(d) @ np.abs(x64)) + np.abs(by)) + 1e-30
                        err = np.abs(y - want)
                        self.assertTrue((err <= tol).all(),
                                        f"worst error / tolerance {np.max(err / tol):.3g}")

    def test_spmm(self):
        rng = np.random.default_rng(32)
        rows, cols = 90, 70
        for isa in (SK_ISA_SCALAR, SK_ISA_AVX512_VNNI):
            self.assertEqual(LIB.sk_set_max_isa(isa), SK_OK)
            for dtype, ctype, suffix, eps in SPARSE_TYPES:
                indptr, indices, values, dense, _ = self.random_csr(rng, rows, cols, 30, dtype)
                h = self.new(suffix, ctype, rows, cols, indptr, indices, values)
                d = dense.astype(np.float64)
                for n, b_order, c_order, (alpha, beta) in itertools.product(
                        (1, 5, 33, 70), "CF", "CF", ((1.0, 0.0), (-0.5, 0.75))):
                    with self.subTest(isa=isa, dtype=suffix, n=n, b=b_order, c=c_order,
                                      alpha=alpha, beta=beta):
                        b = np.asarray(rng.standard_normal((cols, n)), dtype=dtype, order=b_order)
                        c = np.asarray(rng.standard_normal((rows, n)), dtype=dtype, order=c_order)
                        if beta == 0:
                            c[:] = np.nan  # not read
                        c0 = c.astype(np.float64)
                        bp, rsb, csb = mat_of(b, ctype)
                        cp, rsc, csc = mat_of(c, ctype)
                        st = self.fn("sk_csr_spmm", suffix)(h, n, alpha, bp, rsb, csb, beta,
                                                            cp, rsc, csc)
                        self.assertEqual(st, SK_OK, last_error())
                        b64 = b.astype(np.float64)
                        bc = beta * c0 if beta else 0
                        want = alpha * (d @ b64) + bc
                        tol = 2 * (np.diff(indptr)[:, None] + 2) * eps * (
                            abs(alpha) * (np.abs(d) @ np.abs(b64)) + np.abs(bc)) + 1e-30
                        err = np.abs(c - want)
                        self.assertTrue((err <= tol).all(),
                                        f"worst error / tolerance {np.max(err / tol):.3g}")

    def test_spgemm_transpose_to_dense(self):
        rng = np.random.default_rng(33)
        for dtype, ctype, suffix, eps in SPARSE_TYPES:
            for m, k, n, la, lb in ((60, 70, 50, 30, 30), (100, 80, 90, 4, 4), (3, 0, 4, 2, 2)):
                with self.subTest(dtype=suffix, shape=(m, k, n)):
                    pa, ia, va, da, sa = self.random_csr(rng, m, k, la, dtype)
                    pb, ib, vb, db, sb = self.random_csr(rng, k, n, lb, dtype)
                    ha = self.new(suffix, ctype, m, k, pa, ia, va)
                    hb = self.new(suffix, ctype, k, n, pb, ib, vb)
                    hc = ctypes.c_void_p()
                    st = LIB.sk_csr_spgemm(ha, hb, ctypes.byref(hc))
                    self.assertEqual(st, SK_OK, last_error())
                    self.addCleanup(LIB.sk_csr_free, hc)
                    rows, cols, indptr, indices, values = self.export(hc, dtype, ctype, suffix)
                    self.assertEqual((rows, cols), (m, n))
                    # Stored iff some product term exists; columns sorted.
                    structure = (sa.astype(np.int64) @ sb.astype(np.int64)) > 0
                    r, c = np.nonzero(structure)
                    np.testing.assert_array_equal(indices, c)
                    np.testing.assert_array_equal(
                        indptr, np.concatenate([[0], np.cumsum(structure.sum(axis=1))]))
                    a64, b64 = da.astype(np.float64), db.astype(np.float64)
                    terms = sa.astype(np.int64) @ sb.astype(np.int64)
                    tol = 2 * (terms + 1) * eps * (np.abs(a64) @ np.abs(b64)) + 1e-30
                    for order in ("C", "F"):
                        got = self.to_dense(hc, dtype, ctype, suffix, (m, n), order)
                        self.assertTrue((np.abs(got - a64 @ b64) <= tol).all())
                        self.assertTrue((got[~structure] == 0).all())
                    # Transpose: exact, and canonical.
                    ht = ctypes.c_void_p()
                    st = LIB.sk_csr_transpose(ha, ctypes.byref(ht))
                    self.assertEqual(st, SK_OK, last_error())
                    self.addCleanup(LIB.sk_csr_free, ht)
                    self.assert_canonical(self.export(ht, dtype, ctype, suffix), da.T, sa.T)
                    for order in ("C", "F"):
                        got = self.to_dense(ht, dtype, ctype, suffix, (k, m), order)
                        np.testing.assert_array_equal(got, da.T)
        # Errors: shapes, value types, NULL.
        pa, ia, va, _, _ = self.random_csr(rng, 4, 5, 3, np.float64)
        h64 = self.new("f64", c_double, 4, 5, pa, ia, va)
        h32 = self.new("f32", c_float, 5, 4, np.zeros(6, dtype=np.int64),  # 5x4, no entries
                       np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))
        out = ctypes.c_void_p(0x1234)
        self.assertEqual(LIB.sk_csr_spgemm(h64, h64, ctypes.byref(out)), SK_ERR_DIMENSION_MISMATCH)
        self.assertEqual(LIB.sk_csr_spgemm(h64, h32, ctypes.byref(out)), SK_ERR_INVALID_ARGUMENT)
        self.assertEqual(LIB.sk_csr_spgemm(None, h32, ctypes.byref(out)), SK_ERR_NULL_POINTER)
        self.assertEqual(out.value, 0x1234)

    def test_spgemm_is_quiet(self):
        """Nothing on stderr (phase timers were once left in)."""
        rng = np.random.default_rng(34)
        p, i, v, _, _ = self.random_csr(rng, 300, 300, 40, np.float64)
        h = self.new("f64", c_double, 300, 300, p, i, v)
        out = ctypes.c_void_p()
        sys.stderr.flush()
        saved = os.dup(2)
        with tempfile.TemporaryFile() as f:
            os.dup2(f.fileno(), 2)
            try:
                st = LIB.sk_csr_spgemm(h, h, ctypes.byref(out))
            finally:
                os.dup2(saved, 2)
                os.close(saved)
            f.seek(0)
            written = f.read()
        self.assertEqual(st, SK_OK)
        LIB.sk_csr_free(out)
        self.assertEqual(written, b"")

    def test_from_dense_and_density(self):
        rng = np.random.default_rng(35)
        for dtype, ctype, suffix, _ in SPARSE_TYPES:
            from_dense, density = self.fn("sk_csr_from_dense", suffix), self.fn("sk_density", suffix)
            a = rng.standard_normal((30, 40)).astype(dtype)
            a[rng.random(a.shape) < 0.6] = 0
            a[0, :3] = (np.nan, -0.0, 0.5)
            for view, threshold in itertools.product((a, np.asfortranarray(a), a[::-1, ::-1]),
                                                     (0.0, 0.5, np.inf)):
                with self.subTest(dtype=suffix, strides=view.strides, threshold=threshold):
                    h = ctypes.c_void_p()
                    ap, rs, cs = mat_of(view, ctype)
                    st = from_dense(30, 40, ap, rs, cs, threshold, ctypes.byref(h))
                    self.assertEqual(st, SK_OK, last_error())
                    self.addCleanup(LIB.sk_csr_free, h)
                    keep = np.isnan(view) | (np.abs(view) > threshold)  # |x| > t, and NaN
                    _, _, indptr, indices, values = self.export(h, dtype, ctype, suffix)
                    r, c = np.nonzero(keep)
                    np.testing.assert_array_equal(indptr,
                                                  np.concatenate([[0], np.cumsum(keep.sum(axis=1))]))
                    np.testing.assert_array_equal(indices, c)
                    np.testing.assert_array_equal(values, view[r, c])  # NaN matches NaN here
                    nz, frac = c_size_t(), c_double()
                    st = density(30, 40, ap, rs, cs, ctypes.byref(nz), ctypes.byref(frac))
                    self.assertEqual(st, SK_OK, last_error())
                    want = int(np.count_nonzero(view))  # NaN counts, -0 does not
                    self.assertEqual((nz.value, frac.value), (want, want / 1200))
                    self.assertEqual(density(30, 40, ap, rs, cs, ctypes.byref(nz), None), SK_OK)
            out = ctypes.c_void_p(0x1234)
            ap, rs, cs = mat_of(a, ctype)
            for bad in (-1.0, np.nan):
                self.assertEqual(from_dense(30, 40, ap, rs, cs, bad, ctypes.byref(out)),
                                 SK_ERR_INVALID_ARGUMENT)
            self.assertEqual(out.value, 0x1234)

    def test_malformed_indptr(self):
        out = ctypes.c_void_p(0x1234)
        indices = np.array([0, 1, 2], dtype=np.int32)
        values = np.ones(3)
        for indptr, where in (([1, 2, 3], "indptr[0]"), ([0, 2, 1, 3], "indptr[2]"),
                              ([0, 1, 2], "indptr[2]")):
            indptr = np.array(indptr, dtype=np.int64)
            rows = len(indptr) - 1
            st = LIB.sk_csr_new_f64(rows, 3, 3, data_of(indptr, ctypes.c_int64),
                                    data_of(indices, c_int32), data_of(values, c_double),
                                    ctypes.byref(out))
            self.assertEqual(st, SK_ERR_INVALID_ARGUMENT)  # 2
            message = last_error()
            self.assertIn("indptr", message)
            self.assertIn(where, message)
            self.assertEqual(out.value, 0x1234)
        bad = np.array([0, 2, 3], dtype=np.int64)
        st = LIB.sk_csr_new_f64(2, 2, 3, data_of(bad, ctypes.c_int64), data_of(indices, c_int32),
                                data_of(values, c_double), ctypes.byref(out))
        self.assertEqual(st, SK_ERR_INVALID_ARGUMENT)  # index 2 in a 2-column matrix
        self.assertIn("indices[", last_error())
        self.assertEqual(out.value, 0x1234)

    def test_matmul_auto(self):
        rng = np.random.default_rng(36)
        for dtype, ctype, suffix, eps in SPARSE_TYPES:
            m, k, n = 200, 300, 20
            sparse = np.zeros((m, k), dtype=dtype)
            cells = rng.choice(m * k, 600, replace=False)  # 1%
            sparse.flat[cells] = rng.uniform(0.5, 1.0, 600).astype(dtype) * rng.choice([-1, 1], 600)
            dense = rng.standard_normal((m, k)).astype(dtype)
            b = rng.standard_normal((k, n)).astype(dtype)
            for a, want_path in ((sparse, SK_MATMUL_SPARSE), (dense, SK_MATMUL_DENSE)):
                for c_order in ("C", "F"):
                    for with_path in (True, False):
                        with self.subTest(dtype=suffix, path=want_path, c=c_order,
                                          with_path=with_path):
                            c = np.full((m, n), np.nan, dtype=dtype, order=c_order)
                            path = c_uint32(0xDEAD)
                            ap, rsa, csa = mat_of(a, ctype)
                            bp, rsb, csb = mat_of(b, ctype)
                            cp, rsc, csc = mat_of(c, ctype)
                            st = self.fn("sk_matmul_auto", suffix)(
                                m, n, k, 1.0, ap, rsa, csa, bp, rsb, csb, 0.0, cp, rsc, csc,
                                ctypes.byref(path) if with_path else None)
                            self.assertEqual(st, SK_OK, last_error())
                            if with_path:
                                self.assertEqual(path.value, want_path)
                            a64, b64 = a.astype(np.float64), b.astype(np.float64)
                            tol = 2 * (k + 2) * eps * (np.abs(a64) @ np.abs(b64)) + 1e-30
                            self.assertTrue((np.abs(c - a64 @ b64) <= tol).all())

    def test_header_defines_matmul_paths(self):
        """sk_matmul_auto_* documents SK_MATMUL_DENSE / SK_MATMUL_SPARSE:
        the header must define them, with the values the library returns."""
        text = (REPO / "include" / "simdkern.h").read_text()
        defined = {}
        for line in text.splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[0] == "#define" and parts[1].startswith("SK_MATMUL_"):
                defined[parts[1]] = parts[2]
        self.assertEqual(defined, {"SK_MATMUL_DENSE": str(SK_MATMUL_DENSE),
                                   "SK_MATMUL_SPARSE": str(SK_MATMUL_SPARSE)})


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

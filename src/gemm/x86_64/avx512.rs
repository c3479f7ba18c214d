//! AVX-512 GEMM micro-kernels: 32 x 12 (f32) and 16 x 12 (f64), 24 zmm
//! accumulators, two A vectors and one broadcast of B per FMA pair; two
//! FMAs per cycle need 14 loads per 12 cycles, within the load ports.

use super::microkernel::microkernel;
use core::arch::x86_64::*;

/// cbindgen:ignore
/// Rows of the f32 tile.
pub const SGEMM_MR: usize = 32;
/// cbindgen:ignore
/// Columns of the f32 tile.
pub const SGEMM_NR: usize = 12;
/// cbindgen:ignore
/// Rows of the f64 tile.
pub const DGEMM_MR: usize = 16;
/// cbindgen:ignore
/// Columns of the f64 tile.
pub const DGEMM_NR: usize = 12;

microkernel!(
    sgemm_32x12,
    "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma",
    f32,
    __m512,
    lanes = 16,
    mv = 2,
    nr = 12,
    _mm512_setzero_ps,
    _mm512_set1_ps,
    _mm512_loadu_ps,
    _mm512_storeu_ps,
    _mm512_fmadd_ps,
    _mm512_mul_ps
);

microkernel!(
    dgemm_16x12,
    "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma",
    f64,
    __m512d,
    lanes = 8,
    mv = 2,
    nr = 12,
    _mm512_setzero_pd,
    _mm512_set1_pd,
    _mm512_loadu_pd,
    _mm512_storeu_pd,
    _mm512_fmadd_pd,
    _mm512_mul_pd
);

microkernel!(
    sgemm_16x12,
    "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma",
    f32,
    __m512,
    lanes = 16,
    mv = 1,
    nr = 12,
    _mm512_setzero_ps,
    _mm512_set1_ps,
    _mm512_loadu_ps,
    _mm512_storeu_ps,
    _mm512_fmadd_ps,
    _mm512_mul_ps
);

microkernel!(
    dgemm_8x12,
    "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma",
    f64,
    __m512d,
    lanes = 8,
    mv = 1,
    nr = 12,
    _mm512_setzero_pd,
    _mm512_set1_pd,
    _mm512_loadu_pd,
    _mm512_storeu_pd,
    _mm512_fmadd_pd,
    _mm512_mul_pd
);

//! AVX2 + FMA GEMM micro-kernels: 16 x 6 (f32) and 8 x 6 (f64), 12 ymm
//! accumulators out of 16 registers.

use super::microkernel::microkernel;
use core::arch::x86_64::*;

/// cbindgen:ignore
/// Rows of the f32 tile.
pub const SGEMM_MR: usize = 16;
/// cbindgen:ignore
/// Columns of the f32 tile.
pub const SGEMM_NR: usize = 6;
/// cbindgen:ignore
/// Rows of the f64 tile.
pub const DGEMM_MR: usize = 8;
/// cbindgen:ignore
/// Columns of the f64 tile.
pub const DGEMM_NR: usize = 6;

microkernel!(
    sgemm_16x6,
    "avx2,fma",
    f32,
    __m256,
    lanes = 8,
    mv = 2,
    nr = 6,
    _mm256_setzero_ps,
    _mm256_set1_ps,
    _mm256_loadu_ps,
    _mm256_storeu_ps,
    _mm256_fmadd_ps,
    _mm256_mul_ps
);

microkernel!(
    dgemm_8x6,
    "avx2,fma",
    f64,
    __m256d,
    lanes = 4,
    mv = 2,
    nr = 6,
    _mm256_setzero_pd,
    _mm256_set1_pd,
    _mm256_loadu_pd,
    _mm256_storeu_pd,
    _mm256_fmadd_pd,
    _mm256_mul_pd
);

microkernel!(
    sgemm_8x6,
    "avx2,fma",
    f32,
    __m256,
    lanes = 8,
    mv = 1,
    nr = 6,
    _mm256_setzero_ps,
    _mm256_set1_ps,
    _mm256_loadu_ps,
    _mm256_storeu_ps,
    _mm256_fmadd_ps,
    _mm256_mul_ps
);

microkernel!(
    dgemm_4x6,
    "avx2,fma",
    f64,
    __m256d,
    lanes = 4,
    mv = 1,
    nr = 6,
    _mm256_setzero_pd,
    _mm256_set1_pd,
    _mm256_loadu_pd,
    _mm256_storeu_pd,
    _mm256_fmadd_pd,
    _mm256_mul_pd
);

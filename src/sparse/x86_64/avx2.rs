//! AVX2+FMA sparse kernels: hardware gathers of 4 f64 / 8 f32, tails
//! through `vpmaskmov` masks.

use super::body::{sparse_wrappers, Gather};
use crate::blas1::x86_64::avx2::{F32x8, F64x4};
use crate::sparse::kernels::SparseKernels;
use core::arch::x86_64::*;

/// Lanes `0..rem` set in a mask of 32-bit lanes (`rem < 8`).
#[inline(always)]
unsafe fn lanes32(rem: usize) -> __m256i {
    _mm256_cmpgt_epi32(
        _mm256_set1_epi32(rem as i32),
        _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
    )
}

impl Gather for F64x4 {
    #[inline(always)]
    unsafe fn gather(idx: *const u32, x: *const f64) -> __m256d {
        _mm256_i32gather_pd::<8>(x, _mm_loadu_si128(idx.cast()))
    }
    #[inline(always)]
    unsafe fn gather_tail(idx: *const u32, x: *const f64, rem: usize) -> __m256d {
        let m32 = _mm256_castsi256_si128(lanes32(rem));
        let i = _mm_maskload_epi32(idx.cast(), m32);
        let m64 = _mm256_cvtepi32_epi64(m32);
        _mm256_mask_i32gather_pd::<8>(_mm256_setzero_pd(), x, i, _mm256_castsi256_pd(m64))
    }
}

impl Gather for F32x8 {
    #[inline(always)]
    unsafe fn gather(idx: *const u32, x: *const f32) -> __m256 {
        _mm256_i32gather_ps::<4>(x, _mm256_loadu_si256(idx.cast()))
    }
    #[inline(always)]
    unsafe fn gather_tail(idx: *const u32, x: *const f32, rem: usize) -> __m256 {
        let m = lanes32(rem);
        let i = _mm256_maskload_epi32(idx.cast(), m);
        _mm256_mask_i32gather_ps::<4>(_mm256_setzero_ps(), x, i, _mm256_castsi256_ps(m))
    }
}

mod f64_kernels {
    super::sparse_wrappers!("avx2,fma", super::F64x4, f64);
    /// The AVX2 f64 table.
    pub static TABLE: super::SparseKernels<f64> = super::SparseKernels {
        spmv,
        spmm,
        long_row: 4,
    };
}

mod f32_kernels {
    super::sparse_wrappers!("avx2,fma", super::F32x8, f32);
    /// The AVX2 f32 table.
    pub static TABLE: super::SparseKernels<f32> = super::SparseKernels {
        spmv,
        spmm,
        long_row: 4,
    };
}

pub use f32_kernels::TABLE as F32;
pub use f64_kernels::TABLE as F64;

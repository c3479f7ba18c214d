//! AVX-512 (F, VL) sparse kernels: hardware gathers of 8 f64 / 16 f32,
//! tails through mask registers.

use super::body::{sparse_wrappers, Gather};
use crate::blas1::x86_64::avx512::{F32x16, F64x8};
use crate::sparse::kernels::SparseKernels;
use core::arch::x86_64::*;

impl Gather for F64x8 {
    #[inline(always)]
    unsafe fn gather(idx: *const u32, x: *const f64) -> __m512d {
        _mm512_i32gather_pd::<8>(_mm256_loadu_si256(idx.cast()), x)
    }
    #[inline(always)]
    unsafe fn gather_tail(idx: *const u32, x: *const f64, rem: usize) -> __m512d {
        let m = ((1u32 << rem) - 1) as __mmask8;
        let i = _mm256_maskz_loadu_epi32(m, idx.cast());
        _mm512_mask_i32gather_pd::<8>(_mm512_setzero_pd(), m, i, x)
    }
}

impl Gather for F32x16 {
    #[inline(always)]
    unsafe fn gather(idx: *const u32, x: *const f32) -> __m512 {
        _mm512_i32gather_ps::<4>(_mm512_loadu_si512(idx.cast()), x)
    }
    #[inline(always)]
    unsafe fn gather_tail(idx: *const u32, x: *const f32, rem: usize) -> __m512 {
        let m = ((1u32 << rem) - 1) as __mmask16;
        let i = _mm512_maskz_loadu_epi32(m, idx.cast());
        _mm512_mask_i32gather_ps::<4>(_mm512_setzero_ps(), m, i, x)
    }
}

mod f64_kernels {
    super::sparse_wrappers!("avx512f,avx512vl,avx2,fma", super::F64x8, f64);
    /// The AVX-512 f64 table.
    pub static TABLE: super::SparseKernels<f64> = super::SparseKernels {
        spmv,
        spmm,
        long_row: 4,
    };
}

mod f32_kernels {
    super::sparse_wrappers!("avx512f,avx512vl,avx2,fma", super::F32x16, f32);
    /// The AVX-512 f32 table.
    pub static TABLE: super::SparseKernels<f32> = super::SparseKernels {
        spmv,
        spmm,
        long_row: 6,
    };
}

pub use f32_kernels::TABLE as F32;
pub use f64_kernels::TABLE as F64;

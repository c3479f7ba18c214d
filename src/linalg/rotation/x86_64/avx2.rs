//! AVX2 + FMA rotation kernels: 256-bit vectors, partial vectors through
//! `vmaskmov` loads and stores, so tail columns take the same FMAs as the
//! others.

use super::RotVec;
use core::arch::x86_64::*;

/// AVX2 with f32 elements.
pub(crate) struct F32x8;
/// AVX2 with f64 elements.
pub(crate) struct F64x4;

impl RotVec for F32x8 {
    type T = f32;
    type V = __m256;
    type M = __m256i;
    const LANES: usize = 8;

    #[inline(always)]
    unsafe fn splat(v: f32) -> __m256 {
        _mm256_set1_ps(v)
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> __m256 {
        _mm256_loadu_ps(p)
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: __m256) {
        _mm256_storeu_ps(p, v)
    }
    #[inline(always)]
    unsafe fn mask(rem: usize) -> __m256i {
        _mm256_cmpgt_epi32(
            _mm256_set1_epi32(rem as i32),
            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
        )
    }
    #[inline(always)]
    unsafe fn load_mask(p: *const f32, m: __m256i) -> __m256 {
        _mm256_maskload_ps(p, m)
    }
    #[inline(always)]
    unsafe fn store_mask(p: *mut f32, v: __m256, m: __m256i) {
        _mm256_maskstore_ps(p, m, v)
    }
    #[inline(always)]
    unsafe fn mul(a: __m256, b: __m256) -> __m256 {
        _mm256_mul_ps(a, b)
    }
    #[inline(always)]
    unsafe fn fmadd(a: __m256, b: __m256, c: __m256) -> __m256 {
        _mm256_fmadd_ps(a, b, c)
    }
    #[inline(always)]
    unsafe fn fmsub(a: __m256, b: __m256, c: __m256) -> __m256 {
        _mm256_fmsub_ps(a, b, c)
    }
    #[inline(always)]
    unsafe fn fnmadd(a: __m256, b: __m256, c: __m256) -> __m256 {
        _mm256_fnmadd_ps(a, b, c)
    }
}

impl RotVec for F64x4 {
    type T = f64;
    type V = __m256d;
    type M = __m256i;
    const LANES: usize = 4;

    #[inline(always)]
    unsafe fn splat(v: f64) -> __m256d {
        _mm256_set1_pd(v)
    }
    #[inline(always)]
    unsafe fn load(p: *const f64) -> __m256d {
        _mm256_loadu_pd(p)
    }
    #[inline(always)]
    unsafe fn store(p: *mut f64, v: __m256d) {
        _mm256_storeu_pd(p, v)
    }
    #[inline(always)]
    unsafe fn mask(rem: usize) -> __m256i {
        _mm256_cmpgt_epi64(
            _mm256_set1_epi64x(rem as i64),
            _mm256_setr_epi64x(0, 1, 2, 3),
        )
    }
    #[inline(always)]
    unsafe fn load_mask(p: *const f64, m: __m256i) -> __m256d {
        _mm256_maskload_pd(p, m)
    }
    #[inline(always)]
    unsafe fn store_mask(p: *mut f64, v: __m256d, m: __m256i) {
        _mm256_maskstore_pd(p, m, v)
    }
    #[inline(always)]
    unsafe fn mul(a: __m256d, b: __m256d) -> __m256d {
        _mm256_mul_pd(a, b)
    }
    #[inline(always)]
    unsafe fn fmadd(a: __m256d, b: __m256d, c: __m256d) -> __m256d {
        _mm256_fmadd_pd(a, b, c)
    }
    #[inline(always)]
    unsafe fn fmsub(a: __m256d, b: __m256d, c: __m256d) -> __m256d {
        _mm256_fmsub_pd(a, b, c)
    }
    #[inline(always)]
    unsafe fn fnmadd(a: __m256d, b: __m256d, c: __m256d) -> __m256d {
        _mm256_fnmadd_pd(a, b, c)
    }
}

/// Defines the kernel table of one element type: strips of `$w` vectors,
/// rows loaded `$ahead` rotations early.
macro_rules! wrappers {
    ($t:ident, $v:ty, $w:literal, $ahead:literal) => {
        #[doc = concat!("Rotation kernels for ", stringify!($t), " on AVX2.")]
        pub mod $t {
            use super::super::super::kernels::RotationKernels;

            #[target_feature(enable = "avx2,fma")]
            unsafe fn forward(c: &[$t], s: &[$t], rows: *mut $t, ld: usize, len: usize) {
                super::super::apply::<$v, $w, $ahead, true>(c, s, rows, ld, len)
            }

            #[target_feature(enable = "avx2,fma")]
            unsafe fn backward(c: &[$t], s: &[$t], rows: *mut $t, ld: usize, len: usize) {
                super::super::apply::<$v, $w, $ahead, false>(c, s, rows, ld, len)
            }

            /// The AVX2 table.
            pub(crate) static KERNELS: RotationKernels<$t> = RotationKernels {
                forward,
                backward,
                // The wave kernels measured slower than one sequence per
                // pass with AVX2's 16 registers (15 against 20 GFLOP/s on
                // a 512-row f64 log, `log_throughput`).
                wave: None,
            };
        }
    };
}

wrappers!(f32, super::F32x8, 4, 0);
wrappers!(f64, super::F64x4, 4, 0);

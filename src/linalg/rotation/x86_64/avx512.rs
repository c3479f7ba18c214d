//! AVX-512 (F, BW, DQ, VL) rotation kernels: 512-bit vectors, partial
//! vectors through mask registers.

use super::RotVec;
use core::arch::x86_64::*;

/// AVX-512 with f32 elements.
pub(crate) struct F32x16;
/// AVX-512 with f64 elements.
pub(crate) struct F64x8;

impl RotVec for F32x16 {
    type T = f32;
    type V = __m512;
    type M = __mmask16;
    const LANES: usize = 16;

    #[inline(always)]
    unsafe fn splat(v: f32) -> __m512 {
        _mm512_set1_ps(v)
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> __m512 {
        _mm512_loadu_ps(p)
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: __m512) {
        _mm512_storeu_ps(p, v)
    }
    #[inline(always)]
    unsafe fn mask(rem: usize) -> __mmask16 {
        ((1u32 << rem) - 1) as __mmask16
    }
    #[inline(always)]
    unsafe fn load_mask(p: *const f32, m: __mmask16) -> __m512 {
        _mm512_maskz_loadu_ps(m, p)
    }
    #[inline(always)]
    unsafe fn store_mask(p: *mut f32, v: __m512, m: __mmask16) {
        _mm512_mask_storeu_ps(p, m, v)
    }
    #[inline(always)]
    unsafe fn mul(a: __m512, b: __m512) -> __m512 {
        _mm512_mul_ps(a, b)
    }
    #[inline(always)]
    unsafe fn fmadd(a: __m512, b: __m512, c: __m512) -> __m512 {
        _mm512_fmadd_ps(a, b, c)
    }
    #[inline(always)]
    unsafe fn fmsub(a: __m512, b: __m512, c: __m512) -> __m512 {
        _mm512_fmsub_ps(a, b, c)
    }
    #[inline(always)]
    unsafe fn fnmadd(a: __m512, b: __m512, c: __m512) -> __m512 {
        _mm512_fnmadd_ps(a, b, c)
    }
}

impl RotVec for F64x8 {
    type T = f64;
    type V = __m512d;
    type M = __mmask8;
    const LANES: usize = 8;

    #[inline(always)]
    unsafe fn splat(v: f64) -> __m512d {
        _mm512_set1_pd(v)
    }
    #[inline(always)]
    unsafe fn load(p: *const f64) -> __m512d {
        _mm512_loadu_pd(p)
    }
    #[inline(always)]
    unsafe fn store(p: *mut f64, v: __m512d) {
        _mm512_storeu_pd(p, v)
    }
    #[inline(always)]
    unsafe fn mask(rem: usize) -> __mmask8 {
        ((1u32 << rem) - 1) as __mmask8
    }
    #[inline(always)]
    unsafe fn load_mask(p: *const f64, m: __mmask8) -> __m512d {
        _mm512_maskz_loadu_pd(m, p)
    }
    #[inline(always)]
    unsafe fn store_mask(p: *mut f64, v: __m512d, m: __mmask8) {
        _mm512_mask_storeu_pd(p, m, v)
    }
    #[inline(always)]
    unsafe fn mul(a: __m512d, b: __m512d) -> __m512d {
        _mm512_mul_pd(a, b)
    }
    #[inline(always)]
    unsafe fn fmadd(a: __m512d, b: __m512d, c: __m512d) -> __m512d {
        _mm512_fmadd_pd(a, b, c)
    }
    #[inline(always)]
    unsafe fn fmsub(a: __m512d, b: __m512d, c: __m512d) -> __m512d {
        _mm512_fmsub_pd(a, b, c)
    }
    #[inline(always)]
    unsafe fn fnmadd(a: __m512d, b: __m512d, c: __m512d) -> __m512d {
        _mm512_fnmadd_pd(a, b, c)
    }
}

impl super::wave::FlushTiny for F32x16 {
    #[inline(always)]
    unsafe fn flush_tiny(v: __m512) -> __m512 {
        // 2^-63 = sqrt(f32::MIN_POSITIVE). NaN compares unordered: kept.
        let tiny = _mm512_cmp_ps_mask(
            _mm512_abs_ps(v),
            _mm512_set1_ps(f32::from_bits(0x2000_0000)),
            _CMP_LT_OQ,
        );
        _mm512_maskz_mov_ps(!tiny, v)
    }
}

impl super::wave::FlushTiny for F64x8 {
    #[inline(always)]
    unsafe fn flush_tiny(v: __m512d) -> __m512d {
        // 2^-511 = sqrt(f64::MIN_POSITIVE). NaN compares unordered: kept.
        let tiny = _mm512_cmp_pd_mask(
            _mm512_abs_pd(v),
            _mm512_set1_pd(f64::from_bits(0x2000_0000_0000_0000)),
            _CMP_LT_OQ,
        );
        _mm512_maskz_mov_pd(!tiny, v)
    }
}

/// Defines the kernel table of one element type: strips of `$w` vectors,
/// rows loaded `$ahead` rotations early; waves of `$depth` sequences on
/// strips of `$wave_w` vectors.
macro_rules! wrappers {
    ($t:ident, $v:ty, $w:literal, $ahead:literal, $wave_w:literal, $depth:literal) => {
        #[doc = concat!("Rotation kernels for ", stringify!($t), " on AVX-512.")]
        pub mod $t {
            use super::super::super::kernels::{RotationKernels, WaveKernels};
            use super::super::super::log::Sequence;

            #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
            unsafe fn forward(c: &[$t], s: &[$t], rows: *mut $t, ld: usize, len: usize) {
                super::super::apply::<$v, $w, $ahead, true>(c, s, rows, ld, len)
            }

            #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
            unsafe fn backward(c: &[$t], s: &[$t], rows: *mut $t, ld: usize, len: usize) {
                super::super::apply::<$v, $w, $ahead, false>(c, s, rows, ld, len)
            }

            /// Up to `$depth` sequences per pass, in strips of `$wave_w`
            /// vectors (measured best of W 1-4, K 3-8 on a 512-row f64
            /// log, `log_throughput`: W 4, K 4; more spills registers).
            #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
            unsafe fn wave<const FORWARD: bool>(
                seqs: &[Sequence],
                c: &[$t],
                s: &[$t],
                rows: *mut $t,
                ld: usize,
                len: usize,
            ) {
                super::super::wave::apply_wave::<$v, $wave_w, $depth, { $depth + 1 }, FORWARD>(
                    seqs, c, s, rows, ld, len,
                )
            }

            /// The AVX-512 table.
            pub(crate) static KERNELS: RotationKernels<$t> = RotationKernels {
                forward,
                backward,
                wave: Some(WaveKernels {
                    forward: wave::<true>,
                    backward: wave::<false>,
                    depth: $depth,
                }),
            };
        }
    };
}

wrappers!(f32, super::F32x16, 4, 1, 4, 4);
wrappers!(f64, super::F64x8, 4, 1, 4, 4);

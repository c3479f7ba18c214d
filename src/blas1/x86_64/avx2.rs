//! AVX2 + FMA level-1 kernels (256-bit vectors, tails through VMASKMOV).

use super::simd::SimdReal;
use core::arch::x86_64::*;

/// Lane masks for tails: 8 set lanes followed by 8 clear ones, read at an
/// offset so the first `rem` lanes are set.
static MASK32: [i32; 16] = [-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0];
static MASK64: [i64; 8] = [-1, -1, -1, -1, 0, 0, 0, 0];

#[inline(always)]
unsafe fn mask32(rem: usize) -> __m256i {
    _mm256_loadu_si256(MASK32.as_ptr().add(8 - rem).cast())
}

#[inline(always)]
unsafe fn mask64(rem: usize) -> __m256i {
    _mm256_loadu_si256(MASK64.as_ptr().add(4 - rem).cast())
}

#[inline(always)]
unsafe fn hsum_pd(v: __m256d) -> f64 {
    let s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd::<1>(v));
    _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)))
}

/// AVX2 with f32 elements.
pub(crate) struct F32x8;
/// AVX2 with f64 elements.
pub(crate) struct F64x4;

impl SimdReal for F32x8 {
    type T = f32;
    type V = __m256;
    type W = __m256d;
    const LANES: usize = 8;

    #[inline(always)]
    unsafe fn zero() -> __m256 {
        _mm256_setzero_ps()
    }
    #[inline(always)]
    unsafe fn splat(v: f32) -> __m256 {
        _mm256_set1_ps(v)
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> __m256 {
        _mm256_loadu_ps(p)
    }
    #[inline(always)]
    unsafe fn load_tail(p: *const f32, rem: usize) -> __m256 {
        _mm256_maskload_ps(p, mask32(rem))
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: __m256) {
        _mm256_storeu_ps(p, v)
    }
    #[inline(always)]
    unsafe fn store_tail(p: *mut f32, v: __m256, rem: usize) {
        _mm256_maskstore_ps(p, mask32(rem), v)
    }
    #[inline(always)]
    unsafe fn fmadd(a: __m256, b: __m256, c: __m256) -> __m256 {
        _mm256_fmadd_ps(a, b, c)
    }
    #[inline(always)]
    unsafe fn add(a: __m256, b: __m256) -> __m256 {
        _mm256_add_ps(a, b)
    }
    #[inline(always)]
    unsafe fn mul(a: __m256, b: __m256) -> __m256 {
        _mm256_mul_ps(a, b)
    }
    #[inline(always)]
    unsafe fn abs(a: __m256) -> __m256 {
        _mm256_andnot_ps(_mm256_set1_ps(-0.0), a)
    }
    #[inline(always)]
    unsafe fn max_bits(a: __m256, b: __m256) -> __m256 {
        _mm256_castsi256_ps(_mm256_max_epu32(
            _mm256_castps_si256(a),
            _mm256_castps_si256(b),
        ))
    }
    #[inline(always)]
    unsafe fn eq_bits(a: __m256, b: __m256) -> u32 {
        _mm256_movemask_ps(_mm256_cmp_ps::<_CMP_EQ_OQ>(a, b)) as u32
    }
    #[inline(always)]
    unsafe fn hsum(a: __m256) -> f32 {
        let s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps::<1>(a));
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)))
    }
    #[inline(always)]
    unsafe fn hmax_bits(a: __m256) -> f32 {
        let lanes: [u32; 8] = std::mem::transmute(a);
        f32::from_bits(lanes.into_iter().max().unwrap_or(0))
    }
    #[inline(always)]
    unsafe fn wzero() -> __m256d {
        _mm256_setzero_pd()
    }
    #[inline(always)]
    unsafe fn wsplat(v: f64) -> __m256d {
        _mm256_set1_pd(v)
    }
    #[inline(always)]
    unsafe fn wadd(a: __m256d, b: __m256d) -> __m256d {
        _mm256_add_pd(a, b)
    }
    #[inline(always)]
    unsafe fn whsum(a: __m256d) -> f64 {
        hsum_pd(a)
    }
    #[inline(always)]
    unsafe fn sq_acc(acc: [__m256d; 2], v: __m256, s: __m256d) -> [__m256d; 2] {
        let lo = _mm256_mul_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(v)), s);
        let hi = _mm256_mul_pd(_mm256_cvtps_pd(_mm256_extractf128_ps::<1>(v)), s);
        [
            _mm256_fmadd_pd(lo, lo, acc[0]),
            _mm256_fmadd_pd(hi, hi, acc[1]),
        ]
    }
}

impl SimdReal for F64x4 {
    type T = f64;
    type V = __m256d;
    type W = __m256d;
    const LANES: usize = 4;

    #[inline(always)]
    unsafe fn zero() -> __m256d {
        _mm256_setzero_pd()
    }
    #[inline(always)]
    unsafe fn splat(v: f64) -> __m256d {
        _mm256_set1_pd(v)
    }
    #[inline(always)]
    unsafe fn load(p: *const f64) -> __m256d {
        _mm256_loadu_pd(p)
    }
    #[inline(always)]
    unsafe fn load_tail(p: *const f64, rem: usize) -> __m256d {
        _mm256_maskload_pd(p, mask64(rem))
    }
    #[inline(always)]
    unsafe fn store(p: *mut f64, v: __m256d) {
        _mm256_storeu_pd(p, v)
    }
    #[inline(always)]
    unsafe fn store_tail(p: *mut f64, v: __m256d, rem: usize) {
        _mm256_maskstore_pd(p, mask64(rem), v)
    }
    #[inline(always)]
    unsafe fn fmadd(a: __m256d, b: __m256d, c: __m256d) -> __m256d {
        _mm256_fmadd_pd(a, b, c)
    }
    #[inline(always)]
    unsafe fn add(a: __m256d, b: __m256d) -> __m256d {
        _mm256_add_pd(a, b)
    }
    #[inline(always)]
    unsafe fn mul(a: __m256d, b: __m256d) -> __m256d {
        _mm256_mul_pd(a, b)
    }
    #[inline(always)]
    unsafe fn abs(a: __m256d) -> __m256d {
        _mm256_andnot_pd(_mm256_set1_pd(-0.0), a)
    }
    #[inline(always)]
    unsafe fn max_bits(a: __m256d, b: __m256d) -> __m256d {
        // No unsigned 64-bit max before AVX-512; the sign bits are clear,
        // so a signed compare orders the lanes the same way.
        let (ai, bi) = (_mm256_castpd_si256(a), _mm256_castpd_si256(b));
        _mm256_blendv_pd(b, a, _mm256_castsi256_pd(_mm256_cmpgt_epi64(ai, bi)))
    }
    #[inline(always)]
    unsafe fn eq_bits(a: __m256d, b: __m256d) -> u32 {
        _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_EQ_OQ>(a, b)) as u32
    }
    #[inline(always)]
    unsafe fn hsum(a: __m256d) -> f64 {
        hsum_pd(a)
    }
    #[inline(always)]
    unsafe fn hmax_bits(a: __m256d) -> f64 {
        let lanes: [u64; 4] = std::mem::transmute(a);
        f64::from_bits(lanes.into_iter().max().unwrap_or(0))
    }
    #[inline(always)]
    unsafe fn wzero() -> __m256d {
        _mm256_setzero_pd()
    }
    #[inline(always)]
    unsafe fn wsplat(v: f64) -> __m256d {
        _mm256_set1_pd(v)
    }
    #[inline(always)]
    unsafe fn wadd(a: __m256d, b: __m256d) -> __m256d {
        _mm256_add_pd(a, b)
    }
    #[inline(always)]
    unsafe fn whsum(a: __m256d) -> f64 {
        hsum_pd(a)
    }
    #[inline(always)]
    unsafe fn sq_acc(acc: [__m256d; 2], v: __m256d, s: __m256d) -> [__m256d; 2] {
        let v = _mm256_mul_pd(v, s);
        [_mm256_fmadd_pd(v, v, acc[0]), acc[1]]
    }
}

/// Level-1 f32 kernels on AVX2.
pub mod f32 {
    super::super::simd::level1_wrappers!("avx2,fma", super::F32x8, f32);
}

/// Level-1 f64 kernels on AVX2.
pub mod f64 {
    super::super::simd::level1_wrappers!("avx2,fma", super::F64x4, f64);
}

/// Exact u8 x s8 dot on AVX2: widen to i16 and use VPMADDWD (VPMADDUBSW
/// would saturate at 2 * 255 * 127). `x.len() <= U8S8_CHUNK`.
#[target_feature(enable = "avx2,fma")]
pub unsafe fn dot_u8s8(x: &[u8], y: &[i8]) -> i32 {
    let n = x.len().min(y.len());
    let (xp, yp) = (x.as_ptr(), y.as_ptr());
    let mut acc = [_mm256_setzero_si256(); 4];
    let mut i = 0;
    while i + 64 <= n {
        for (j, a) in acc.iter_mut().enumerate() {
            let o = i + 16 * j;
            let xa = _mm256_cvtepu8_epi16(_mm_loadu_si128(xp.add(o).cast()));
            let ya = _mm256_cvtepi8_epi16(_mm_loadu_si128(yp.add(o).cast()));
            *a = _mm256_add_epi32(*a, _mm256_madd_epi16(xa, ya));
        }
        i += 64;
    }
    while i + 16 <= n {
        let xa = _mm256_cvtepu8_epi16(_mm_loadu_si128(xp.add(i).cast()));
        let ya = _mm256_cvtepi8_epi16(_mm_loadu_si128(yp.add(i).cast()));
        acc[0] = _mm256_add_epi32(acc[0], _mm256_madd_epi16(xa, ya));
        i += 16;
    }
    let s = _mm256_add_epi32(
        _mm256_add_epi32(acc[0], acc[1]),
        _mm256_add_epi32(acc[2], acc[3]),
    );
    let s = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256::<1>(s));
    let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b01_00_11_10>(s));
    let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b10_11_00_01>(s));
    let mut total = _mm_cvtsi128_si32(s);
    while i < n {
        total += i32::from(*xp.add(i)) * i32::from(*yp.add(i));
        i += 1;
    }
    total
}

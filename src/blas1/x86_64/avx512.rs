//! AVX-512 (F, BW, DQ, VL) level-1 kernels: 512-bit vectors, tails through
//! mask registers.

use super::simd::SimdReal;
use core::arch::x86_64::*;

/// AVX-512 with f32 elements.
pub(crate) struct F32x16;
/// AVX-512 with f64 elements.
pub(crate) struct F64x8;

impl SimdReal for F32x16 {
    type T = f32;
    type V = __m512;
    type W = __m512d;
    const LANES: usize = 16;

    #[inline(always)]
    unsafe fn zero() -> __m512 {
        _mm512_setzero_ps()
    }
    #[inline(always)]
    unsafe fn splat(v: f32) -> __m512 {
        _mm512_set1_ps(v)
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> __m512 {
        _mm512_loadu_ps(p)
    }
    #[inline(always)]
    unsafe fn load_tail(p: *const f32, rem: usize) -> __m512 {
        _mm512_maskz_loadu_ps(((1u32 << rem) - 1) as __mmask16, p)
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: __m512) {
        _mm512_storeu_ps(p, v)
    }
    #[inline(always)]
    unsafe fn store_tail(p: *mut f32, v: __m512, rem: usize) {
        _mm512_mask_storeu_ps(p, ((1u32 << rem) - 1) as __mmask16, v)
    }
    #[inline(always)]
    unsafe fn fmadd(a: __m512, b: __m512, c: __m512) -> __m512 {
        _mm512_fmadd_ps(a, b, c)
    }
    #[inline(always)]
    unsafe fn add(a: __m512, b: __m512) -> __m512 {
        _mm512_add_ps(a, b)
    }
    #[inline(always)]
    unsafe fn mul(a: __m512, b: __m512) -> __m512 {
        _mm512_mul_ps(a, b)
    }
    #[inline(always)]
    unsafe fn abs(a: __m512) -> __m512 {
        _mm512_abs_ps(a)
    }
    #[inline(always)]
    unsafe fn max_bits(a: __m512, b: __m512) -> __m512 {
        _mm512_castsi512_ps(_mm512_max_epu32(
            _mm512_castps_si512(a),
            _mm512_castps_si512(b),
        ))
    }
    #[inline(always)]
    unsafe fn eq_bits(a: __m512, b: __m512) -> u32 {
        u32::from(_mm512_cmp_ps_mask::<_CMP_EQ_OQ>(a, b))
    }
    #[inline(always)]
    unsafe fn hsum(a: __m512) -> f32 {
        _mm512_reduce_add_ps(a)
    }
    #[inline(always)]
    unsafe fn hmax_bits(a: __m512) -> f32 {
        f32::from_bits(_mm512_reduce_max_epu32(_mm512_castps_si512(a)) as _)
    }
    #[inline(always)]
    unsafe fn wzero() -> __m512d {
        _mm512_setzero_pd()
    }
    #[inline(always)]
    unsafe fn wsplat(v: f64) -> __m512d {
        _mm512_set1_pd(v)
    }
    #[inline(always)]
    unsafe fn wadd(a: __m512d, b: __m512d) -> __m512d {
        _mm512_add_pd(a, b)
    }
    #[inline(always)]
    unsafe fn whsum(a: __m512d) -> f64 {
        _mm512_reduce_add_pd(a)
    }
    #[inline(always)]
    unsafe fn sq_acc(acc: [__m512d; 2], v: __m512, s: __m512d) -> [__m512d; 2] {
        let lo = _mm512_mul_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(v)), s);
        let hi = _mm512_mul_pd(_mm512_cvtps_pd(_mm512_extractf32x8_ps::<1>(v)), s);
        [
            _mm512_fmadd_pd(lo, lo, acc[0]),
            _mm512_fmadd_pd(hi, hi, acc[1]),
        ]
    }

    /// Halves first: 256-bit adds have a shorter latency than 512-bit
    /// ones on Intel cores, and the whole tree is on the critical path.
    #[inline(always)]
    unsafe fn hsum4(a: [__m512; 4]) -> f32 {
        let half =
            |v: __m512| _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps::<1>(v));
        let s = _mm256_add_ps(
            _mm256_add_ps(half(a[0]), half(a[1])),
            _mm256_add_ps(half(a[2]), half(a[3])),
        );
        let s = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps::<1>(s));
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)))
    }
    /// Hand-scheduled so each FMA takes its `y` operand from a base
    /// register plus displacement: an indexed address would unlaminate the
    /// micro-fused load+FMA on Intel cores and make the loop rename-bound
    /// (about 7 uops per cycle against 6) instead of load-bound.
    #[inline(always)]
    unsafe fn dot_blocks(acc: &mut [__m512; 4], xp: *const f32, yp: *const f32, blocks: usize) {
        dot_blocks_ps(acc, xp, yp, blocks)
    }
}

impl SimdReal for F64x8 {
    type T = f64;
    type V = __m512d;
    type W = __m512d;
    const LANES: usize = 8;

    #[inline(always)]
    unsafe fn zero() -> __m512d {
        _mm512_setzero_pd()
    }
    #[inline(always)]
    unsafe fn splat(v: f64) -> __m512d {
        _mm512_set1_pd(v)
    }
    #[inline(always)]
    unsafe fn load(p: *const f64) -> __m512d {
        _mm512_loadu_pd(p)
    }
    #[inline(always)]
    unsafe fn load_tail(p: *const f64, rem: usize) -> __m512d {
        _mm512_maskz_loadu_pd(((1u32 << rem) - 1) as __mmask8, p)
    }
    #[inline(always)]
    unsafe fn store(p: *mut f64, v: __m512d) {
        _mm512_storeu_pd(p, v)
    }
    #[inline(always)]
    unsafe fn store_tail(p: *mut f64, v: __m512d, rem: usize) {
        _mm512_mask_storeu_pd(p, ((1u32 << rem) - 1) as __mmask8, v)
    }
    #[inline(always)]
    unsafe fn fmadd(a: __m512d, b: __m512d, c: __m512d) -> __m512d {
        _mm512_fmadd_pd(a, b, c)
    }
    #[inline(always)]
    unsafe fn add(a: __m512d, b: __m512d) -> __m512d {
        _mm512_add_pd(a, b)
    }
    #[inline(always)]
    unsafe fn mul(a: __m512d, b: __m512d) -> __m512d {
        _mm512_mul_pd(a, b)
    }
    #[inline(always)]
    unsafe fn abs(a: __m512d) -> __m512d {
        _mm512_abs_pd(a)
    }
    #[inline(always)]
    unsafe fn max_bits(a: __m512d, b: __m512d) -> __m512d {
        _mm512_castsi512_pd(_mm512_max_epu64(
            _mm512_castpd_si512(a),
            _mm512_castpd_si512(b),
        ))
    }
    #[inline(always)]
    unsafe fn eq_bits(a: __m512d, b: __m512d) -> u32 {
        u32::from(_mm512_cmp_pd_mask::<_CMP_EQ_OQ>(a, b))
    }
    #[inline(always)]
    unsafe fn hsum(a: __m512d) -> f64 {
        _mm512_reduce_add_pd(a)
    }
    #[inline(always)]
    unsafe fn hmax_bits(a: __m512d) -> f64 {
        f64::from_bits(_mm512_reduce_max_epu64(_mm512_castpd_si512(a)) as _)
    }
    #[inline(always)]
    unsafe fn wzero() -> __m512d {
        _mm512_setzero_pd()
    }
    #[inline(always)]
    unsafe fn wsplat(v: f64) -> __m512d {
        _mm512_set1_pd(v)
    }
    #[inline(always)]
    unsafe fn wadd(a: __m512d, b: __m512d) -> __m512d {
        _mm512_add_pd(a, b)
    }
    #[inline(always)]
    unsafe fn whsum(a: __m512d) -> f64 {
        _mm512_reduce_add_pd(a)
    }
    #[inline(always)]
    unsafe fn sq_acc(acc: [__m512d; 2], v: __m512d, s: __m512d) -> [__m512d; 2] {
        let v = _mm512_mul_pd(v, s);
        [_mm512_fmadd_pd(v, v, acc[0]), acc[1]]
    }

    /// Halves first, as for f32.
    #[inline(always)]
    unsafe fn hsum4(a: [__m512d; 4]) -> f64 {
        let half =
            |v: __m512d| _mm256_add_pd(_mm512_castpd512_pd256(v), _mm512_extractf64x4_pd::<1>(v));
        let s = _mm256_add_pd(
            _mm256_add_pd(half(a[0]), half(a[1])),
            _mm256_add_pd(half(a[2]), half(a[3])),
        );
        let s = _mm_add_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd::<1>(s));
        _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)))
    }
    /// Hand-scheduled so each FMA takes its `y` operand from a base
    /// register plus displacement: an indexed address would unlaminate the
    /// micro-fused load+FMA on Intel cores and make the loop rename-bound
    /// (about 7 uops per cycle against 6) instead of load-bound.
    #[inline(always)]
    unsafe fn dot_blocks(acc: &mut [__m512d; 4], xp: *const f64, yp: *const f64, blocks: usize) {
        dot_blocks_pd(acc, xp, yp, blocks)
    }
}

/// Level-1 f32 kernels on AVX-512.
pub mod f32 {
    super::super::simd::level1_wrappers!(
        "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma",
        super::F32x16,
        f32
    );
}

/// Level-1 f64 kernels on AVX-512.
pub mod f64 {
    super::super::simd::level1_wrappers!(
        "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma",
        super::F64x8,
        f64
    );
}

/// Exact u8 x s8 dot on AVX-512BW without VNNI: widen to i16, VPMADDWD.
/// `x.len() <= U8S8_CHUNK`.
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
pub unsafe fn dot_u8s8(x: &[u8], y: &[i8]) -> i32 {
    #[inline(always)]
    unsafe fn step(acc: __m512i, x: __m256i, y: __m256i) -> __m512i {
        let p = _mm512_madd_epi16(_mm512_cvtepu8_epi16(x), _mm512_cvtepi8_epi16(y));
        _mm512_add_epi32(acc, p)
    }
    let n = x.len().min(y.len());
    let (xp, yp) = (x.as_ptr(), y.as_ptr());
    let mut acc = [_mm512_setzero_si512(); 4];
    let mut i = 0;
    while i + 128 <= n {
        for (j, a) in acc.iter_mut().enumerate() {
            let o = i + 32 * j;
            *a = step(
                *a,
                _mm256_loadu_si256(xp.add(o).cast()),
                _mm256_loadu_si256(yp.add(o).cast()),
            );
        }
        i += 128;
    }
    for a in acc.iter_mut() {
        if i < n {
            let rem = (n - i).min(32);
            let m = (u64::MAX >> (64 - rem)) as __mmask32;
            let xv = _mm256_maskz_loadu_epi8(m, xp.add(i).cast());
            let yv = _mm256_maskz_loadu_epi8(m, yp.add(i).cast());
            *a = step(*a, xv, yv);
            i += rem;
        }
    }
    let s = _mm512_add_epi32(
        _mm512_add_epi32(acc[0], acc[1]),
        _mm512_add_epi32(acc[2], acc[3]),
    );
    _mm512_reduce_add_epi32(s)
}

/// Defines the four-chain dot loop of one element type (see
/// `SimdReal::dot_blocks`): 256 bytes of `x` and `y` per iteration, `y`
/// addressed as base + displacement so each load+FMA stays micro-fused.
macro_rules! dot_blocks_asm {
    ($name:ident, $v:ty, $t:ty, $fma:literal) => {
        #[target_feature(enable = "avx512f")]
        #[inline]
        unsafe fn $name(acc: &mut [$v; 4], xp: *const $t, yp: *const $t, blocks: usize) {
            if blocks == 0 {
                return;
            }
            let end = xp.byte_add(blocks * 256);
            core::arch::asm!(
                "2:",
                "vmovups {t0}, [{x}]",
                "vmovups {t1}, [{x} + 64]",
                "vmovups {t2}, [{x} + 128]",
                "vmovups {t3}, [{x} + 192]",
                concat!($fma, " {a0}, {t0}, [{y}]"),
                concat!($fma, " {a1}, {t1}, [{y} + 64]"),
                concat!($fma, " {a2}, {t2}, [{y} + 128]"),
                concat!($fma, " {a3}, {t3}, [{y} + 192]"),
                "add {x}, 256",
                "add {y}, 256",
                "cmp {x}, {end}",
                "jb 2b",
                x = inout(reg) xp => _,
                y = inout(reg) yp => _,
                end = in(reg) end,
                a0 = inout(zmm_reg) acc[0],
                a1 = inout(zmm_reg) acc[1],
                a2 = inout(zmm_reg) acc[2],
                a3 = inout(zmm_reg) acc[3],
                t0 = out(zmm_reg) _,
                t1 = out(zmm_reg) _,
                t2 = out(zmm_reg) _,
                t3 = out(zmm_reg) _,
                options(nostack, readonly, pure)
            );
        }
    };
}

dot_blocks_asm!(dot_blocks_ps, __m512, f32, "vfmadd231ps");
dot_blocks_asm!(dot_blocks_pd, __m512d, f64, "vfmadd231pd");

//! AVX-512 VNNI: the u8 x s8 dot through VPDPBUSD (64 multiply-adds per
//! instruction into 16 int32 lanes, no saturation).

use core::arch::x86_64::*;

/// Exact u8 x s8 dot with VPDPBUSD. `x.len() <= U8S8_CHUNK`, so no lane
/// can overflow.
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx512vnni,avx2,fma")]
pub unsafe fn dot_u8s8(x: &[u8], y: &[i8]) -> i32 {
    let n = x.len().min(y.len());
    let (xp, yp) = (x.as_ptr(), y.as_ptr());
    if n < 512 {
        return dot_short(n, xp, yp);
    }
    // VPDPBUSD latency is about 5 cycles: 8 chains keep two ports busy.
    let mut acc = [_mm512_setzero_si512(); 8];
    // Peel up to 63 bytes so the main loop's x loads never split a cache
    // line (integer sums are exact, so unlike the float kernels this
    // changes nothing in the result).
    let head = ((64 - xp as usize % 64) % 64).min(n);
    let mut i = masked_step(&mut acc[7], xp, yp, 0, head);
    while i + 512 <= n {
        for (j, a) in acc.iter_mut().enumerate() {
            let o = i + 64 * j;
            let xv = _mm512_loadu_si512(xp.add(o).cast());
            let yv = _mm512_loadu_si512(yp.add(o).cast());
            *a = _mm512_dpbusd_epi32(*a, xv, yv);
        }
        i += 512;
    }
    // Fewer than 512 bytes remain: spread them over the accumulators so
    // short inputs do not wait on one VPDPBUSD chain.
    for a in acc.iter_mut() {
        i = masked_step(a, xp, yp, i, n);
    }
    let s0 = _mm512_add_epi32(
        _mm512_add_epi32(acc[0], acc[1]),
        _mm512_add_epi32(acc[2], acc[3]),
    );
    let s1 = _mm512_add_epi32(
        _mm512_add_epi32(acc[4], acc[5]),
        _mm512_add_epi32(acc[6], acc[7]),
    );
    _mm512_reduce_add_epi32(_mm512_add_epi32(s0, s1))
}

/// Fewer than 512 bytes: two chains and no alignment peel, so the fixed
/// cost (the final reduction above all) stays small.
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx512vnni,avx2,fma")]
#[inline]
unsafe fn dot_short(n: usize, xp: *const u8, yp: *const i8) -> i32 {
    let mut acc = [_mm512_setzero_si512(); 2];
    let mut i = 0;
    while i + 128 <= n {
        for (j, a) in acc.iter_mut().enumerate() {
            let o = i + 64 * j;
            let xv = _mm512_loadu_si512(xp.add(o).cast());
            let yv = _mm512_loadu_si512(yp.add(o).cast());
            *a = _mm512_dpbusd_epi32(*a, xv, yv);
        }
        i += 128;
    }
    for a in acc.iter_mut() {
        i = masked_step(a, xp, yp, i, n);
    }
    _mm512_reduce_add_epi32(_mm512_add_epi32(acc[0], acc[1]))
}

/// Adds up to 64 bytes from offset `i` (fewer when `n - i` is smaller,
/// none at the end) into `acc` with masked loads; returns the new offset.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
#[inline]
unsafe fn masked_step(
    acc: &mut __m512i,
    xp: *const u8,
    yp: *const i8,
    i: usize,
    n: usize,
) -> usize {
    if i >= n {
        return i;
    }
    let rem = (n - i).min(64);
    let m: __mmask64 = u64::MAX >> (64 - rem);
    let xv = _mm512_maskz_loadu_epi8(m, xp.add(i).cast());
    let yv = _mm512_maskz_loadu_epi8(m, yp.add(i).cast());
    *acc = _mm512_dpbusd_epi32(*acc, xv, yv);
    i + rem
}

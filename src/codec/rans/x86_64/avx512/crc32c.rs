//! CRC32C by carry-less multiplication (VPCLMULQDQ): four 512-bit
//! accumulators fold 256 bytes per step, not bound by the one `crc32`
//! instruction (8 bytes) per cycle, so `sk_rans_open` checking every tile
//! costs less next to the decode that follows it (docs/PERFORMANCE.md).
//!
//! Folding: in the reflected bit order of CRC32C, a 128-bit chunk H that
//! lies D bits before the chunk it is added to contributes
//! `clmul(H.lo, K1(D)) ^ clmul(H.hi, K2(D))`, with K1 = x^(D+31) mod P and
//! K2 = x^(D-33) mod P, both bit-reversed (the offsets absorb the reflected
//! product's one-bit shift and the low half's extra 64 bits). The folded
//! 128 bits are congruent to the message: the `crc32` instruction over
//! their 16 bytes gives the register the message would have, and the tail
//! continues from it.

use std::arch::x86_64::*;

/// The Castagnoli polynomial in normal bit order with its x^32 term
/// (`0x82F63B78` is its reflection without it).
const POLY_FULL: u64 = 0x1_1EDC_6F41;

/// `x^e mod P`, normal order.
const fn x_pow_mod(e: u32) -> u32 {
    let mut r: u64 = 1;
    let mut i = 0;
    while i < e {
        r <<= 1;
        if r >> 32 != 0 {
            r ^= POLY_FULL;
        }
        i += 1;
    }
    r as u32
}

/// The `(K1, K2)` pair that folds a 128-bit chunk forward by `d` bits.
const fn fold_keys(d: u32) -> (u64, u64) {
    (
        x_pow_mod(d + 31).reverse_bits() as u64,
        x_pow_mod(d - 33).reverse_bits() as u64,
    )
}

// Keys for the distances used: four accumulators apart, one 64-byte
// vector, and the lanes of the last vector.
const K_2048: (u64, u64) = fold_keys(2048);
const K_512: (u64, u64) = fold_keys(512);
const K_384: (u64, u64) = fold_keys(384);
const K_256: (u64, u64) = fold_keys(256);
const K_128: (u64, u64) = fold_keys(128);

/// cbindgen:ignore
/// Shortest input worth the setup (the caller takes the `crc32` path below).
pub const MIN_LEN: usize = 256;

/// Folds every 128-bit lane of `acc` forward by the keys in `k` (K1 in each
/// lane's low half, K2 in its high half) and adds `data`.
#[inline(always)]
unsafe fn fold_512(acc: __m512i, k: __m512i, data: __m512i) -> __m512i {
    let lo = _mm512_clmulepi64_epi128::<0x00>(acc, k);
    let hi = _mm512_clmulepi64_epi128::<0x11>(acc, k);
    _mm512_ternarylogic_epi64::<0x96>(lo, hi, data)
}

/// [`fold_512`] for one 128-bit chunk.
#[inline(always)]
unsafe fn fold_128(acc: __m128i, k: (u64, u64), data: __m128i) -> __m128i {
    let k = _mm_set_epi64x(k.1 as i64, k.0 as i64);
    let lo = _mm_clmulepi64_si128::<0x00>(acc, k);
    let hi = _mm_clmulepi64_si128::<0x11>(acc, k);
    _mm_xor_si128(_mm_xor_si128(lo, hi), data)
}

/// Both keys of `k` in every 128-bit lane.
#[inline(always)]
unsafe fn keys(k: (u64, u64)) -> __m512i {
    _mm512_broadcast_i32x4(_mm_set_epi64x(k.1 as i64, k.0 as i64))
}

/// CRC32C of `data` (initial value all ones, final complement), for
/// `data.len() >= MIN_LEN`.
///
/// # Safety
/// The CPU has AVX-512F, VPCLMULQDQ, PCLMULQDQ and SSE4.2.
#[target_feature(enable = "avx512f,vpclmulqdq,pclmulqdq,sse4.2")]
pub unsafe fn crc32c(data: &[u8]) -> u32 {
    assert!(data.len() >= MIN_LEN);
    let load = |at: usize| _mm512_loadu_si512(data.as_ptr().add(at).cast());
    // The initial register joins the message's first 32 bits.
    let mut acc = [load(0), load(64), load(128), load(192)];
    acc[0] = _mm512_xor_si512(acc[0], _mm512_castsi128_si512(_mm_cvtsi32_si128(-1)));
    let mut at = 256;
    let k = keys(K_2048);
    while at + 256 <= data.len() {
        for (j, a) in acc.iter_mut().enumerate() {
            *a = fold_512(*a, k, load(at + 64 * j));
        }
        at += 256;
    }
    let k = keys(K_512);
    let mut one = acc[0];
    for a in &acc[1..] {
        one = fold_512(one, k, *a);
    }
    while at + 64 <= data.len() {
        one = fold_512(one, k, load(at));
        at += 64;
    }
    // Lane i lies 384 - 128 i bits before the last one.
    let lane = |i: usize| match i {
        0 => _mm512_extracti32x4_epi32::<0>(one),
        1 => _mm512_extracti32x4_epi32::<1>(one),
        2 => _mm512_extracti32x4_epi32::<2>(one),
        _ => _mm512_extracti32x4_epi32::<3>(one),
    };
    let mut r = fold_128(lane(0), K_384, lane(3));
    r = fold_128(lane(1), K_256, r);
    r = fold_128(lane(2), K_128, r);
    while at + 16 <= data.len() {
        r = fold_128(r, K_128, _mm_loadu_si128(data.as_ptr().add(at).cast()));
        at += 16;
    }
    let mut c = _mm_crc32_u64(0, _mm_cvtsi128_si64(r) as u64);
    c = _mm_crc32_u64(c, _mm_extract_epi64::<1>(r) as u64);
    let mut c = c as u32;
    for &b in &data[at..] {
        c = _mm_crc32_u8(c, b);
    }
    !c
}

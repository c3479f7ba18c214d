//! The AVX-512 tile encoder: 16 lanes per vector, the same bytes as the
//! scalar encoder.

use crate::codec::rans::encode::{word_space, write_payload};
use std::arch::x86_64::*;

/// The vector encoder's per-symbol constants: `freq | cum << 16` in the
/// low half, the bits of `1 / freq` as f32 in the high half (0 when the
/// symbol is absent), so one 64-bit gather lane brings both.
pub struct EncVectors {
    /// The entries by symbol.
    pub entry: [u64; 256],
}

impl EncVectors {
    /// From a normalized frequency table.
    pub fn new(freqs: &[u16; 256]) -> Self {
        let mut v = EncVectors { entry: [0; 256] };
        let mut cum = 0u32;
        for (entry, &f) in v.entry.iter_mut().zip(freqs) {
            let f = f as u32;
            let recip = if f > 0 { 1.0 / f as f32 } else { 0.0 };
            *entry = (f | cum << 16) as u64 | (recip.to_bits() as u64) << 32;
            cum += f;
        }
        v
    }
}

/// As `encode::encode_tile` (the same bytes), 16 lanes per vector, for
/// `lanes` a multiple of 16 up to 64.
///
/// The division `x / freq` starts from `q0 = trunc(f32(x) * f32(1 /
/// freq))` and corrects it by the remainder. After renormalization `x <
/// freq * 2^(32 - prob_bits)`, so the quotient is below 2^22; the three
/// f32 roundings (x, the reciprocal, the product) are each within a
/// relative 2^-24, so the product is within `2^22 * 3 * 2^-24 = 0.75` of
/// the true quotient and `q0` is the quotient or one off either way:
/// `r = x - q0 * freq` below 0 or at least `freq` says which.
///
/// # Safety
/// The CPU has AVX-512 F, BW and VL and POPCNT; every symbol of the tile
/// has a frequency.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,popcnt")]
pub unsafe fn encode_tile(
    symbols: &[u8],
    lanes: usize,
    bits: u32,
    table: &EncVectors,
    words: &mut Vec<u16>,
    out: &mut [u8],
) -> usize {
    debug_assert!(lanes.is_multiple_of(16) && lanes <= 64);
    let args = (symbols, table, words, out);
    // The lane count and the precision as constants: the states stay in
    // registers and the shifts take immediates.
    match (lanes / 16, bits) {
        (1, 10) => encode_lanes::<1, 10>(args),
        (1, 11) => encode_lanes::<1, 11>(args),
        (1, _) => encode_lanes::<1, 12>(args),
        (2, 10) => encode_lanes::<2, 10>(args),
        (2, 11) => encode_lanes::<2, 11>(args),
        (2, _) => encode_lanes::<2, 12>(args),
        (_, 10) => encode_lanes::<4, 10>(args),
        (_, 11) => encode_lanes::<4, 11>(args),
        (_, _) => encode_lanes::<4, 12>(args),
    }
}

/// [`encode_tile`] for `NV` vectors of 16 lanes and `prob_bits = BITS`.
#[inline(always)]
unsafe fn encode_lanes<const NV: usize, const BITS: u32>(
    (symbols, table, words, out): (&[u8], &EncVectors, &mut Vec<u16>, &mut [u8]),
) -> usize {
    let (lanes, bits) = (16 * NV, BITS);
    let full = symbols.len() / lanes;
    let mut state = [crate::codec::rans::format::STATE_LOW; 64];
    // The partial last step first, lane by lane, as the scalar encoder.
    // 16 spare slots below: a vector's masked store starts at most 16
    // words down.
    let len = symbols.len() + 16;
    let wp = word_space(words, len);
    let mut top = len;
    let tail = &symbols[full * lanes..];
    for (l, &s) in tail.iter().enumerate().rev() {
        let x = &mut state[l];
        let packed = table.entry[s as usize] as u32;
        let (f, cum) = (packed & 0xFFFF, packed >> 16);
        if (*x >> (32 - bits)) >= f {
            top -= 1;
            wp.add(top).write(*x as u16);
            *x >>= 16;
        }
        let q = *x / f;
        *x = (q << bits) + (*x - q * f) + cum;
    }
    let mut x: [__m512i; NV] =
        std::array::from_fn(|v| _mm512_loadu_si512(state.as_ptr().add(16 * v).cast()));
    let low16 = _mm512_set1_epi32(0xFFFF);
    let top_shift = _mm512_set1_epi32(32 - BITS as i32);
    // Even and odd 32-bit halves of two vectors of 64-bit entries.
    let even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    let odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    let one = _mm512_set1_epi32(1);
    for step in (0..full).rev() {
        for v in (0..NV).rev() {
            let at = symbols.as_ptr().add(step * lanes + 16 * v);
            let s = _mm512_cvtepu8_epi32(_mm_loadu_si128(at.cast()));
            let (lo_s, hi_s) = (_mm512_castsi512_si256(s), _mm512_extracti64x4_epi64::<1>(s));
            let gl = _mm512_i32gather_epi64::<8>(lo_s, table.entry.as_ptr().cast());
            let gh = _mm512_i32gather_epi64::<8>(hi_s, table.entry.as_ptr().cast());
            let e = _mm512_permutex2var_epi32(gl, even, gh);
            let recip = _mm512_castsi512_ps(_mm512_permutex2var_epi32(gl, odd, gh));
            let f = _mm512_and_si512(e, low16);
            let cum = _mm512_srli_epi32::<16>(e);
            let xv = x[v];
            let need = _mm512_cmpge_epu32_mask(_mm512_srlv_epi32(xv, top_shift), f);
            // This vector's words go below the later ones, lanes ascending.
            let k = need.count_ones() as usize;
            top -= k;
            let packed = _mm512_cvtepi32_epi16(_mm512_maskz_compress_epi32(need, xv));
            _mm256_mask_storeu_epi16(wp.add(top).cast(), ((1u32 << k) - 1) as u16, packed);
            let xv = _mm512_mask_srli_epi32::<16>(xv, need, xv);
            // q = x / f: an f32 estimate one off at most, then corrected
            // by the remainder (|r| < 2 f fits an i32).
            let q0 = _mm512_cvttps_epu32(_mm512_mul_ps(_mm512_cvtepu32_ps(xv), recip));
            let r0 = _mm512_sub_epi32(xv, _mm512_mullo_epi32(q0, f));
            let low = _mm512_cmplt_epi32_mask(r0, _mm512_setzero_si512());
            let q = _mm512_mask_sub_epi32(q0, low, q0, one);
            let r = _mm512_mask_add_epi32(r0, low, r0, f);
            let high = _mm512_cmpge_epi32_mask(r, f);
            let q = _mm512_mask_add_epi32(q, high, q, one);
            let r = _mm512_mask_sub_epi32(r, high, r, f);
            x[v] = _mm512_add_epi32(_mm512_add_epi32(_mm512_slli_epi32::<BITS>(q), r), cum);
        }
    }
    for (v, x) in x.iter().enumerate() {
        _mm512_storeu_si512(state.as_mut_ptr().add(16 * v).cast(), *x);
    }
    // SAFETY: every slot from top up was written (the kept words).
    let kept = std::slice::from_raw_parts(wp.add(top), len - top);
    write_payload(&state[..lanes], kept, out)
}

#[cfg(test)]
mod tests {
    /// The premise of the vector division: for every frequency and every
    /// precision, `trunc(f32(x) * f32(1 / f))` is within one of `x / f`
    /// over the states the encoder divides (below `f * 2^(32 - bits)`),
    /// checked at the quotient boundaries across the range.
    #[test]
    fn the_f32_quotient_is_at_most_one_off() {
        for bits in 10..=12u32 {
            for f in 1..=1u64 << bits {
                let recip = 1.0 / f as f32;
                let limit = f << (32 - bits); // exclusive
                let mut q = 1u64;
                while q * f < limit {
                    for x in [q * f - 1, q * f, q * f + f - 1] {
                        if x >= limit {
                            continue;
                        }
                        let est = ((x as f32) * recip) as u64;
                        let exact = x / f;
                        assert!(
                            est + 1 >= exact && est <= exact + 1,
                            "x {x} f {f}: {est} vs {exact}"
                        );
                    }
                    q = q * 2 + q / 3 + 1;
                }
            }
        }
    }
}

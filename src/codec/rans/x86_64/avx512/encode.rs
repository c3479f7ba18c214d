//! The AVX-512 tile encoder: 16 lanes per vector, the same bytes as the
//! scalar encoder.

use crate::codec::rans::encode::{word_space, write_payload};
use std::arch::x86_64::*;

/// The vector encoder's per-symbol constants.
pub struct EncVectors {
    /// `freq | cum << 16` by symbol.
    pub packed: [u32; 256],
    /// `1 / freq` by symbol (0 when absent).
    pub recip: [f64; 256],
}

impl EncVectors {
    /// From a normalized frequency table.
    pub fn new(freqs: &[u16; 256]) -> Self {
        let mut v = EncVectors {
            packed: [0; 256],
            recip: [0.0; 256],
        };
        let mut cum = 0u32;
        for ((packed, recip), &f) in v.packed.iter_mut().zip(&mut v.recip).zip(freqs) {
            let f = f as u32;
            *packed = f | cum << 16;
            *recip = if f > 0 { 1.0 / f as f64 } else { 0.0 };
            cum += f;
        }
        v
    }
}

/// As `encode::encode_tile` (the same bytes), 16 lanes per vector, for
/// `lanes` a multiple of 16 up to 64.
///
/// The division `x / freq` is `floor(x * (1 / freq) + 2^-18)` in f64: x
/// is exact, the product is off by less than `2^32 * 2^-52 = 2^-20`, and
/// a true quotient's fraction is 0 or at most `1 - 1/freq <= 1 - 2^-12`,
/// so the nudge puts it on the right side of every integer.
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
        let (f, cum) = (
            table.packed[s as usize] & 0xFFFF,
            table.packed[s as usize] >> 16,
        );
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
    let nudge = _mm512_set1_pd(1.0 / (1u64 << 18) as f64);
    let top_shift = _mm512_set1_epi32(32 - BITS as i32);
    for step in (0..full).rev() {
        for v in (0..NV).rev() {
            let at = symbols.as_ptr().add(step * lanes + 16 * v);
            let s = _mm512_cvtepu8_epi32(_mm_loadu_si128(at.cast()));
            let e = _mm512_i32gather_epi32::<4>(s, table.packed.as_ptr().cast());
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
            // q = x / f through f64, eight lanes at a time.
            let (lo_s, hi_s) = (_mm512_castsi512_si256(s), _mm512_extracti64x4_epi64::<1>(s));
            let rl = _mm512_i32gather_pd::<8>(lo_s, table.recip.as_ptr().cast());
            let rh = _mm512_i32gather_pd::<8>(hi_s, table.recip.as_ptr().cast());
            let xl = _mm512_cvtepu32_pd(_mm512_castsi512_si256(xv));
            let xh = _mm512_cvtepu32_pd(_mm512_extracti64x4_epi64::<1>(xv));
            let ql = _mm512_cvttpd_epu32(_mm512_fmadd_pd(xl, rl, nudge));
            let qh = _mm512_cvttpd_epu32(_mm512_fmadd_pd(xh, rh, nudge));
            let q = _mm512_inserti64x4::<1>(_mm512_castsi256_si512(ql), qh);
            let r = _mm512_sub_epi32(xv, _mm512_mullo_epi32(q, f));
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

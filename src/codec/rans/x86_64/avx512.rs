//! AVX-512F tile decoder: 16 lanes per vector (lane counts that are a
//! multiple of 16).

use crate::codec::rans::format::STATE_LOW;
use crate::codec::rans::reference::{finish_tile, split, Tile, Words};
use crate::error::Result;
use std::arch::x86_64::*;

/// As `reference::decode_tile`, for `lanes` a multiple of 16 up to 64.
///
/// # Safety
/// The tile is as `reference::Tile` says, and the CPU has AVX-512F.
#[target_feature(enable = "avx512f")]
pub unsafe fn decode_tile(tile: &Tile<'_>, out: &mut [u8]) -> Result<()> {
    let [result] = match tile.lanes / 16 {
        1 => run::<1, 1>([tile], [out]),
        2 => run::<2, 1>([tile], [out]),
        _ => run::<4, 1>([tile], [out]),
    };
    result
}

/// Two tiles of one container at once: each tile's steps form one long
/// dependency chain (table gather, multiply, renormalization), so a
/// second tile's independent vectors fill the wait. Returns the first
/// tile's result, then the second's.
///
/// # Safety
/// As [`decode_tile`]; both tiles share the table and `bits`.
#[target_feature(enable = "avx512f")]
pub unsafe fn decode_tile_pair(
    a: &Tile<'_>,
    out_a: &mut [u8],
    b: &Tile<'_>,
    out_b: &mut [u8],
) -> [Result<()>; 2] {
    match a.lanes / 16 {
        1 => run::<1, 2>([a, b], [out_a, out_b]),
        2 => run::<2, 2>([a, b], [out_a, out_b]),
        _ => run::<4, 2>([a, b], [out_a, out_b]),
    }
}

/// One tile's vector decoding position.
struct Cursor<'a, const NV: usize> {
    x: [__m512i; NV],
    words: Words<'a>,
    step: usize,
    steps: usize,
    out: *mut u8,
}

impl<const NV: usize> Cursor<'_, NV> {
    /// Whether the tile can take another vector step: a step reads at most
    /// `16 NV` words and each vector loads 16 from where the previous one
    /// stopped, so with `16 NV + 16` words left every load is in the tile.
    #[inline(always)]
    fn can_step(&self) -> bool {
        self.step < self.steps && self.words.count() - self.words.next >= 16 * NV + 16
    }
}

/// Decodes `K` tiles of `NV` vectors of 16 lanes: jointly while all can
/// take vector steps, then each alone, then each one's scalar tail.
#[inline(always)]
unsafe fn run<const NV: usize, const K: usize>(
    tiles: [&Tile<'_>; K],
    outs: [&mut [u8]; K],
) -> [Result<()>; K] {
    let lanes = NV * 16;
    debug_assert!(tiles
        .iter()
        .all(|t| t.lanes == lanes && t.table.len() == 1 << t.bits));
    let mut outs = outs;
    let mut cur: [Cursor<'_, NV>; K] = std::array::from_fn(|k| {
        let (state, words) = split(tiles[k].payload, lanes);
        Cursor {
            x: std::array::from_fn(|v| _mm512_loadu_si512(state.as_ptr().add(16 * v).cast())),
            words,
            step: 0,
            steps: outs[k].len() / lanes,
            out: outs[k].as_mut_ptr(),
        }
    });
    let (table, bits) = (tiles[0].table, tiles[0].bits);
    steps::<NV, K>(&mut cur, table, bits);
    for c in cur.iter_mut() {
        steps::<NV, 1>(std::array::from_mut(c), table, bits);
    }
    std::array::from_fn(|k| {
        let c = &mut cur[k];
        let mut state = [0u32; 64];
        for (v, x) in c.x.iter().enumerate() {
            _mm512_storeu_si512(state.as_mut_ptr().add(16 * v).cast(), *x);
        }
        finish_tile(
            tiles[k],
            &mut *outs[k],
            c.step * lanes,
            &mut state[..lanes],
            &mut c.words,
        )
    })
}

/// Vector steps over every cursor together until one cannot step.
#[inline(always)]
unsafe fn steps<const NV: usize, const K: usize>(
    cur: &mut [Cursor<'_, NV>; K],
    table: &[u32],
    bits: u32,
) {
    let (slot_mask, low, twelve) = (
        _mm512_set1_epi32((1 << bits) - 1),
        _mm512_set1_epi32(STATE_LOW as i32),
        _mm512_set1_epi32(0xFFF),
    );
    let one = _mm512_set1_epi32(1);
    let shift = _mm_cvtsi32_si128(bits as i32);
    while cur.iter().all(Cursor::can_step) {
        for c in cur.iter_mut() {
            let dst = c.out.add(c.step * 16 * NV);
            // All vectors decode first, so their gathers and multiplies
            // overlap; only the word positions chain from vector to vector.
            let mut y = [_mm512_setzero_si512(); NV];
            let mut need = [0u16; NV];
            for v in 0..NV {
                let e = _mm512_i32gather_epi32::<4>(
                    _mm512_and_si512(c.x[v], slot_mask),
                    table.as_ptr().cast(),
                );
                let freq = _mm512_add_epi32(_mm512_and_si512(e, twelve), one);
                let bias = _mm512_and_si512(_mm512_srli_epi32::<12>(e), twelve);
                _mm_storeu_si128(
                    dst.add(16 * v).cast(),
                    _mm512_cvtepi32_epi8(_mm512_srli_epi32::<24>(e)),
                );
                y[v] = _mm512_add_epi32(
                    _mm512_mullo_epi32(freq, _mm512_srl_epi32(c.x[v], shift)),
                    bias,
                );
                need[v] = _mm512_cmplt_epu32_mask(y[v], low);
            }
            let words = c.words.bytes.as_ptr();
            for v in 0..NV {
                let w =
                    _mm512_cvtepu16_epi32(_mm256_loadu_si256(words.add(2 * c.words.next).cast()));
                c.x[v] = _mm512_mask_or_epi32(
                    y[v],
                    need[v],
                    _mm512_slli_epi32::<16>(y[v]),
                    _mm512_maskz_expand_epi32(need[v], w),
                );
                c.words.next += need[v].count_ones() as usize;
            }
            c.step += 1;
        }
    }
}

/// `sum q[c] * x[c]`: 16 codes widened to f32 per vector, four
/// accumulators, a masked tail.
///
/// # Safety
/// The CPU has AVX-512F; `x` is at least as long as `q`.
#[target_feature(enable = "avx512f")]
pub unsafe fn dot_s8_f32(q: &[i8], x: &[f32]) -> f32 {
    debug_assert!(x.len() >= q.len());
    let (qp, xp, n) = (q.as_ptr(), x.as_ptr(), q.len());
    let widen =
        |at: usize| _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(qp.add(at).cast())));
    let mut acc = [_mm512_setzero_ps(); 4];
    let mut c = 0;
    while c + 64 <= n {
        for (k, acc) in acc.iter_mut().enumerate() {
            *acc = _mm512_fmadd_ps(widen(c + 16 * k), _mm512_loadu_ps(xp.add(c + 16 * k)), *acc);
        }
        c += 64;
    }
    while c + 16 <= n {
        acc[0] = _mm512_fmadd_ps(widen(c), _mm512_loadu_ps(xp.add(c)), acc[0]);
        c += 16;
    }
    if c < n {
        let m: __mmask16 = (1u32 << (n - c)) as u16 - 1;
        let codes = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, qp.add(c))));
        acc[1] = _mm512_fmadd_ps(codes, _mm512_maskz_loadu_ps(m, xp.add(c)), acc[1]);
    }
    let s = _mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3]));
    _mm512_reduce_add_ps(s)
}

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
/// The CPU has AVX-512 F, BW and VL; every symbol of the tile has a
/// frequency.
#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
pub unsafe fn encode_tile(
    symbols: &[u8],
    lanes: usize,
    bits: u32,
    table: &EncVectors,
    words: &mut Vec<u16>,
    out: &mut Vec<u8>,
) {
    debug_assert!(lanes.is_multiple_of(16) && lanes <= 64);
    let full = symbols.len() / lanes;
    let mut state = [crate::codec::rans::format::STATE_LOW; 64];
    // The partial last step first, lane by lane, as the scalar encoder.
    words.clear();
    words.resize(symbols.len() + 16, 0);
    let mut top = words.len();
    let wp = words.as_mut_ptr();
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
    let nv = lanes / 16;
    let mut x = [_mm512_setzero_si512(); 4];
    for (v, x) in x.iter_mut().enumerate().take(nv) {
        *x = _mm512_loadu_si512(state.as_ptr().add(16 * v).cast());
    }
    let low16 = _mm512_set1_epi32(0xFFFF);
    let nudge = _mm512_set1_pd(1.0 / (1u64 << 18) as f64);
    let top_shift = _mm_cvtsi32_si128(32 - bits as i32);
    let bits_shift = _mm_cvtsi32_si128(bits as i32);
    for step in (0..full).rev() {
        for v in (0..nv).rev() {
            let at = symbols.as_ptr().add(step * lanes + 16 * v);
            let s = _mm512_cvtepu8_epi32(_mm_loadu_si128(at.cast()));
            let e = _mm512_i32gather_epi32::<4>(s, table.packed.as_ptr().cast());
            let f = _mm512_and_si512(e, low16);
            let cum = _mm512_srli_epi32::<16>(e);
            let xv = x[v];
            let need = _mm512_cmpge_epu32_mask(_mm512_srl_epi32(xv, top_shift), f);
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
            x[v] = _mm512_add_epi32(_mm512_add_epi32(_mm512_sll_epi32(q, bits_shift), r), cum);
        }
    }
    for (v, x) in x.iter().enumerate().take(nv) {
        _mm512_storeu_si512(state.as_mut_ptr().add(16 * v).cast(), *x);
    }
    let kept = &words[top..];
    out.clear();
    out.resize(4 * lanes + 2 * kept.len(), 0);
    let (head, rest) = out.split_at_mut(4 * lanes);
    for (b, x) in head.chunks_exact_mut(4).zip(&state[..lanes]) {
        b.copy_from_slice(&x.to_le_bytes());
    }
    for (b, w) in rest.chunks_exact_mut(2).zip(kept) {
        b.copy_from_slice(&w.to_le_bytes());
    }
}

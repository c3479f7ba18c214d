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
    steps(&mut cur, table, bits);
    for c in cur.iter_mut() {
        steps(std::slice::from_mut(c), table, bits);
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
unsafe fn steps<const NV: usize>(cur: &mut [Cursor<'_, NV>], table: &[u32], bits: u32) {
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

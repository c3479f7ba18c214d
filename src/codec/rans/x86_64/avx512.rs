//! AVX-512F tile decoder: 16 lanes per vector (lane counts that are a
//! multiple of 16).

use crate::codec::rans::encode::{word_space, write_payload};
use crate::codec::rans::format::STATE_LOW;
use crate::codec::rans::reference::{finish_tile, split, Tile};
use crate::error::Result;
use std::arch::x86_64::*;

/// As `reference::decode_tile`, for `lanes` a multiple of 16 up to 64.
///
/// # Safety
/// The tile is as `reference::Tile` says, and the CPU has AVX-512F and
/// POPCNT.
#[target_feature(enable = "avx512f,popcnt")]
pub unsafe fn decode_tile(tile: &Tile<'_>, out: &mut [u8]) -> Result<()> {
    let [r] = decode_tiles::<1>([tile], [out], [None]);
    r
}

/// Where a tile's symbols go when not into its buffer: tile row `r`
/// starts at `ptr + r * stride`, and `cols` is the tile's width.
#[derive(Clone, Copy)]
pub struct TileDst {
    /// Where symbol 0 goes.
    pub ptr: *mut u8,
    /// The tile's width.
    pub cols: usize,
    /// Bytes from one row's start to the next (at least `cols`).
    pub stride: usize,
}

/// `K` tiles of one container at once, each result in its place. One
/// tile's steps form a dependency chain (gather, multiply, renormalize)
/// that is longer than the work of a step, so the independent vectors of
/// other tiles fill the wait.
///
/// Tile `k` is decoded into `bufs[k]` (the tile's size) or, with
/// `dsts[k]`, into that place: straight from the vector steps when
/// `cols` is a multiple of `lanes` (a step's symbols then stay in one
/// row), through `bufs[k]` otherwise. A decoded matrix is larger than the
/// caches, and copying it out of a buffer costs as much as decoding it.
///
/// # Safety
/// As [`decode_tile`]; the tiles share the table, `bits` and `lanes`;
/// each `dsts[k]` can take the tile's rows and overlaps nothing else.
#[target_feature(enable = "avx512f,popcnt")]
pub unsafe fn decode_tiles<const K: usize>(
    tiles: [&Tile<'_>; K],
    bufs: [&mut [u8]; K],
    dsts: [Option<TileDst>; K],
) -> [Result<()>; K] {
    match (tiles[0].lanes / 16, tiles[0].bits) {
        (1, 10) => run::<1, 10, K>(tiles, bufs, dsts),
        (1, 11) => run::<1, 11, K>(tiles, bufs, dsts),
        (1, _) => run::<1, 12, K>(tiles, bufs, dsts),
        (2, 10) => run::<2, 10, K>(tiles, bufs, dsts),
        (2, 11) => run::<2, 11, K>(tiles, bufs, dsts),
        (2, _) => run::<2, 12, K>(tiles, bufs, dsts),
        (_, 10) => run::<4, 10, K>(tiles, bufs, dsts),
        (_, 11) => run::<4, 11, K>(tiles, bufs, dsts),
        (_, _) => run::<4, 12, K>(tiles, bufs, dsts),
    }
}

/// One tile's decoding position, kept in registers: the states, the next
/// word, the last word position from which a whole step's loads stay in
/// the tile (`None` when no step is safe), and where the next step's
/// symbols go: `dst`, moved on by `gap` more after every `row_steps`
/// steps (`left` to go in this row).
struct Lanes<const NV: usize> {
    x: [__m512i; NV],
    next: usize,
    last_safe: Option<usize>,
    dst: *mut u8,
    left: usize,
    row_steps: usize,
    gap: usize,
}

impl<const NV: usize> Lanes<NV> {
    /// Whether a whole vector step may load its words: a step reads at
    /// most `16 NV` words and each vector loads 16 from where the previous
    /// one stopped.
    #[inline(always)]
    fn can_step(&self) -> bool {
        self.last_safe.is_some_and(|l| self.next <= l)
    }
}

/// Decodes `K` tiles of `NV` vectors of 16 lanes: vector steps for all
/// together while each can take one, then for each alone, then each one's
/// scalar tail (into its buffer) and end check, then the copy of what is
/// in the buffer to the destination.
#[inline(always)]
unsafe fn run<const NV: usize, const BITS: u32, const K: usize>(
    tiles: [&Tile<'_>; K],
    mut bufs: [&mut [u8]; K],
    dsts: [Option<TileDst>; K],
) -> [Result<()>; K] {
    let lanes = NV * 16;
    debug_assert!(tiles
        .iter()
        .all(|t| t.lanes == lanes && t.bits == BITS && t.table.len() == 1 << BITS));
    let table = tiles[0].table.as_ptr();
    let direct = dsts.map(|d| d.filter(|d| d.cols.is_multiple_of(lanes)));
    let mut split: [_; K] = std::array::from_fn(|k| split(tiles[k].payload, lanes));
    let mut lane: [Lanes<NV>; K] = std::array::from_fn(|k| {
        let (dst, row_steps, gap) = match direct[k] {
            Some(d) => (d.ptr, d.cols / lanes, d.stride - d.cols),
            None => (bufs[k].as_mut_ptr(), usize::MAX, 0),
        };
        Lanes {
            x: std::array::from_fn(|v| _mm512_loadu_si512(split[k].0.as_ptr().add(16 * v).cast())),
            next: 0,
            last_safe: split[k].1.count().checked_sub(16 * NV + 16),
            dst,
            left: row_steps,
            row_steps,
            gap,
        }
    });
    let words: [*const u16; K] = std::array::from_fn(|k| split[k].1.bytes.as_ptr().cast());
    let steps: [usize; K] = std::array::from_fn(|k| bufs[k].len() / lanes);
    let mut done = [0usize; K];
    let joint = steps.iter().copied().min().unwrap_or(0);
    let mut step = 0;
    while step < joint && lane.iter().all(Lanes::can_step) {
        for k in 0..K {
            vector_step::<NV, BITS>(&mut lane[k], table, words[k]);
        }
        step += 1;
    }
    for k in 0..K {
        done[k] = step;
        while done[k] < steps[k] && lane[k].can_step() {
            vector_step::<NV, BITS>(&mut lane[k], table, words[k]);
            done[k] += 1;
        }
    }
    std::array::from_fn(|k| {
        let (state, words) = &mut split[k];
        for (v, x) in lane[k].x.iter().enumerate() {
            _mm512_storeu_si512(state.as_mut_ptr().add(16 * v).cast(), *x);
        }
        words.next = lane[k].next;
        let from = done[k] * lanes;
        let result = finish_tile(tiles[k], &mut *bufs[k], from, &mut state[..lanes], words);
        if let Some(d) = dsts[k] {
            let buffered = if direct[k].is_some() { from } else { 0 };
            copy_rows(&bufs[k][buffered..], buffered, d);
        }
        result
    })
}

/// Copies the symbols `from..` of a tile, held in `src`, to `dst`.
///
/// # Safety
/// `dst` can take the tile's rows.
#[inline(always)]
unsafe fn copy_rows(src: &[u8], from: usize, dst: TileDst) {
    let (mut j, end) = (from, from + src.len());
    while j < end {
        let (r, c) = (j / dst.cols, j % dst.cols);
        let n = (dst.cols - c).min(end - j);
        std::ptr::copy_nonoverlapping(
            src.as_ptr().add(j - from),
            dst.ptr.add(r * dst.stride + c),
            n,
        );
        j += n;
    }
}

/// One step of one tile: every vector decodes first (their gathers and
/// multiplies overlap), then each takes its words, the position chaining
/// from vector to vector.
#[inline(always)]
unsafe fn vector_step<const NV: usize, const BITS: u32>(
    lane: &mut Lanes<NV>,
    table: *const u32,
    words: *const u16,
) {
    let slot_mask = _mm512_set1_epi32((1 << BITS) - 1);
    let twelve = _mm512_set1_epi32(0xFFF);
    let mut y = [_mm512_setzero_si512(); NV];
    let mut need = [0u16; NV];
    for v in 0..NV {
        let x = lane.x[v];
        let e = _mm512_i32gather_epi32::<4>(_mm512_and_si512(x, slot_mask), table.cast());
        _mm_storeu_si128(lane.dst.add(16 * v).cast(), _mm512_cvtepi32_epi8(e));
        let freq = _mm512_add_epi32(
            _mm512_and_si512(_mm512_srli_epi32::<8>(e), twelve),
            _mm512_set1_epi32(1),
        );
        y[v] = _mm512_add_epi32(
            _mm512_mullo_epi32(freq, _mm512_srli_epi32::<BITS>(x)),
            _mm512_srli_epi32::<20>(e),
        );
        need[v] = _mm512_cmplt_epu32_mask(y[v], _mm512_set1_epi32(STATE_LOW as i32));
    }
    for v in 0..NV {
        let w = _mm512_cvtepu16_epi32(_mm256_loadu_si256(words.add(lane.next).cast()));
        lane.x[v] = _mm512_mask_or_epi32(
            y[v],
            need[v],
            _mm512_slli_epi32::<16>(y[v]),
            _mm512_maskz_expand_epi32(need[v], w),
        );
        lane.next += need[v].count_ones() as usize;
    }
    lane.dst = lane.dst.add(16 * NV);
    lane.left -= 1;
    if lane.left == 0 {
        lane.dst = lane.dst.add(lane.gap);
        lane.left = lane.row_steps;
    }
}

/// `sum q[c] * x[c]`: 16 codes widened to f32 per vector, four
/// accumulators, a masked tail.
///
/// # Safety
/// The CPU has AVX-512 F, BW and VL; `x` is at least as long as `q`.
#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
pub unsafe fn dot_s8_f32(q: &[i8], x: &[f32]) -> f32 {
    dot_grid::<1, 1>([q], [x])[0][0]
}

/// Four rows of codes against one x: `[dot(q[r], x)]`, each bitwise what
/// [`dot_s8_f32`] gives, with x loaded once for the four rows.
///
/// # Safety
/// As [`dot_s8_f32`]; the rows have the same length.
#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
pub unsafe fn dot_4rows_s8_f32(q: [&[i8]; 4], x: &[f32]) -> [f32; 4] {
    dot_grid::<4, 1>(q, [x]).map(|d| d[0])
}

/// One row of codes against four x: `[dot(q, x[b])]`, each bitwise what
/// [`dot_s8_f32`] gives, with the codes widened once for the four.
///
/// # Safety
/// As [`dot_s8_f32`], for each x.
#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
pub unsafe fn dot_4x_s8_f32(q: &[i8], x: [&[f32]; 4]) -> [f32; 4] {
    dot_grid::<1, 4>([q], x)[0]
}

/// Every `dot(q[r], x[b])`, each summed as one dot alone would be: four
/// accumulators taking the 16-element pieces of each 64 in turn, whole
/// 16s into the first, the masked tail into the second, then
/// `(a0 + a1) + (a2 + a3)` reduced. Each code vector is widened once for
/// the `B` x, each x vector loaded once for the `R` rows.
#[inline(always)]
unsafe fn dot_grid<const R: usize, const B: usize>(q: [&[i8]; R], x: [&[f32]; B]) -> [[f32; B]; R] {
    let n = q[0].len();
    debug_assert!(q.iter().all(|q| q.len() == n) && x.iter().all(|x| x.len() >= n));
    let widen = |r: usize, at: usize| {
        _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(
            q[r].as_ptr().add(at).cast(),
        )))
    };
    let mut acc = [[[_mm512_setzero_ps(); 4]; B]; R];
    let mut c = 0;
    while c + 64 <= n {
        #[allow(clippy::needless_range_loop)] // k picks an accumulator of each pair
        for k in 0..4 {
            let codes: [__m512; R] = std::array::from_fn(|r| widen(r, c + 16 * k));
            for b in 0..B {
                let xv = _mm512_loadu_ps(x[b].as_ptr().add(c + 16 * k));
                for r in 0..R {
                    acc[r][b][k] = _mm512_fmadd_ps(codes[r], xv, acc[r][b][k]);
                }
            }
        }
        c += 64;
    }
    while c + 16 <= n {
        let codes: [__m512; R] = std::array::from_fn(|r| widen(r, c));
        for b in 0..B {
            let xv = _mm512_loadu_ps(x[b].as_ptr().add(c));
            for r in 0..R {
                acc[r][b][0] = _mm512_fmadd_ps(codes[r], xv, acc[r][b][0]);
            }
        }
        c += 16;
    }
    if c < n {
        let m: __mmask16 = (1u32 << (n - c)) as u16 - 1;
        let codes: [__m512; R] = std::array::from_fn(|r| {
            _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(
                m,
                q[r].as_ptr().add(c),
            )))
        });
        for b in 0..B {
            let xv = _mm512_maskz_loadu_ps(m, x[b].as_ptr().add(c));
            for r in 0..R {
                acc[r][b][1] = _mm512_fmadd_ps(codes[r], xv, acc[r][b][1]);
            }
        }
    }
    acc.map(|row| {
        row.map(|a| {
            _mm512_reduce_add_ps(_mm512_add_ps(
                _mm512_add_ps(a[0], a[1]),
                _mm512_add_ps(a[2], a[3]),
            ))
        })
    })
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

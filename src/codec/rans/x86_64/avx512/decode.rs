//! The AVX-512F tile decoder: 16 lanes per vector (lane counts that are a
//! multiple of 16), several tiles at once, rows stored in place.

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
#[derive(Clone, Copy)]
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
    // The loops work on copies indexed only by constants, which LLVM keeps
    // in registers: `lane` itself is indexed by a loop variable below, and
    // such an array stays in memory, every state stored and reloaded (with
    // a store-forwarding delay) at every step.
    let mut step = 0;
    let mut hot = lane;
    while step < joint && hot.iter().all(Lanes::can_step) {
        for k in 0..K {
            vector_step::<NV, BITS>(&mut hot[k], table, words[k]);
        }
        step += 1;
    }
    lane = hot;
    for k in 0..K {
        let mut one = lane[k];
        done[k] = step;
        while done[k] < steps[k] && one.can_step() {
            vector_step::<NV, BITS>(&mut one, table, words[k]);
            done[k] += 1;
        }
        lane[k] = one;
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

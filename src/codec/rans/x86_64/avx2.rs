//! AVX2 tile decoder: 8 lanes per vector (lane counts that are a multiple
//! of 8).

use crate::codec::rans::reference::{finish_tile, split, Tile};
use crate::error::Result;
use std::arch::x86_64::*;

/// For each 8-bit mask of lanes needing a word, the permutation that puts
/// word k (the k-th set bit's word) into the lane of the k-th set bit.
static EXPAND: [[u32; 8]; 256] = {
    let mut t = [[0u32; 8]; 256];
    let mut m = 0;
    while m < 256 {
        let mut k = 0;
        let mut l = 0;
        while l < 8 {
            if m >> l & 1 == 1 {
                t[m][l] = k;
                k += 1;
            }
            l += 1;
        }
        m += 1;
    }
    t
};

/// As `reference::decode_tile`, for `lanes` a multiple of 8 up to 64.
///
/// # Safety
/// The tile is as `reference::Tile` says, and the CPU has AVX2 and POPCNT.
#[target_feature(enable = "avx2,popcnt")]
pub unsafe fn decode_tile(tile: &Tile<'_>, out: &mut [u8]) -> Result<()> {
    let [r] = decode_tiles::<1>([tile], [out]);
    r
}

/// `K` tiles of one container at once into their buffers, each result in
/// its place: one tile's gather -> multiply -> renormalize chain is longer
/// than a step's work, and another tile's independent vectors fill it.
///
/// # Safety
/// As [`decode_tile`]; the tiles share the table, `bits` and `lanes`.
#[target_feature(enable = "avx2,popcnt")]
pub unsafe fn decode_tiles<const K: usize>(
    tiles: [&Tile<'_>; K],
    outs: [&mut [u8]; K],
) -> [Result<()>; K] {
    match tiles[0].lanes / 8 {
        1 => run::<1, K>(tiles, outs),
        2 => run::<2, K>(tiles, outs),
        4 => run::<4, K>(tiles, outs),
        _ => run::<8, K>(tiles, outs),
    }
}

/// Decodes `K` tiles of `NV` vectors of 8 lanes: vector steps for all
/// together while each can take one, then for each alone, then each one's
/// scalar tail and end check. The states and word positions stay in
/// registers.
#[inline(always)]
unsafe fn run<const NV: usize, const K: usize>(
    tiles: [&Tile<'_>; K],
    mut outs: [&mut [u8]; K],
) -> [Result<()>; K] {
    let lanes = NV * 8;
    let (table, bits) = (tiles[0].table, tiles[0].bits);
    debug_assert!(tiles
        .iter()
        .all(|t| t.lanes == lanes && t.table.len() == 1 << bits));
    let mut split: [_; K] = std::array::from_fn(|k| split(tiles[k].payload, lanes));
    let mut x: [[__m256i; NV]; K] = std::array::from_fn(|k| {
        std::array::from_fn(|v| _mm256_loadu_si256(split[k].0.as_ptr().add(8 * v).cast()))
    });
    let words: [*const u8; K] = std::array::from_fn(|k| split[k].1.bytes.as_ptr());
    let counts: [usize; K] = std::array::from_fn(|k| split[k].1.count());
    let steps: [usize; K] = std::array::from_fn(|k| outs[k].len() / lanes);
    let dst: [*mut u8; K] = std::array::from_fn(|k| outs[k].as_mut_ptr());
    let mut next = [0usize; K];
    // Each vector loads 8 words: with `lanes + 8` left, every load of a
    // step is in the tile.
    let can_step = |k: usize, next: &[usize; K]| counts[k] >= next[k] + lanes + 8;
    let shift = _mm_cvtsi32_si128(bits as i32);
    let mut done = [0usize; K];
    let joint = steps.iter().copied().min().unwrap_or(0);
    let mut step = 0;
    // Step `at` of tile k.
    let step_tile = |k: usize, at: usize, x: &mut [[__m256i; NV]; K], next: &mut [usize; K]| {
        vector_step(
            &mut x[k],
            &mut next[k],
            table,
            shift,
            words[k],
            dst[k].add(at * lanes),
        )
    };
    while step < joint && (0..K).all(|k| can_step(k, &next)) {
        for k in 0..K {
            step_tile(k, step, &mut x, &mut next);
        }
        step += 1;
    }
    for k in 0..K {
        done[k] = step;
        while done[k] < steps[k] && can_step(k, &next) {
            step_tile(k, done[k], &mut x, &mut next);
            done[k] += 1;
        }
    }
    std::array::from_fn(|k| {
        let (state, words) = &mut split[k];
        for (v, x) in x[k].iter().enumerate() {
            _mm256_storeu_si256(state.as_mut_ptr().add(8 * v).cast(), *x);
        }
        words.next = next[k];
        finish_tile(
            tiles[k],
            &mut *outs[k],
            done[k] * lanes,
            &mut state[..lanes],
            words,
        )
    })
}

/// One step of one tile's `NV` vectors: every vector decodes first
/// (their gathers and multiplies overlap) and stores its symbols at `dst`,
/// then each takes the words for its lanes that fell below 2^16, the
/// position chaining from vector to vector.
#[inline(always)]
unsafe fn vector_step<const NV: usize>(
    x: &mut [__m256i; NV],
    next: &mut usize,
    table: &[u32],
    shift: __m128i,
    words: *const u8,
    dst: *mut u8,
) {
    let slot_mask = _mm256_set1_epi32(table.len() as i32 - 1);
    let twelve = _mm256_set1_epi32(0xFFF);
    // Byte 0 of each 32-bit lane to the bottom of each 128-bit half.
    let low_bytes = _mm256_setr_epi8(
        0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 4, 8, 12, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1,
    );
    let mut y = [_mm256_setzero_si256(); NV];
    for v in 0..NV {
        let e =
            _mm256_i32gather_epi32::<4>(table.as_ptr().cast(), _mm256_and_si256(x[v], slot_mask));
        let freq = _mm256_add_epi32(
            _mm256_and_si256(_mm256_srli_epi32::<8>(e), twelve),
            _mm256_set1_epi32(1),
        );
        let sym = _mm256_shuffle_epi8(e, low_bytes);
        let packed = _mm_unpacklo_epi32(
            _mm256_castsi256_si128(sym),
            _mm256_extracti128_si256::<1>(sym),
        );
        _mm_storel_epi64(dst.add(8 * v).cast(), packed);
        y[v] = _mm256_add_epi32(
            _mm256_mullo_epi32(freq, _mm256_srl_epi32(x[v], shift)),
            _mm256_srli_epi32::<20>(e),
        );
    }
    for v in 0..NV {
        // y < 2^16 exactly when its top half is zero.
        let need_v = _mm256_cmpeq_epi32(_mm256_srli_epi32::<16>(y[v]), _mm256_setzero_si256());
        let need = _mm256_movemask_ps(_mm256_castsi256_ps(need_v)) as usize;
        let w = _mm256_cvtepu16_epi32(_mm_loadu_si128(words.add(2 * *next).cast()));
        let perm = _mm256_loadu_si256(EXPAND[need].as_ptr().cast());
        let fed = _mm256_or_si256(
            _mm256_slli_epi32::<16>(y[v]),
            _mm256_permutevar8x32_epi32(w, perm),
        );
        x[v] = _mm256_blendv_epi8(y[v], fed, need_v);
        *next += need.count_ones() as usize;
    }
}

/// `sum q[c] * x[c]`: 8 codes widened to f32 per vector, four
/// accumulators, a scalar tail.
///
/// # Safety
/// The CPU has AVX2 and FMA; `x` is at least as long as `q`.
#[target_feature(enable = "avx2,fma")]
pub unsafe fn dot_s8_f32(q: &[i8], x: &[f32]) -> f32 {
    debug_assert!(x.len() >= q.len());
    let (qp, xp, n) = (q.as_ptr(), x.as_ptr(), q.len());
    let widen =
        |at: usize| _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(qp.add(at).cast())));
    let mut acc = [_mm256_setzero_ps(); 4];
    let mut c = 0;
    while c + 32 <= n {
        for (k, acc) in acc.iter_mut().enumerate() {
            *acc = _mm256_fmadd_ps(widen(c + 8 * k), _mm256_loadu_ps(xp.add(c + 8 * k)), *acc);
        }
        c += 32;
    }
    while c + 8 <= n {
        acc[0] = _mm256_fmadd_ps(widen(c), _mm256_loadu_ps(xp.add(c)), acc[0]);
        c += 8;
    }
    let s = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
    let h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps::<1>(s));
    let h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    let mut total = _mm_cvtss_f32(_mm_add_ss(h, _mm_shuffle_ps::<1>(h, h)));
    while c < n {
        total += *qp.add(c) as f32 * *xp.add(c);
        c += 1;
    }
    total
}

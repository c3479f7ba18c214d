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
    let (lanes, table, bits) = (tile.lanes, tile.table, tile.bits);
    debug_assert!(lanes.is_multiple_of(8) && lanes <= 64 && table.len() == 1 << bits);
    let (mut state, mut words) = split(tile.payload, lanes);
    let nv = lanes / 8;
    let mut x = [_mm256_setzero_si256(); 8];
    for (v, x) in x.iter_mut().enumerate().take(nv) {
        *x = _mm256_loadu_si256(state.as_ptr().add(8 * v).cast());
    }
    let slot_mask = _mm256_set1_epi32((1 << bits) - 1);
    let twelve = _mm256_set1_epi32(0xFFF);
    let one = _mm256_set1_epi32(1);
    let zero = _mm256_setzero_si256();
    let shift = _mm_cvtsi32_si128(bits as i32);
    // Byte 0 of each 32-bit lane to the bottom of each 128-bit half.
    let low_bytes = _mm256_setr_epi8(
        0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 4, 8, 12, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1,
    );
    let steps = out.len() / lanes;
    let total_words = words.count();
    let mut step = 0;
    // Each vector loads 8 words: with `lanes + 8` left, every load is in
    // the tile.
    while step < steps && total_words - words.next >= lanes + 8 {
        let dst = out.as_mut_ptr().add(step * lanes);
        for (v, x) in x.iter_mut().enumerate().take(nv) {
            let e =
                _mm256_i32gather_epi32::<4>(table.as_ptr().cast(), _mm256_and_si256(*x, slot_mask));
            let freq = _mm256_add_epi32(_mm256_and_si256(_mm256_srli_epi32::<8>(e), twelve), one);
            let bias = _mm256_srli_epi32::<20>(e);
            let sym = _mm256_shuffle_epi8(e, low_bytes);
            let packed = _mm_unpacklo_epi32(
                _mm256_castsi256_si128(sym),
                _mm256_extracti128_si256::<1>(sym),
            );
            _mm_storel_epi64(dst.add(8 * v).cast(), packed);
            let y = _mm256_add_epi32(_mm256_mullo_epi32(freq, _mm256_srl_epi32(*x, shift)), bias);
            // y < 2^16 exactly when its top half is zero.
            let need_v = _mm256_cmpeq_epi32(_mm256_srli_epi32::<16>(y), zero);
            let need = _mm256_movemask_ps(_mm256_castsi256_ps(need_v)) as usize;
            let w = _mm256_cvtepu16_epi32(_mm_loadu_si128(
                words.bytes.as_ptr().add(2 * words.next).cast(),
            ));
            let perm = _mm256_loadu_si256(EXPAND[need].as_ptr().cast());
            let fed = _mm256_or_si256(
                _mm256_slli_epi32::<16>(y),
                _mm256_permutevar8x32_epi32(w, perm),
            );
            *x = _mm256_blendv_epi8(y, fed, need_v);
            words.next += need.count_ones() as usize;
        }
        step += 1;
    }
    for (v, x) in x.iter().enumerate().take(nv) {
        _mm256_storeu_si256(state.as_mut_ptr().add(8 * v).cast(), *x);
    }
    finish_tile(tile, out, step * lanes, &mut state[..lanes], &mut words)
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

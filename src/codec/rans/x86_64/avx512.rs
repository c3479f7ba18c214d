//! AVX-512F tile decoder: 16 lanes per vector (lane counts that are a
//! multiple of 16).

use crate::codec::rans::format::STATE_LOW;
use crate::codec::rans::reference::{finish_tile, split, Tile};
use crate::error::Result;
use std::arch::x86_64::*;

/// As `reference::decode_tile`, for `lanes` a multiple of 16 up to 64.
///
/// # Safety
/// The tile is as `reference::Tile` says, and the CPU has AVX-512F.
#[target_feature(enable = "avx512f")]
pub unsafe fn decode_tile(tile: &Tile<'_>, out: &mut [u8]) -> Result<()> {
    let (lanes, table, bits) = (tile.lanes, tile.table, tile.bits);
    debug_assert!(lanes.is_multiple_of(16) && lanes <= 64 && table.len() == 1 << bits);
    let (mut state, mut words) = split(tile.payload, lanes);
    let nv = lanes / 16;
    let mut x = [_mm512_setzero_si512(); 4];
    for (v, x) in x.iter_mut().enumerate().take(nv) {
        *x = _mm512_loadu_si512(state.as_ptr().add(16 * v).cast());
    }
    let (slot_mask, low, twelve) = (
        _mm512_set1_epi32((1 << bits) - 1),
        _mm512_set1_epi32(STATE_LOW as i32),
        _mm512_set1_epi32(0xFFF),
    );
    let one = _mm512_set1_epi32(1);
    let shift = _mm_cvtsi32_si128(bits as i32);
    let steps = out.len() / lanes;
    let total_words = words.count();
    let mut step = 0;
    // Each step reads at most `lanes` words, each vector loads 16: with
    // `lanes + 16` words left every load stays inside the tile.
    while step < steps && total_words - words.next >= lanes + 16 {
        let dst = out.as_mut_ptr().add(step * lanes);
        for (v, x) in x.iter_mut().enumerate().take(nv) {
            let e =
                _mm512_i32gather_epi32::<4>(_mm512_and_si512(*x, slot_mask), table.as_ptr().cast());
            let freq = _mm512_add_epi32(_mm512_and_si512(e, twelve), one);
            let bias = _mm512_and_si512(_mm512_srli_epi32::<12>(e), twelve);
            _mm_storeu_si128(
                dst.add(16 * v).cast(),
                _mm512_cvtepi32_epi8(_mm512_srli_epi32::<24>(e)),
            );
            let y = _mm512_add_epi32(_mm512_mullo_epi32(freq, _mm512_srl_epi32(*x, shift)), bias);
            let need = _mm512_cmplt_epu32_mask(y, low);
            let w = _mm512_cvtepu16_epi32(_mm256_loadu_si256(
                words.bytes.as_ptr().add(2 * words.next).cast(),
            ));
            *x = _mm512_mask_or_epi32(
                y,
                need,
                _mm512_slli_epi32::<16>(y),
                _mm512_maskz_expand_epi32(need, w),
            );
            words.next += need.count_ones() as usize;
        }
        step += 1;
    }
    for (v, x) in x.iter().enumerate().take(nv) {
        _mm512_storeu_si512(state.as_mut_ptr().add(16 * v).cast(), *x);
    }
    finish_tile(tile, out, step * lanes, &mut state[..lanes], &mut words)
}

//! Byte packing for VPDPBUSD panels with SSE2 (every x86-64 CPU has it):
//! the two source layouts that common calls produce.
//!
//! - k contiguous (`cs == 1`, e.g. a row-major A): 4 steps of 4 lanes are
//!   one 4 x 4 transpose of 32-bit words.
//! - lanes contiguous (`rs == 1`, e.g. a row-major B as B^T): 4 source
//!   rows are interleaved byte by byte, 16 lanes per round.

use core::arch::x86_64::*;

/// Packs `steps` whole steps of 4 k values (see `gemm::int8::pack`) when
/// the layout is one of the two above, XORing every byte with `flip`, and
/// returns whether it did; otherwise writes nothing.
///
/// # Safety
/// Every (i < rows, p < 4 * steps) source address `src[i*rs + p*cs]` is
/// readable; `out` has `steps * width * 4` writable bytes; rows <= width.
#[allow(clippy::too_many_arguments)]
pub unsafe fn pack_bytes(
    src: *const u8,
    rs: isize,
    cs: isize,
    rows: usize,
    steps: usize,
    width: usize,
    flip: u8,
    out: *mut u8,
) -> bool {
    let vflip = _mm_set1_epi8(flip as i8);
    if cs == 1 {
        pack_k_contiguous(src, rs, rows, steps, width, flip, vflip, out);
        return true;
    }
    if rs != 1 {
        return false;
    }
    for s in 0..steps {
        let row = |t: usize| src.offset((4 * s + t) as isize * cs);
        let step = out.add(s * width * 4);
        let mut i = 0;
        while i + 16 <= rows {
            let load = |t: usize| _mm_xor_si128(_mm_loadu_si128(row(t).add(i).cast()), vflip);
            let (r0, r1, r2, r3) = (load(0), load(1), load(2), load(3));
            let lo01 = _mm_unpacklo_epi8(r0, r1);
            let hi01 = _mm_unpackhi_epi8(r0, r1);
            let lo23 = _mm_unpacklo_epi8(r2, r3);
            let hi23 = _mm_unpackhi_epi8(r2, r3);
            let dst = step.add(i * 4).cast::<__m128i>();
            _mm_storeu_si128(dst, _mm_unpacklo_epi16(lo01, lo23));
            _mm_storeu_si128(dst.add(1), _mm_unpackhi_epi16(lo01, lo23));
            _mm_storeu_si128(dst.add(2), _mm_unpacklo_epi16(hi01, hi23));
            _mm_storeu_si128(dst.add(3), _mm_unpackhi_epi16(hi01, hi23));
            i += 16;
        }
        for i in i..rows {
            for t in 0..4 {
                *step.add(i * 4 + t) = *row(t).add(i) ^ flip;
            }
        }
        zero_lanes(step, rows, width);
    }
    true
}

/// The k-contiguous case: 4 lanes x 4 steps (16 source bytes per lane) per
/// round, transposed as a 4 x 4 block of 32-bit words.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
unsafe fn pack_k_contiguous(
    src: *const u8,
    rs: isize,
    rows: usize,
    steps: usize,
    width: usize,
    flip: u8,
    vflip: __m128i,
    out: *mut u8,
) {
    let lane = |i: usize| src.offset(i as isize * rs);
    let mut s = 0;
    while s + 4 <= steps {
        let mut i = 0;
        while i + 4 <= rows {
            let load =
                |r: usize| _mm_xor_si128(_mm_loadu_si128(lane(i + r).add(4 * s).cast()), vflip);
            let (r0, r1, r2, r3) = (load(0), load(1), load(2), load(3));
            let lo01 = _mm_unpacklo_epi32(r0, r1);
            let lo23 = _mm_unpacklo_epi32(r2, r3);
            let hi01 = _mm_unpackhi_epi32(r0, r1);
            let hi23 = _mm_unpackhi_epi32(r2, r3);
            let dst = |t: usize| out.add(((s + t) * width + i) * 4).cast::<__m128i>();
            _mm_storeu_si128(dst(0), _mm_unpacklo_epi64(lo01, lo23));
            _mm_storeu_si128(dst(1), _mm_unpackhi_epi64(lo01, lo23));
            _mm_storeu_si128(dst(2), _mm_unpacklo_epi64(hi01, hi23));
            _mm_storeu_si128(dst(3), _mm_unpackhi_epi64(hi01, hi23));
            i += 4;
        }
        for t in 0..4 {
            pack_words(lane, i..rows, s + t, flip, out.add((s + t) * width * 4));
            zero_lanes(out.add((s + t) * width * 4), rows, width);
        }
        s += 4;
    }
    for s in s..steps {
        pack_words(lane, 0..rows, s, flip, out.add(s * width * 4));
        zero_lanes(out.add(s * width * 4), rows, width);
    }
}

/// Step `s` of lanes `lanes` one 32-bit word at a time.
#[inline(always)]
unsafe fn pack_words(
    lane: impl Fn(usize) -> *const u8,
    lanes: std::ops::Range<usize>,
    s: usize,
    flip: u8,
    step: *mut u8,
) {
    let flip4 = u32::from_ne_bytes([flip; 4]);
    for i in lanes {
        let word = lane(i).add(4 * s).cast::<u32>().read_unaligned();
        step.add(i * 4).cast::<u32>().write_unaligned(word ^ flip4);
    }
}

/// Zeroes the padding lanes `rows..width` of one step (no call when there
/// are none: most panels are full).
#[inline(always)]
unsafe fn zero_lanes(step: *mut u8, rows: usize, width: usize) {
    if rows < width {
        std::ptr::write_bytes(step.add(rows * 4), 0, (width - rows) * 4);
    }
}

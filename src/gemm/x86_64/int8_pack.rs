//! Byte packing for VPDPBUSD panels with SSE2 (every x86-64 CPU has it):
//! the two source layouts that common calls produce.
//!
//! - k contiguous (`cs == 1`, e.g. a row-major A): each lane's 4 bytes
//!   are one unaligned 32-bit load.
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
    let flip4 = u32::from_ne_bytes([flip; 4]);
    if cs == 1 {
        for s in 0..steps {
            let step = out.add(s * width * 4);
            for i in 0..rows {
                let word = src
                    .offset(i as isize * rs + 4 * s as isize)
                    .cast::<u32>()
                    .read_unaligned();
                step.add(i * 4).cast::<u32>().write_unaligned(word ^ flip4);
            }
            std::ptr::write_bytes(step.add(rows * 4), 0, (width - rows) * 4);
        }
        return true;
    }
    if rs != 1 {
        return false;
    }
    let vflip = _mm_set1_epi8(flip as i8);
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
        std::ptr::write_bytes(step.add(rows * 4), 0, (width - rows) * 4);
    }
    true
}

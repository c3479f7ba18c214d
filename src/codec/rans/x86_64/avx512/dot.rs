//! AVX-512 dot products of int8 codes with f32 vectors, for the fused
//! GEMV and GEMM: one at a time, or four sharing a row or an x.

use std::arch::x86_64::*;

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

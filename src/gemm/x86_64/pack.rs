//! AVX2 packing of one panel (used by the AVX2 and AVX-512 kernels): the
//! same layout as the portable `gemm::pack::pack_panel`, with vector
//! copies for column-major sources and 4 x 4 register transposes for
//! row-major ones.
//!
//! Why: a row-major NN product is computed as C^T = B^T A^T, so one
//! operand always packs through a transpose. One value per load and store
//! made packing 18% of a 256^3 sgemm (perf); the transposes move four
//! values per store.

use crate::gemm::pack::{prefetch_run, PREFETCH_STEPS};
use core::arch::x86_64::*;

/// Values of a row-major source fetched ahead by the transposes (one
/// cache line every `AHEAD_EVERY` steps).
const AHEAD: usize = 64;
/// See [`AHEAD`]: 16 steps of f32 (8 of f64 share the 16) span a line.
const AHEAD_EVERY: usize = 16;

/// The vector moves of one element type.
trait PackVector: Copy + Default {
    /// Values per 256-bit vector.
    const LANES: usize;
    /// Steps one transpose covers (4 x STEPS values from 4 rows).
    const STEPS: usize;
    /// Copies one vector from `src` to `dst`.
    unsafe fn copy(src: *const Self, dst: *mut Self);
    /// Reads rows `row[0..4]` at steps `0..STEPS` and writes step q's four
    /// values at `out + q * width`.
    unsafe fn transpose(row: [*const Self; 4], out: *mut Self, width: usize);
}

impl PackVector for f32 {
    const LANES: usize = 8;
    const STEPS: usize = 8;
    #[inline(always)]
    unsafe fn copy(src: *const f32, dst: *mut f32) {
        _mm256_storeu_ps(dst, _mm256_loadu_ps(src));
    }
    #[inline(always)]
    unsafe fn transpose(row: [*const f32; 4], out: *mut f32, width: usize) {
        let [r0, r1, r2, r3] = row.map(|r| _mm256_loadu_ps(r));
        // 4 x 4 transposes in both 128-bit halves: t[q] holds steps q (low
        // half) and 4 + q (high half).
        let a0 = _mm256_castps_pd(_mm256_unpacklo_ps(r0, r1));
        let a1 = _mm256_castps_pd(_mm256_unpackhi_ps(r0, r1));
        let a2 = _mm256_castps_pd(_mm256_unpacklo_ps(r2, r3));
        let a3 = _mm256_castps_pd(_mm256_unpackhi_ps(r2, r3));
        let t = [
            _mm256_unpacklo_pd(a0, a2),
            _mm256_unpackhi_pd(a0, a2),
            _mm256_unpacklo_pd(a1, a3),
            _mm256_unpackhi_pd(a1, a3),
        ];
        for (q, tq) in t.iter().enumerate() {
            let tq = _mm256_castpd_ps(*tq);
            _mm_storeu_ps(out.add(q * width), _mm256_castps256_ps128(tq));
            _mm_storeu_ps(out.add((4 + q) * width), _mm256_extractf128_ps::<1>(tq));
        }
    }
}

impl PackVector for f64 {
    const LANES: usize = 4;
    const STEPS: usize = 4;
    #[inline(always)]
    unsafe fn copy(src: *const f64, dst: *mut f64) {
        _mm256_storeu_pd(dst, _mm256_loadu_pd(src));
    }
    #[inline(always)]
    unsafe fn transpose(row: [*const f64; 4], out: *mut f64, width: usize) {
        let [r0, r1, r2, r3] = row.map(|r| _mm256_loadu_pd(r));
        let a0 = _mm256_unpacklo_pd(r0, r1); // (r0p0, r1p0, r0p2, r1p2)
        let a1 = _mm256_unpackhi_pd(r0, r1); // (r0p1, r1p1, r0p3, r1p3)
        let a2 = _mm256_unpacklo_pd(r2, r3);
        let a3 = _mm256_unpackhi_pd(r2, r3);
        let t = [
            _mm256_permute2f128_pd::<0x20>(a0, a2),
            _mm256_permute2f128_pd::<0x20>(a1, a3),
            _mm256_permute2f128_pd::<0x31>(a0, a2),
            _mm256_permute2f128_pd::<0x31>(a1, a3),
        ];
        for (q, tq) in t.iter().enumerate() {
            _mm256_storeu_pd(out.add(q * width), *tq);
        }
    }
}

/// Writes `kc` steps of `width` values at `out`: step p holds
/// `src[i * rs + p * cs]` for i < rows, then zeros up to `width`.
///
/// # Safety
/// AVX2 is available; every (i < rows, p < kc) address is readable;
/// `out` has `kc * width` writable values; rows <= width.
#[target_feature(enable = "avx2,fma")]
pub unsafe fn pack_panel_f32(
    src: *const f32,
    rs: isize,
    cs: isize,
    rows: usize,
    kc: usize,
    width: usize,
    out: *mut f32,
) {
    pack_panel(src, rs, cs, rows, kc, width, out)
}

/// [`pack_panel_f32`] for f64.
///
/// # Safety
/// As for [`pack_panel_f32`].
#[target_feature(enable = "avx2,fma")]
pub unsafe fn pack_panel_f64(
    src: *const f64,
    rs: isize,
    cs: isize,
    rows: usize,
    kc: usize,
    width: usize,
    out: *mut f64,
) {
    pack_panel(src, rs, cs, rows, kc, width, out)
}

/// The body of both packers, inlined into their AVX2 functions.
#[inline(always)]
unsafe fn pack_panel<T: PackVector>(
    src: *const T,
    rs: isize,
    cs: isize,
    rows: usize,
    kc: usize,
    width: usize,
    out: *mut T,
) {
    if rs == 1 {
        for p in 0..kc {
            let col = src.offset(p as isize * cs);
            prefetch_run(col.wrapping_offset(PREFETCH_STEPS * cs), rows);
            let step = out.add(p * width);
            let mut i = 0;
            while i + T::LANES <= rows {
                T::copy(col.add(i), step.add(i));
                i += T::LANES;
            }
            copy_tail(col, 1, step, i, rows, width);
        }
        return;
    }
    let groups = if cs == 1 { rows / 4 } else { 0 };
    let mut p = 0;
    while p + T::STEPS <= kc && groups > 0 {
        for g in 0..groups {
            let row = [0, 1, 2, 3].map(|j| src.offset((4 * g + j) as isize * rs + p as isize));
            if p % AHEAD_EVERY == 0 {
                // Rows are contiguous along p: fetch each one's next line.
                for r in row {
                    _mm_prefetch::<_MM_HINT_T0>(r.wrapping_add(AHEAD).cast());
                }
            }
            T::transpose(row, out.add(p * width + 4 * g), width);
        }
        for q in p..p + T::STEPS {
            copy_tail(
                src.offset(q as isize * cs),
                rs,
                out.add(q * width),
                4 * groups,
                rows,
                width,
            );
        }
        p += T::STEPS;
    }
    for q in p..kc {
        copy_tail(
            src.offset(q as isize * cs),
            rs,
            out.add(q * width),
            0,
            rows,
            width,
        );
    }
}

/// Values `from..rows` of one step (source stride `rs`), then zeros up to
/// `width`.
#[inline(always)]
unsafe fn copy_tail<T: PackVector>(
    col: *const T,
    rs: isize,
    step: *mut T,
    from: usize,
    rows: usize,
    width: usize,
) {
    for i in from..rows {
        *step.add(i) = *col.offset(i as isize * rs);
    }
    for i in rows..width {
        *step.add(i) = T::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gemm::pack::{pack_panel, PackPanel};

    /// Packs every (rows, width, kc) and source layout with `simd` and the
    /// portable packer and compares the bits.
    fn matches_reference<T: crate::blas1::Real + std::fmt::Debug>(
        simd: PackPanel<T>,
        value: impl Fn(usize) -> T,
    ) {
        let src: Vec<T> = (0..64 * 80).map(&value).collect();
        for width in [4, 6, 8, 12, 16, 32] {
            for rows in 0..=width {
                for kc in [0, 1, 3, 4, 7, 8, 9, 16, 17, 40] {
                    // (rs, cs): column-major, row-major (the transposes),
                    // padded row-major, and a general stride.
                    for (rs, cs) in [(1, 64), (80, 1), (67, 1), (3, 70)] {
                        let (mut want, mut got) =
                            (vec![value(9999); kc * width], vec![value(7777); kc * width]);
                        // SAFETY: the largest index is (rows-1)*rs + (kc-1)*cs
                        // < 64 * 80 for every case above; out holds kc*width.
                        unsafe {
                            pack_panel(src.as_ptr(), rs, cs, rows, kc, width, want.as_mut_ptr());
                            simd(src.as_ptr(), rs, cs, rows, kc, width, got.as_mut_ptr());
                        }
                        assert_eq!(
                            want, got,
                            "width {width} rows {rows} kc {kc} rs {rs} cs {cs}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn simd_packing_matches_the_portable_packer() {
        if !std::arch::is_x86_feature_detected!("avx2")
            || !std::arch::is_x86_feature_detected!("fma")
        {
            eprintln!("skipped: this CPU has no AVX2+FMA");
            return;
        }
        matches_reference::<f32>(pack_panel_f32, |i| i as f32 + 0.5);
        matches_reference::<f64>(pack_panel_f64, |i| i as f64 - 0.25);
    }
}

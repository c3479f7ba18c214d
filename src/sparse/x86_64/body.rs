//! SpMV and SpMM loop bodies over one (ISA, element type) vector type.
//! `#[inline(always)]` and without target features of their own: the ISA
//! modules call them from `#[target_feature]` wrappers.

use crate::blas1::real::Real;
use crate::blas1::x86_64::simd::SimdReal;
use crate::sparse::reference::combine;

/// A vector type that can also gather elements by 32-bit index.
pub(crate) trait Gather: SimdReal {
    /// `x[idx[l]]` for every lane `l`.
    unsafe fn gather(idx: *const u32, x: *const Self::T) -> Self::V;
    /// `x[idx[l]]` for the first `rem < LANES` lanes, zero in the others
    /// (neither the other indices nor their elements are read).
    unsafe fn gather_tail(idx: *const u32, x: *const Self::T, rem: usize) -> Self::V;
}

/// SpMV over the rows of `indptr` (see `reference::spmv_rows`): each row is
/// `LANES` partial sums of gathered products, added at the row's end.
///
/// # Safety
/// As `reference::spmv_rows`, and the CPU has the vector type's ISA.
#[inline(always)]
pub(crate) unsafe fn spmv_rows<S: Gather>(
    indptr: &[usize],
    indices: &[u32],
    values: &[S::T],
    x: &[S::T],
    alpha: S::T,
    beta: S::T,
    y: &mut [S::T],
) {
    let l = S::LANES;
    let (ip, vp, xp) = (indices.as_ptr(), values.as_ptr(), x.as_ptr());
    let index_ahead = PREFETCH_BYTES * 4 / std::mem::size_of::<S::T>();
    for (i, yi) in y.iter_mut().enumerate() {
        let (mut p, end) = (*indptr.get_unchecked(i), *indptr.get_unchecked(i + 1));
        prefetch_lines(vp.wrapping_add(p), vp.wrapping_add(end), PREFETCH_BYTES);
        prefetch_lines(ip.wrapping_add(p), ip.wrapping_add(end), index_ahead);
        let mut acc = S::zero();
        while p + l <= end {
            acc = S::fmadd(S::load(vp.add(p)), S::gather(ip.add(p), xp), acc);
            p += l;
        }
        if p < end {
            let rem = end - p;
            acc = S::fmadd(
                S::load_tail(vp.add(p), rem),
                S::gather_tail(ip.add(p), xp, rem),
                acc,
            );
        }
        *yi = combine(alpha * S::hsum(acc), beta, *yi);
    }
}

/// How far ahead of the row being multiplied the value stream is
/// prefetched, in bytes (the index stream by the same number of entries).
/// The hardware prefetcher alone keeps too few lines of the two streams in
/// flight: a banded 1M-row SpMV went from about 66% to 80% of the one-core
/// read bandwidth with 1 KiB (512 and 2048 were slower).
const PREFETCH_BYTES: usize = 1024;

/// Prefetches the cache lines of `[start, end)` shifted `ahead` bytes
/// forward: called once per row, it keeps a stream's prefetches a fixed
/// distance ahead of its reads whatever the row lengths.
#[inline(always)]
fn prefetch_lines<T>(start: *const T, end: *const T, ahead: usize) {
    use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
    let mut line = (start as usize + ahead) & !63;
    let stop = end as usize + ahead;
    while line < stop {
        // SAFETY: prefetch never faults, whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(line as *const i8) };
        line += 64;
    }
}

/// Widest column panel, in vectors: four accumulators per row.
const PANEL: usize = 4;

/// SpMM over the rows of `indptr` (see `reference::spmm_rows`) for a B whose
/// rows are contiguous (unit column stride): for each row of C and each
/// panel of up to four vectors of columns, the row's entries scale B's rows
/// into register accumulators.
///
/// # Safety
/// As `reference::spmm_rows` with `csb == 1`, and the CPU has the vector
/// type's ISA.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(crate) unsafe fn spmm_rows<S: SimdReal>(
    indptr: &[usize],
    indices: &[u32],
    values: &[S::T],
    (b, rsb): (*const S::T, isize),
    n: usize,
    alpha: S::T,
    beta: S::T,
    (c, rsc, csc): (*mut S::T, isize, isize),
) {
    let width = PANEL * S::LANES;
    for i in 0..indptr.len() - 1 {
        let row = (
            *indptr.get_unchecked(i),
            *indptr.get_unchecked(i + 1),
            indices,
            values.as_ptr(),
        );
        let ci = c.offset(i as isize * rsc);
        let mut j = 0;
        while j < n {
            let w = width.min(n - j);
            let (b, c) = ((b.add(j), rsb), (ci.offset(j as isize * csc), csc));
            match w.div_ceil(S::LANES) {
                1 => panel::<S, 1>(row, b, w, alpha, beta, c),
                2 => panel::<S, 2>(row, b, w, alpha, beta, c),
                3 => panel::<S, 3>(row, b, w, alpha, beta, c),
                _ => panel::<S, 4>(row, b, w, alpha, beta, c),
            }
            j += w;
        }
    }
}

/// How many entries ahead of the one being multiplied SpMM prefetches B's
/// row, into L2: each is a random row, usually out of L2, and the core
/// alone keeps too few of them in flight. A 1M x 1M, 16-per-row SpMM with
/// 32 columns, B on 2 MiB pages, one thread, 4 interleaved calls each:
/// 483-624 ms without, 450-655 at 16 entries, 432-454 at 24 and 32,
/// 422-497 at 48 (L1 instead of L2 was slower in a C loop of the same
/// shape).
const PREFETCH_ENTRIES: usize = 32;

/// One row of C over `w` columns (`NV` vectors, the last one holding
/// `w - (NV - 1) * LANES` columns): `row` is (start, end, all of A's
/// indices, values).
#[inline(always)]
unsafe fn panel<S: SimdReal, const NV: usize>(
    (start, end, indices, vp): (usize, usize, &[u32], *const S::T),
    (b, rsb): (*const S::T, isize),
    w: usize,
    alpha: S::T,
    beta: S::T,
    (c, csc): (*mut S::T, isize),
) {
    let l = S::LANES;
    let rem = w - (NV - 1) * l;
    let mut acc = [S::zero(); NV];
    let ip = indices.as_ptr();
    let row_bytes = w * std::mem::size_of::<S::T>();
    for p in start..end {
        if let Some(&ahead) = indices.get(p + PREFETCH_ENTRIES) {
            let at = b.wrapping_offset(ahead as isize * rsb) as *const i8;
            for line in (0..row_bytes).step_by(64) {
                // SAFETY: prefetch never faults, whatever the address.
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T1 }>(
                    at.wrapping_add(line),
                );
            }
        }
        let a = S::splat(*vp.add(p));
        let brow = b.offset(*ip.add(p) as isize * rsb);
        for (v, acc) in acc.iter_mut().enumerate().take(NV - 1) {
            *acc = S::fmadd(a, S::load(brow.add(v * l)), *acc);
        }
        let last = if rem == l {
            S::load(brow.add((NV - 1) * l))
        } else {
            S::load_tail(brow.add((NV - 1) * l), rem)
        };
        acc[NV - 1] = S::fmadd(a, last, acc[NV - 1]);
    }
    let (alpha_v, beta_v) = (S::splat(alpha), S::splat(beta));
    if csc == 1 {
        for (v, &acc) in acc.iter().enumerate() {
            let cv = c.add(v * l);
            let n = if v + 1 == NV { rem } else { l };
            let mut out = S::mul(alpha_v, acc);
            if beta != S::T::ZERO {
                let old = if n == l {
                    S::load(cv)
                } else {
                    S::load_tail(cv, n)
                };
                out = S::fmadd(beta_v, old, out);
            }
            if n == l {
                S::store(cv, out)
            } else {
                S::store_tail(cv, out, n)
            }
        }
        return;
    }
    // Strided C: spill the accumulators and store element by element.
    let mut buf = [S::T::ZERO; 64];
    for (v, &acc) in acc.iter().enumerate() {
        S::store(buf.as_mut_ptr().add(v * l), acc);
    }
    for (k, &s) in buf.iter().enumerate().take(w) {
        let ck = c.offset(k as isize * csc);
        *ck = combine(alpha * s, beta, *ck);
    }
}

/// The `#[target_feature]` wrappers of one vector type and its kernel
/// table entries.
macro_rules! sparse_wrappers {
    ($features:literal, $simd:ty, $t:ty) => {
        use $crate::sparse::x86_64::body;

        #[target_feature(enable = $features)]
        unsafe fn spmv(
            indptr: &[usize],
            indices: &[u32],
            values: &[$t],
            x: &[$t],
            alpha: $t,
            beta: $t,
            y: &mut [$t],
        ) {
            body::spmv_rows::<$simd>(indptr, indices, values, x, alpha, beta, y)
        }

        #[allow(clippy::too_many_arguments)]
        #[target_feature(enable = $features)]
        unsafe fn spmm(
            indptr: &[usize],
            indices: &[u32],
            values: &[$t],
            b: (*const $t, isize),
            n: usize,
            alpha: $t,
            beta: $t,
            c: (*mut $t, isize, isize),
        ) {
            body::spmm_rows::<$simd>(indptr, indices, values, b, n, alpha, beta, c)
        }
    };
}
pub(crate) use sparse_wrappers;

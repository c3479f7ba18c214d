//! Packing: copies a block of A (or of B, as A of the transposed block)
//! into the panel layout the micro-kernel streams, zero-padding the last
//! panel so every tile is full.

use super::matrix::MatRef;
use crate::blas1::Real;

/// Packs the `mc x kc` block `a` into `ceil(mc / mr)` panels of `kc * mr`
/// values: panel `q`, step `p` holds rows `q*mr .. q*mr+mr` of column `p`.
pub fn pack_a<T: Real>(a: MatRef<T>, mr: usize, dst: &mut [T]) {
    let (mc, kc) = (a.rows(), a.cols());
    for (q, panel) in dst
        .chunks_exact_mut(mr * kc)
        .take(mc.div_ceil(mr))
        .enumerate()
    {
        let rows = mr.min(mc - q * mr);
        let block = a.block(q * mr, 0, rows, kc);
        pack_panel(block, mr, panel);
    }
}

/// How many steps ahead a packing loop prefetches its source: columns of a
/// large matrix lie pages apart, where the hardware prefetchers do not look.
const PREFETCH_STEPS: isize = 8;

/// Prefetches the cache lines of `len` values starting at `p` (a hint: any
/// address is allowed).
#[inline(always)]
fn prefetch_run<T>(p: *const T, len: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let bytes = len * std::mem::size_of::<T>();
        for off in (0..bytes).step_by(64) {
            // SAFETY: prefetch never faults, whatever the address.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(p.cast::<i8>().wrapping_add(off)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (p, len);
}

/// One panel: `src` is `rows x kc` (rows <= width); writes `kc * width`
/// values, step by step, zero-padding rows `rows..width`.
fn pack_panel<T: Real>(src: MatRef<T>, width: usize, dst: &mut [T]) {
    let (rows, kc) = (src.rows(), src.cols());
    let (rs, cs) = (src.rs(), src.cs());
    let base = src.ptr();
    assert!(dst.len() >= kc * width && rows <= width);
    let out = dst.as_mut_ptr();
    // SAFETY: (i, p) for i < rows, p < kc are elements of the view, and
    // dst holds kc * width values (asserted).
    unsafe {
        if rs == 1 {
            // Each step is a contiguous run of `rows` values, copied in
            // fixed chunks of four: at 12 to 32 values a call to memcpy
            // (which LLVM makes of a plain copy loop) costs more than the copy.
            for p in 0..kc {
                let col = base.offset(p as isize * cs);
                prefetch_run(col.wrapping_offset(PREFETCH_STEPS * cs), rows);
                let step = out.add(p * width);
                let mut i = 0;
                while i + 4 <= rows {
                    std::ptr::copy_nonoverlapping(col.add(i), step.add(i), 4);
                    i += 4;
                }
                for i in i..rows {
                    *step.add(i) = *col.add(i);
                }
                for i in rows..width {
                    *step.add(i) = T::ZERO;
                }
            }
            return;
        }
        // Transposing copy: sequential writes, strided reads.
        if cs == 1 {
            // Rows are contiguous along p: fetch each row's next lines.
            for i in 0..rows {
                prefetch_run(base.offset(i as isize * rs), kc.min(64));
            }
        }
        for p in 0..kc {
            let col = base.offset(p as isize * cs);
            let step = out.add(p * width);
            for i in 0..rows {
                *step.add(i) = *col.offset(i as isize * rs);
            }
            for i in rows..width {
                *step.add(i) = T::ZERO;
            }
        }
    }
}

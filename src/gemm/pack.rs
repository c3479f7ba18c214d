//! Packing: copies a block of A (or of B, as A of the transposed block)
//! into the panel layout the micro-kernel streams, zero-padding the last
//! panel so every tile is full.

use super::matrix::MatRef;
use crate::blas1::Real;

/// Packs the `mc x kc` block `a` into `ceil(mc / mr)` panels of `kc * mr`
/// values: panel `q`, step `p` holds rows `q*mr .. q*mr+mr` of column `p`.
/// `pack` is the kernel's panel packer ([`pack_panel`] or a SIMD twin).
pub fn pack_a<T: Real>(pack: PackPanel<T>, a: MatRef<T>, mr: usize, dst: &mut [T]) {
    let (mc, kc) = (a.rows(), a.cols());
    for (q, panel) in dst
        .chunks_exact_mut(mr * kc)
        .take(mc.div_ceil(mr))
        .enumerate()
    {
        let rows = mr.min(mc - q * mr);
        let block = a.block(q * mr, 0, rows, kc);
        assert!(panel.len() >= kc * mr && rows <= mr);
        // SAFETY: the block's (i, p) elements are inside the view and the
        // panel holds kc * mr values (asserted).
        unsafe {
            pack(
                block.ptr(),
                block.rs(),
                block.cs(),
                rows,
                kc,
                mr,
                panel.as_mut_ptr(),
            )
        };
    }
}

/// How many steps ahead a packing loop prefetches its source: columns of a
/// large matrix lie pages apart, where the hardware prefetchers do not look.
pub(crate) const PREFETCH_STEPS: isize = 8;

/// Prefetches the cache lines of `len` values starting at `p` (a hint: any
/// address is allowed).
#[inline(always)]
pub(crate) fn prefetch_run<T>(p: *const T, len: usize) {
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

/// Packs one panel: `(src, rs, cs, rows, kc, width, out)` writes `kc`
/// steps of `width` values at `out`, step p holding `src[i*rs + p*cs]` for
/// i < rows, then zeros.
pub type PackPanel<T> = unsafe fn(*const T, isize, isize, usize, usize, usize, *mut T);

/// The portable [`PackPanel`] (the scalar kernels' packer and the
/// reference for the SIMD ones).
///
/// # Safety
/// Every (i < rows, p < kc) source address is readable; `out` has
/// `kc * width` writable values; rows <= width.
pub unsafe fn pack_panel<T: Real>(
    base: *const T,
    rs: isize,
    cs: isize,
    rows: usize,
    kc: usize,
    width: usize,
    out: *mut T,
) {
    // SAFETY: the caller's contract.
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

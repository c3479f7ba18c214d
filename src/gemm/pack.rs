//! Packing: copies a block of A (or B) into the panel layout the
//! micro-kernel streams, zero-padding the last panel so every tile is full.

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

/// Packs the `kc x nc` block `b` into `ceil(nc / nr)` panels of `kc * nr`
/// values: panel `q`, step `p` holds columns `q*nr .. q*nr+nr` of row `p`.
pub fn pack_b<T: Real>(b: MatRef<T>, nr: usize, dst: &mut [T]) {
    // A B panel is an A panel of the transposed block.
    pack_a(b.t(), nr, dst);
}

/// One panel: `src` is `rows x kc` (rows <= width); writes `kc * width`.
fn pack_panel<T: Real>(src: MatRef<T>, width: usize, dst: &mut [T]) {
    let (rows, kc) = (src.rows(), src.cols());
    let (rs, cs) = (src.rs(), src.cs());
    let base = src.ptr();
    if rows == width && rs == 1 {
        // Each step is a contiguous run of `width` values.
        for (p, out) in dst.chunks_exact_mut(width).take(kc).enumerate() {
            // SAFETY: the view's elements (0..rows, p) are valid.
            let col = unsafe { std::slice::from_raw_parts(base.offset(p as isize * cs), width) };
            out.copy_from_slice(col);
        }
        return;
    }
    if rows < width {
        dst[..kc * width].fill(T::ZERO);
    }
    for i in 0..rows {
        // SAFETY: (i, p) for p < kc are elements of the view.
        let row = unsafe { base.offset(i as isize * rs) };
        for p in 0..kc {
            dst[p * width + i] = unsafe { *row.offset(p as isize * cs) };
        }
    }
}

//! The blocked loops of the integer GEMM (the same five loops as the
//! floating-point driver) and its split over threads.
//!
//! Integer sums are exact, so the split cannot change a result: each
//! thread takes a slice of C's columns (or rows) and runs the sequential
//! loops on it, packing its own panels.

use super::kernels::{Int8Kernel, Int8Kernels};
use super::pack::{pack_panel, Format};
use crate::gemm::kernels::Blocking;
use crate::gemm::matrix::{MatMut, MatRef};
use crate::gemm::out::{Out, MAX_TILE};
use crate::gemm::workspace::{with_buffer, A_PACK, B_PACK};
use crate::runtime::{cache::cache_sizes, threads};

/// Below this many multiply-adds one thread is faster than waking others.
pub(super) const PARALLEL_MIN_MACS: usize = 2 * 128 * 128 * 128;

/// One oriented product: C (unit row stride, or scalar stores) gets
/// V * W, where V is `m x k` and W is `k x n` as byte views.
#[derive(Copy, Clone)]
pub struct Operands<'a> {
    /// The vector operand and its packed format.
    pub v: (MatRef<'a, u8>, Format),
    /// The broadcast operand and its packed format.
    pub w: (MatRef<'a, u8>, Format),
    /// The kernel for this pairing of signedness.
    pub kernel: Int8Kernel,
    /// Its narrower twins (see `Int8Kernels::signed_v_narrow`), for the
    /// last columns of C.
    pub narrow: &'static [(usize, Int8Kernel)],
}

/// `C = V W (+ C when beta == 1)`, over the pool when large enough.
pub fn run(kern: &Int8Kernels, ops: Operands, beta: i32, c: &mut MatMut<i32>) {
    let (m, n, k) = (c.rows(), c.cols(), ops.v.0.cols());
    let threads = if m * n * k >= PARALLEL_MIN_MACS {
        threads::num_threads()
    } else {
        1
    };
    let out = Out::of(c);
    // Split the longer side of C, in whole tiles.
    let by_cols = n >= m;
    let (len, unit) = if by_cols { (n, kern.nr) } else { (m, kern.mr) };
    let parts = threads.min(len.div_ceil(unit)).max(1);
    let slice = |t: usize| {
        let out: Out<i32> = out; // capture the Sync wrapper, not its raw field
        let tiles = len.div_ceil(unit);
        let (lo, hi) = (
            t * tiles / parts * unit,
            ((t + 1) * tiles / parts * unit).min(len),
        );
        let mut ops = ops;
        let (at, rows, cols) = if by_cols {
            ops.w.0 = ops.w.0.block(0, lo, k, hi - lo);
            // SAFETY: column lo exists in C (lo < n).
            (unsafe { out.at(0, lo) }, m, hi - lo)
        } else {
            ops.v.0 = ops.v.0.block(lo, 0, hi - lo, k);
            // SAFETY: row lo exists in C (lo < m).
            (unsafe { out.at(lo, 0) }, hi - lo, n)
        };
        blocked(kern, ops, beta, at, rows, cols);
    };
    if parts == 1 {
        slice(0);
    } else {
        threads::parallel_for(parts, &slice);
    }
}

/// The sequential loops over an `m x n` slice of C at `out`.
fn blocked(kern: &Int8Kernels, ops: Operands, beta: i32, out: Out<i32>, m: usize, n: usize) {
    let k = ops.v.0.cols();
    let (mr, nr) = (kern.mr, kern.nr);
    // Each lane carries 4 bytes per step whatever the group: block sizes
    // as for 4-byte values over k / group steps, in k units.
    let steps_blk = Blocking::derive(cache_sizes(), mr, nr, 4);
    let blk = Blocking {
        kc: steps_blk.kc * kern.group,
        ..steps_blk
    };
    let (v_fmt, w_fmt) = (ops.v.1, ops.w.1);
    let panel_bytes = |width: usize, kc: usize| v_fmt.steps(kc) * width * 4;
    let v_max = panel_bytes(blk.mc + mr, blk.kc);
    let w_max = panel_bytes(blk.nc + nr, blk.kc);
    for jc in (0..n).step_by(blk.nc) {
        let nc = blk.nc.min(n - jc);
        for pc in (0..k).step_by(blk.kc) {
            let kc = blk.kc.min(k - pc);
            let steps = w_fmt.steps(kc);
            let w_len = nc.div_ceil(nr) * panel_bytes(nr, kc);
            let beta = if pc == 0 { beta } else { 1 };
            with_buffer(&B_PACK, w_len, w_max, |wpack: &mut [u8]| {
                // The last, partial micro-panel of W is packed as wide as
                // the narrowest kernel that covers it.
                let last = kern.fit(ops.narrow, ops.kernel, nc % nr);
                pack_panels(ops.w.0.block(pc, jc, kc, nc).t(), nr, last.0, w_fmt, wpack);
                for ic in (0..m).step_by(blk.mc) {
                    let mc = blk.mc.min(m - ic);
                    let v_len = mc.div_ceil(mr) * panel_bytes(mr, kc);
                    with_buffer(&A_PACK, v_len, v_max, |vpack: &mut [u8]| {
                        pack_panels(ops.v.0.block(ic, pc, mc, kc), mr, mr, v_fmt, vpack);
                        // SAFETY: (ic, jc) is inside the slice of C.
                        let tile_out = unsafe { out.at(ic, jc) };
                        // SAFETY: the packed buffers hold the panels of
                        // this block; tile_out addresses an mc x nc block.
                        unsafe {
                            macro_kernel(
                                kern,
                                (ops.kernel, last),
                                vpack,
                                wpack,
                                (mc, nc, steps),
                                beta,
                                tile_out,
                            )
                        };
                    });
                }
            });
        }
    }
}

/// Packs the `width`-lane panels of `src` (lanes = rows, k = columns),
/// the last partial one `last_width` wide, each in a `width` slot.
fn pack_panels(src: MatRef<u8>, width: usize, last_width: usize, fmt: Format, dst: &mut [u8]) {
    let (rows, kc) = (src.rows(), src.cols());
    let panel = fmt.steps(kc) * width * 4;
    assert!(dst.len() >= rows.div_ceil(width) * panel);
    for q in 0..rows.div_ceil(width) {
        let lanes = width.min(rows - q * width);
        let part = src.block(q * width, 0, lanes, kc);
        let w = if lanes < width { last_width } else { width };
        // SAFETY: the part's elements are inside the source view; the
        // panel's bytes are inside dst (asserted).
        unsafe {
            pack_panel(
                part.ptr(),
                part.rs(),
                part.cs(),
                lanes,
                kc,
                w,
                fmt,
                dst.as_mut_ptr().add(q * panel),
            )
        };
    }
}

/// The jr and ir loops over one packed V block and W panel; `last` is the
/// width and kernel of the last, partial micro-panel of W.
///
/// # Safety
/// `out` addresses an `mc x nc` block of C valid for reads and writes;
/// the packed buffers hold that block's panels of `steps` steps.
unsafe fn macro_kernel(
    kern: &Int8Kernels,
    (full, last): (Int8Kernel, (usize, Int8Kernel)),
    vpack: &[u8],
    wpack: &[u8],
    (mc, nc, steps): (usize, usize, usize),
    beta: i32,
    out: Out<i32>,
) {
    let (mr, nr) = (kern.mr, kern.nr);
    for jp in 0..nc.div_ceil(nr) {
        let j0 = jp * nr;
        let cols = nr.min(nc - j0);
        let w = wpack.as_ptr().add(jp * nr * steps * 4);
        let (width, run) = if cols < nr { last } else { (nr, full) };
        for ip in 0..mc.div_ceil(mr) {
            let i0 = ip * mr;
            let rows = mr.min(mc - i0);
            let v = vpack.as_ptr().add(ip * mr * steps * 4);
            let c = out.ptr.offset(i0 as isize * out.rs + j0 as isize * out.cs);
            if rows == mr && cols == width {
                run(steps, v, w, beta, c, out.rs, out.cs);
            } else {
                // Edge tile: the full tile aside, then the part that exists.
                let mut tile = [0i32; MAX_TILE];
                run(steps, v, w, 0, tile.as_mut_ptr(), 1, mr as isize);
                for j in 0..cols {
                    for i in 0..rows {
                        let p = c.offset(i as isize * out.rs + j as isize * out.cs);
                        let x = tile[j * mr + i];
                        *p = if beta == 0 { x } else { x.wrapping_add(*p) };
                    }
                }
            }
        }
    }
}

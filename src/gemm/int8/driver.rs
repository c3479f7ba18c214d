//! The blocked loops of the integer GEMM (the same five loops as the
//! floating-point driver) and their split over threads.
//!
//! W's block is packed once per (jc, pc) step by all threads together. The
//! ic blocks of V then go to the threads whole (each packs its own), or,
//! when there are fewer blocks than threads, each block is packed together
//! and its W micro-panels are split. Nothing is packed twice, and integer
//! sums are exact, so no split can change a result.

use super::kernels::{Int8Kernel, Int8Kernels};
use super::pack::{pack_panel, Format};
use crate::gemm::kernels::Blocking;
use crate::gemm::matrix::{MatMut, MatRef};
use crate::gemm::out::{Out, MAX_TILE};
use crate::gemm::workspace::{with_buffer, A_PACK, B_PACK};
use crate::runtime::{cache::cache_sizes, threads};
use std::ops::Range;

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
    let (mr, nr) = (kern.mr, kern.nr);
    // Each lane carries 4 bytes per step whatever the group: block sizes
    // as for 4-byte values over k / group steps, in k units.
    let steps_blk = Blocking::derive(cache_sizes(), mr, nr, 4);
    let mut blk = Blocking {
        kc: steps_blk.kc * kern.group,
        ..steps_blk
    };
    // As many ic blocks as a multiple of the thread count, so that whole
    // blocks share out evenly (3 blocks on 2 threads would leave one idle
    // for a third of the time).
    let n_ic = m.div_ceil(blk.mc);
    if threads > 1 && n_ic > 1 && n_ic % threads != 0 {
        blk.mc = m
            .div_ceil(n_ic.next_multiple_of(threads))
            .next_multiple_of(mr);
    }
    let (v_fmt, w_fmt) = (ops.v.1, ops.w.1);
    let panel_bytes = |width: usize, kc: usize| v_fmt.steps(kc) * width * 4;
    let w_max = panel_bytes(blk.nc + nr, blk.kc);
    let out = Out::of(c);
    for jc in (0..n).step_by(blk.nc) {
        let nc = blk.nc.min(n - jc);
        for pc in (0..k).step_by(blk.kc) {
            let kc = blk.kc.min(k - pc);
            let w_len = nc.div_ceil(nr) * panel_bytes(nr, kc);
            let beta = if pc == 0 { beta } else { 1 };
            with_buffer(&B_PACK, w_len, w_max, |wpack: &mut [u8]| {
                // The last, partial micro-panel of W is packed as wide as
                // the narrowest kernel that covers it.
                let last = kern.fit(ops.narrow, ops.kernel, nc % nr);
                let w_blk = ops.w.0.block(pc, jc, kc, nc).t();
                pack_panels(w_blk, nr, last.0, w_fmt, wpack, threads);
                let block = WBlock {
                    wpack,
                    last,
                    nc,
                    steps: w_fmt.steps(kc),
                };
                let v_blk = (ops.v.0.block(0, pc, m, kc), v_fmt);
                // SAFETY: column jc exists in C (jc < n).
                let out = unsafe { out.at(0, jc) };
                row_blocks(kern, ops.kernel, blk, v_blk, &block, beta, out, threads);
            });
        }
    }
}

/// One packed W block and what the macro-kernel needs to read it.
struct WBlock<'a> {
    wpack: &'a [u8],
    /// Width and kernel of the last, partial micro-panel.
    last: (usize, Int8Kernel),
    /// Columns of C the block covers.
    nc: usize,
    /// Packed steps per lane.
    steps: usize,
}

/// The ic loop and everything inside it, for one packed W block.
#[allow(clippy::too_many_arguments)]
fn row_blocks(
    kern: &Int8Kernels,
    full: Int8Kernel,
    blk: Blocking,
    (v, v_fmt): (MatRef<u8>, Format),
    w: &WBlock,
    beta: i32,
    out: Out<i32>,
    threads: usize,
) {
    let (m, kc, mr) = (v.rows(), v.cols(), kern.mr);
    // The largest packed V block of this blocking (see `with_buffer`).
    let v_max = v_fmt.steps(blk.kc) * (blk.mc + mr) * 4;
    let v_len = |mc: usize| mc.div_ceil(mr) * mr * v_fmt.steps(kc) * 4;
    let n_ic = m.div_ceil(blk.mc);
    let n_jr = w.nc.div_ceil(kern.nr);
    let block_rows = |q: usize| (q * blk.mc, blk.mc.min(m - q * blk.mc));
    // SAFETY (both closures): row ic of the block is inside C; the packed
    // buffers hold this block's panels.
    let one_block = |q: usize| {
        let out: Out<i32> = out; // capture the Sync wrapper, not its raw field
        let (ic, mc) = block_rows(q);
        with_buffer(&A_PACK, v_len(mc), v_max, |vpack: &mut [u8]| {
            pack_panels(v.block(ic, 0, mc, kc), mr, mr, v_fmt, vpack, 1);
            let out = unsafe { out.at(ic, 0) };
            unsafe { macro_kernel(kern, full, vpack, w, mc, beta, out, 0..n_jr) };
        })
    };
    if threads == 1 {
        return (0..n_ic).for_each(one_block);
    }
    if n_ic >= threads {
        return threads::parallel_for(n_ic, &one_block);
    }
    // Fewer blocks than threads: pack each together, then split its
    // W micro-panels.
    for q in 0..n_ic {
        let (ic, mc) = block_rows(q);
        with_buffer(&A_PACK, v_len(mc), v_max, |vpack: &mut [u8]| {
            pack_panels(v.block(ic, 0, mc, kc), mr, mr, v_fmt, vpack, threads);
            let vpack: &[u8] = vpack;
            let out = unsafe { out.at(ic, 0) };
            threads::parallel_ranges(n_jr, threads, &|jr| {
                let out: Out<i32> = out; // capture the Sync wrapper
                                         // The items write disjoint column ranges of C.
                unsafe { macro_kernel(kern, full, vpack, w, mc, beta, out, jr) };
            });
        })
    }
}

/// Packs the `width`-lane panels of `src` (lanes = rows, k = columns),
/// the last partial one `last_width` wide, each in a `width` slot; groups
/// of panels on different threads when `threads > 1`.
fn pack_panels(
    src: MatRef<u8>,
    width: usize,
    last_width: usize,
    fmt: Format,
    dst: &mut [u8],
    threads: usize,
) {
    let (rows, kc) = (src.rows(), src.cols());
    let panel = fmt.steps(kc) * width * 4;
    let panels = rows.div_ceil(width);
    assert!(dst.len() >= panels * panel);
    let out = Out {
        ptr: dst.as_mut_ptr(),
        rs: 0,
        cs: 0,
    };
    let group = |range: Range<usize>| {
        let out: Out<u8> = out; // capture the Sync wrapper, not its raw field
        for q in range {
            let lanes = width.min(rows - q * width);
            let part = src.block(q * width, 0, lanes, kc);
            let w = if lanes < width { last_width } else { width };
            // SAFETY: the part's elements are inside the source view; the
            // panel's bytes are inside dst (asserted), and each group
            // writes its own panels.
            unsafe {
                pack_panel(
                    part.ptr(),
                    part.rs(),
                    part.cs(),
                    lanes,
                    kc,
                    w,
                    fmt,
                    out.ptr.add(q * panel),
                )
            };
        }
    };
    threads::parallel_ranges(panels, threads, &group);
}

/// The jr (micro-panels `jr` of W) and ir loops over one packed V block
/// of `mc` rows and the W block `w`.
///
/// # Safety
/// `out` addresses an `mc x w.nc` block of C valid for reads and writes;
/// `vpack` holds that block's V panels of `w.steps` steps.
#[allow(clippy::too_many_arguments)]
unsafe fn macro_kernel(
    kern: &Int8Kernels,
    full: Int8Kernel,
    vpack: &[u8],
    w: &WBlock,
    mc: usize,
    beta: i32,
    out: Out<i32>,
    jr: Range<usize>,
) {
    let (mr, nr, steps) = (kern.mr, kern.nr, w.steps);
    for jp in jr {
        let j0 = jp * nr;
        let cols = nr.min(w.nc - j0);
        let wp = w.wpack.as_ptr().add(jp * nr * steps * 4);
        let (width, run) = if cols < nr { w.last } else { (nr, full) };
        for ip in 0..mc.div_ceil(mr) {
            let i0 = ip * mr;
            let rows = mr.min(mc - i0);
            let v = vpack.as_ptr().add(ip * mr * steps * 4);
            let c = out.ptr.offset(i0 as isize * out.rs + j0 as isize * out.cs);
            if rows == mr && cols == width {
                run(steps, v, wp, beta, c, out.rs, out.cs);
            } else {
                // Edge tile: the full tile aside, then the part that exists.
                let mut tile = [0i32; MAX_TILE];
                run(steps, v, wp, 0, tile.as_mut_ptr(), 1, mr as isize);
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

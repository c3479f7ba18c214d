//! The Goto/BLIS loops around the micro-kernel:
//!
//! ```text
//! for jc in n step NC:            B panel  kc x nc  -> packed once, shared (L3)
//!   for pc in k step KC:
//!     for ic in m step MC:        A block  mc x kc  -> packed per block (L2)
//!       for jr in nc step NR:     B micro-panel kc x nr stays in L1
//!         for ir in mc step MR:   micro-kernel: MR x NR tile of C in registers
//! ```
//!
//! Threads split the ic loop (each packs its own A block) or, when there
//! are fewer row blocks than threads, the jr loop over a shared packed A.
//! Each C tile is always computed by one micro-kernel call over the same
//! k blocks in the same order, so results are identical for any thread
//! count.

use super::kernels::{Blocking, GemmKernel, GemmReal};
use super::matrix::{MatMut, MatRef};
use super::out::{In, Out, MAX_TILE};
use super::pack::{pack_a, PackPanel};
use super::workspace::{with_buffer, A_PACK, B_PACK};
use crate::runtime::{cache::cache_sizes, threads, Isa};

/// Below this many multiply-adds one thread is faster than waking others.
const PARALLEL_MIN_MACS: usize = 96 * 96 * 96;

/// `C = alpha * A * B + beta * C` with the kernel of `isa` (which the CPU
/// must have); shapes already checked.
#[inline(always)]
pub fn gemm<T: GemmReal>(
    isa: Isa,
    alpha: T,
    a: &MatRef<T>,
    b: &MatRef<T>,
    beta: T,
    c: &mut MatMut<T>,
) {
    let (m, n, k) = (c.rows(), c.cols(), a.cols());
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 || alpha == T::ZERO {
        scale(beta, c);
        return;
    }
    // The micro-kernels store columns of C as vectors: for a row-major C
    // compute C^T = B^T A^T instead, whose C is column-major. (A and B
    // come by reference: by value they were copied into this frame.)
    let transpose = c.cs() == 1 && c.rs() != 1;
    // The unpacked path first, on plain pointers and strides: the views
    // would be copied on the way to it, and each copy reloads fields just
    // stored one by one as wider words (a store-forwarding stall apiece),
    // which took about a tenth of a 16 x 16 product's perf samples.
    let (a_in, b_in, c_out) = (In::of(a), In::of(b), Out::of(c));
    let unpacked = if transpose {
        direct(isa, alpha, (n, m, k), b_in.t(), a_in.t(), beta, c_out.t())
    } else {
        direct(isa, alpha, (m, n, k), a_in, b_in, beta, c_out)
    };
    if unpacked {
        return;
    }
    if transpose {
        let mut ct = c.rb_mut().t();
        return packed(isa, alpha, b.t(), a.t(), beta, &mut ct);
    }
    packed(isa, alpha, *a, *b, beta, c)
}

/// Products the unpacked kernels did not take: skinny ones as dot
/// products, the rest through the blocked loops.
#[inline(never)]
fn packed<T: GemmReal>(isa: Isa, alpha: T, a: MatRef<T>, b: MatRef<T>, beta: T, c: &mut MatMut<T>) {
    if !dot(isa, alpha, a, b, beta, c) {
        blocked(isa, alpha, a, b, beta, c)
    }
}

/// Most rows or columns of C for the dot-product path.
const DOT_SKINNY: usize = 8;

/// Rows of C per parallel item of the dot-product path.
const DOT_STRIP: usize = 64;

/// The dot-product path, when the ISA has it, A's rows and B's columns
/// are contiguous along k and C has few rows or columns (`y = x W^T` with
/// W row-major: packing W would transpose all of it to use it once);
/// returns whether it ran.
fn dot<T: GemmReal>(
    isa: Isa,
    alpha: T,
    a: MatRef<T>,
    b: MatRef<T>,
    beta: T,
    c: &mut MatMut<T>,
) -> bool {
    let (m, n, k) = (c.rows(), c.cols(), a.cols());
    if m.min(n) > DOT_SKINNY || a.cs() != 1 || b.rs() != 1 {
        return false;
    }
    let Some(d) = T::direct(isa) else {
        return false;
    };
    if m < n {
        // C^T = B^T A^T has the same contiguity: keep the skinny side as
        // columns, which the tiles are narrow in.
        return dot(isa, alpha, b.t(), a.t(), beta, &mut c.rb_mut().t());
    }
    let out = Out::of(c);
    let strip = |s: usize| {
        let out: Out<T> = out; // capture the Sync wrapper, not its raw field
        let rows_here = s * DOT_STRIP..m.min((s + 1) * DOT_STRIP);
        let mut j0 = 0;
        while j0 < n {
            let (tr, tc, run) = d.dot_tile(n - j0);
            let cols = tc.min(n - j0);
            for i0 in rows_here.clone().step_by(tr) {
                let rows = tr.min(rows_here.end - i0);
                // SAFETY: the tile lies inside A, B and C (checked views);
                // A has unit column stride and B unit row stride, as the
                // kernel needs; strips write disjoint rows of C.
                unsafe {
                    run(
                        k,
                        alpha,
                        (a.ptr().offset(i0 as isize * a.rs()), a.rs()),
                        (b.ptr().offset(j0 as isize * b.cs()), b.cs()),
                        beta,
                        (out.at(i0, j0).ptr, out.rs, out.cs),
                        rows,
                        cols,
                    )
                };
            }
            j0 += cols;
        }
    };
    let strips = m.div_ceil(DOT_STRIP);
    run_strips(m * n * k, strips, strip);
    true
}

/// Largest m, n and k of the unpacked path for square-ish products, by
/// element size: below it reading A and B in place beats packing them.
/// `bash benches/peers/run_gemm_ab.sh f612291 .` (row-major, one thread,
/// median after / before): f32 1.15x at 256 and 1.11x at 384, f64 1.04x
/// at 256. A build with the limit at 512 for both, against this one in
/// `benches/peers/gemm_ab.c` (30 rounds): f32 512 0.92x, f64 384 0.94x.
const fn direct_max(size: usize) -> usize {
    if size == 4 {
        384
    } else {
        256
    }
}

/// Row tiles per parallel item of the unpacked path (see `direct`).
const DIRECT_BLOCK: usize = 16;

/// Most columns of C for the unpacked path whatever m and k (GEMV-like
/// shapes, where packing A would copy all of it to use it once).
const DIRECT_SKINNY: usize = 12;

/// The unpacked path, when the ISA has it, A and C are column-major (after
/// orientation the common layouts are), and the product is small or has
/// few columns; returns whether it ran. A is m x k, B k x n, C m x n.
#[inline(always)]
fn direct<T: GemmReal>(
    isa: Isa,
    alpha: T,
    (m, n, k): (usize, usize, usize),
    a: In<T>,
    b: In<T>,
    beta: T,
    out: Out<T>,
) -> bool {
    let small = m.max(n).max(k) <= direct_max(std::mem::size_of::<T>());
    if !(small || n <= DIRECT_SKINNY) || a.rs != 1 || out.rs != 1 {
        return false;
    }
    let Some(d) = T::direct(isa) else {
        return false;
    };
    let mr = d.rows(m);
    // A block of up to DIRECT_BLOCK tiles' rows is one parallel item; its
    // tiles run column by column, so a column tile's k x 12 values of B
    // are read from memory once and stay in L1 for all the rows below it
    // (A's rows stream through, as a packed A block does).
    let tiles = m.div_ceil(mr);
    let threads = threads_for(m * n * k);
    // Blocks in a multiple of the thread count, as even as the tiles
    // allow (3 blocks on 2 threads would leave one idle a third of the
    // time). A block's size never changes a tile's rows or the order of
    // its sums, so results do not depend on the thread count.
    let blocks = tiles.div_ceil(DIRECT_BLOCK).next_multiple_of(threads);
    let block = tiles.div_ceil(blocks) * mr;
    let strips = m.div_ceil(block);
    let strip = |s: usize| {
        // Capture the Sync wrappers, not their raw fields.
        let (a, b, out): (In<T>, In<T>, Out<T>) = (a, b, out);
        let rows_here = s * block..m.min((s + 1) * block);
        let mut j0 = 0;
        while j0 < n {
            // One width for the whole column of tiles, picked for the
            // block's first (tallest) tile: a shorter last tile has every
            // width a taller one has.
            let (cols, _) = d.pick(mr.min(rows_here.len()), n - j0);
            for i0 in rows_here.clone().step_by(mr) {
                let rows = mr.min(rows_here.end - i0);
                let (w, run) = d.pick(rows, cols);
                debug_assert_eq!(w, cols);
                // SAFETY: the tile lies inside A, B and C (checked views); A
                // and C have unit row stride as the kernel needs; blocks
                // write disjoint rows of C.
                unsafe {
                    run(
                        k,
                        alpha,
                        (a.ptr.add(i0), a.cs),
                        (b.ptr.offset(j0 as isize * b.cs), b.rs, b.cs),
                        beta,
                        (out.ptr.add(i0).offset(j0 as isize * out.cs), out.cs),
                        rows,
                        cols,
                    )
                };
            }
            j0 += cols;
        }
    };
    run_strips(m * n * k, strips, strip);
    true
}

/// Threads for a product of `macs` multiply-adds: the pool's when that
/// pays for waking it, else one.
fn threads_for(macs: usize) -> usize {
    if macs >= PARALLEL_MIN_MACS {
        threads::num_threads()
    } else {
        1
    }
}

/// Runs `strip(0)`, ..., `strip(strips - 1)`: over the pool when the
/// product has `macs` multiply-adds, enough to pay for waking it.
#[inline(always)]
fn run_strips(macs: usize, strips: usize, strip: impl Fn(usize) + Sync) {
    if macs >= PARALLEL_MIN_MACS && strips > 1 {
        threads::parallel_for(strips, &strip);
    } else {
        (0..strips).for_each(strip);
    }
}

/// `C = beta * C` (zeros when beta == 0, without reading C).
fn scale<T: GemmReal>(beta: T, c: &mut MatMut<T>) {
    for j in 0..c.cols() {
        for i in 0..c.rows() {
            let v = c.at_mut(i, j);
            *v = if beta == T::ZERO { T::ZERO } else { beta * *v };
        }
    }
}

fn blocked<T: GemmReal>(
    isa: Isa,
    alpha: T,
    a: MatRef<T>,
    b: MatRef<T>,
    beta: T,
    c: &mut MatMut<T>,
) {
    let (m, n, k) = (c.rows(), c.cols(), a.cols());
    let kern = T::kernel(isa, m);
    let threads = threads_for(m * n * k);
    let blk = balance(
        Blocking::derive(cache_sizes(), kern.mr, kern.nr, std::mem::size_of::<T>()),
        m,
        kern.mr,
        threads,
    );
    let out = Out::of(c);
    for jc in (0..n).step_by(blk.nc) {
        let nc = blk.nc.min(n - jc);
        for pc in (0..k).step_by(blk.kc) {
            let kc = blk.kc.min(k - pc);
            let beta = if pc == 0 { beta } else { T::ONE };
            let b_len = nc.div_ceil(kern.nr) * kern.nr * kc;
            with_buffer(&B_PACK, b_len, b_len, |bpack: &mut [T]| {
                pack_b_parallel(kern, b.block(pc, jc, kc, nc), bpack, threads);
                let a_blk = a.block(0, pc, m, kc);
                // SAFETY: jc + nc <= n, so the offset stays inside C.
                let out = unsafe { out.at(0, jc) };
                row_blocks(kern, blk, alpha, a_blk, bpack, nc, beta, out, threads);
            });
        }
    }
}

/// Shrinks mc so the row blocks split evenly over the threads (3 blocks on
/// 2 threads would leave one idle a third of the time); never grows it.
fn balance(mut blk: Blocking, m: usize, mr: usize, threads: usize) -> Blocking {
    let blocks = m.div_ceil(blk.mc);
    if threads > 1 && blocks >= threads && !blocks.is_multiple_of(threads) {
        let even = blocks.div_ceil(threads) * threads;
        blk.mc = m.div_ceil(even).div_ceil(mr) * mr;
    }
    blk
}

/// Packs B's panels, in parallel for large panels.
fn pack_b_parallel<T: GemmReal>(kern: &GemmKernel<T>, b: MatRef<T>, dst: &mut [T], threads: usize) {
    // A B panel is an A panel of the transposed block.
    pack_panels_parallel(kern.pack, b.t(), kern.nr, dst, threads)
}

/// Packs the `width`-row panels of `src` (an A-shaped block), groups of
/// panels on different threads.
fn pack_panels_parallel<T: GemmReal>(
    pack: PackPanel<T>,
    src: MatRef<T>,
    width: usize,
    dst: &mut [T],
    threads: usize,
) {
    let (rows, kc) = (src.rows(), src.cols());
    let panels = rows.div_ceil(width);
    if threads == 1 || panels < 2 {
        return pack_a(pack, src, width, dst);
    }
    assert!(dst.len() >= panels * kc * width);
    let out = Out {
        ptr: dst.as_mut_ptr(),
        rs: 0,
        cs: 0,
    };
    threads::parallel_ranges(panels, threads, &|range| {
        let out: Out<T> = out; // capture the Sync wrapper, not its raw field
        let (lo, hi) = (range.start, range.end);
        let rows_here = (hi * width).min(rows) - lo * width;
        // SAFETY: panels lo..hi lie inside dst (asserted) and only this
        // item writes them.
        let part = unsafe {
            std::slice::from_raw_parts_mut(out.ptr.add(lo * kc * width), (hi - lo) * kc * width)
        };
        pack_a(pack, src.block(lo * width, 0, rows_here, kc), width, part);
    });
}

/// The ic loop and everything inside it, for one packed B panel.
#[allow(clippy::too_many_arguments)]
fn row_blocks<T: GemmReal>(
    kern: &GemmKernel<T>,
    blk: Blocking,
    alpha: T,
    a: MatRef<T>,
    bpack: &[T],
    nc: usize,
    beta: T,
    out: Out<T>,
    threads: usize,
) {
    let (m, kc) = (a.rows(), a.cols());
    // The largest packed A block of this blocking (see `with_buffer`).
    let a_max = (blk.mc + kern.mr) * blk.kc;
    let n_ic = m.div_ceil(blk.mc);
    let n_jr = nc.div_ceil(kern.nr);
    let one_block = move |q: usize, jr: std::ops::Range<usize>| {
        let out: Out<T> = out; // capture the Sync wrapper, not its raw field
        let (ic, mc) = (q * blk.mc, blk.mc.min(m - q * blk.mc));
        let a_len = mc.div_ceil(kern.mr) * kern.mr * kc;
        with_buffer(&A_PACK, a_len, a_max, |apack: &mut [T]| {
            pack_a(kern.pack, a.block(ic, 0, mc, kc), kern.mr, apack);
            // SAFETY: tile offsets stay inside the ic block of C.
            let out = unsafe { out.at(ic, 0) };
            unsafe { macro_kernel(kern, alpha, apack, bpack, (mc, nc, kc), beta, out, jr) };
        })
    };
    if threads == 1 {
        (0..n_ic).for_each(|q| one_block(q, 0..n_jr));
        return;
    }
    if n_ic >= threads {
        // Whole row blocks, each packed by the thread that runs it.
        threads::parallel_for(n_ic, &|q| one_block(q, 0..n_jr));
        return;
    }
    // Fewer row blocks than threads: pack each block once, together, then
    // split its micro-panels of B between the threads.
    for q in 0..n_ic {
        let (ic, mc) = (q * blk.mc, blk.mc.min(m - q * blk.mc));
        let a_len = mc.div_ceil(kern.mr) * kern.mr * kc;
        with_buffer(&A_PACK, a_len, a_max, |apack: &mut [T]| {
            pack_panels_parallel(kern.pack, a.block(ic, 0, mc, kc), kern.mr, apack, threads);
            let apack: &[T] = apack;
            // SAFETY: the offset stays inside C (row ic of the block).
            let out = unsafe { out.at(ic, 0) };
            threads::parallel_ranges(n_jr, threads, &|jr| {
                let out: Out<T> = out; // capture the Sync wrapper
                                       // SAFETY: the items write disjoint column ranges of C.
                unsafe { macro_kernel(kern, alpha, apack, bpack, (mc, nc, kc), beta, out, jr) };
            });
        });
    }
}

/// The jr and ir loops over one packed A block and B panel, for the
/// micro-panels `jr` of B.
///
/// # Safety
/// `out` addresses an `mc x nc` block of C valid for reads and writes.
#[allow(clippy::too_many_arguments)]
unsafe fn macro_kernel<T: GemmReal>(
    kern: &GemmKernel<T>,
    alpha: T,
    apack: &[T],
    bpack: &[T],
    (mc, nc, kc): (usize, usize, usize),
    beta: T,
    out: Out<T>,
    jr: std::ops::Range<usize>,
) {
    let (mr, nr) = (kern.mr, kern.nr);
    for jp in jr {
        let j0 = jp * nr;
        let cols = nr.min(nc - j0);
        let b = bpack.as_ptr().add(jp * nr * kc);
        for ip in 0..mc.div_ceil(mr) {
            let i0 = ip * mr;
            let rows = mr.min(mc - i0);
            let a = apack.as_ptr().add(ip * mr * kc);
            let c = out.ptr.offset(i0 as isize * out.rs + j0 as isize * out.cs);
            if rows == mr && cols == nr {
                (kern.run)(kc, alpha, a, b, beta, c, out.rs, out.cs);
            } else {
                // Edge tile: compute the full tile aside, then merge the
                // part that exists.
                // beta == 0 makes the kernel write every value of the tile.
                let mut tile = [std::mem::MaybeUninit::<T>::uninit(); MAX_TILE];
                let t = tile.as_mut_ptr().cast::<T>();
                (kern.run)(kc, alpha, a, b, T::ZERO, t, 1, mr as isize);
                for j in 0..cols {
                    for i in 0..rows {
                        let p = c.offset(i as isize * out.rs + j as isize * out.cs);
                        let v = *t.add(j * mr + i);
                        *p = if beta == T::ZERO { v } else { v + beta * *p };
                    }
                }
            }
        }
    }
}

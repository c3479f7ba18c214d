//! Householder bidiagonalization `A = Q_L B Q_R^T` of an `m x n` matrix,
//! `m >= n`, B upper bidiagonal (LAPACK's `xGEBD2`): left reflector i
//! zeroes column i below the diagonal, right reflector i zeroes row i right
//! of the superdiagonal.
//!
//! Unblocked: every reflector is applied with level-2 loops over columns
//! (contiguous in the column-major working copy). The left reflector's dot
//! and update run column by column, so each column is read from cache once
//! for both. Large steps run on the pool in fixed blocks of columns (the
//! product with the right reflector as per-block partial sums added in
//! block order), so the result does not depend on the thread count.
//! Measured at 512 x 512 f64 (`svd_phase_times`): about 35 ms on one
//! thread, 28-31 on two; the per-column level-1 calls, not bandwidth,
//! bound it (a blocked `xLABRD`-style reduction is the next step).

use super::dense::{axpy, dot, ColMat};
use super::householder::{make_reflector, reflect_columns, Reflectors, Storage};
use super::LinalgReal;
use crate::runtime::threads::{parallel_ranges, SharedMut};
use crate::runtime::{num_threads, Isa};

/// Trailing-matrix elements from which a step's two passes run on the
/// pool. Each pass splits into parts whose arithmetic does not depend on
/// the split, so the result is the same for any thread count.
const PAR_MIN_ELEMENTS: usize = 1 << 15;

/// Columns per block of the trailing-matrix passes.
const BLOCK_COLS: usize = 32;

/// The bidiagonal and the reflectors that produced it.
pub(crate) struct Bidiagonal<T> {
    /// The ISA the kernels run on.
    pub isa: Isa,
    /// The diagonal of B (n entries).
    pub d: Vec<T>,
    /// The superdiagonal of B (n - 1 entries).
    pub e: Vec<T>,
    /// The factored matrix: left vectors below the diagonal, right vectors
    /// right of the superdiagonal.
    pub a: ColMat<T>,
    /// Taus of the left reflectors (n).
    pub tau_left: Vec<T>,
    /// Taus of the right reflectors (n - 1; the last is always 0).
    pub tau_right: Vec<T>,
}

impl<T: LinalgReal> Bidiagonal<T> {
    /// `Q_L = H_0 ... H_{n-1}` (m x m space).
    pub fn left(&self) -> Reflectors<'_, T> {
        Reflectors {
            isa: self.isa,
            a: &self.a,
            taus: &self.tau_left,
            storage: Storage::AlongColumns,
        }
    }

    /// `Q_R = G_0 ... G_{n-2}` (n x n space).
    pub fn right(&self) -> Reflectors<'_, T> {
        Reflectors {
            isa: self.isa,
            a: &self.a,
            taus: &self.tau_right,
            storage: Storage::AlongRows,
        }
    }
}

/// Bidiagonalizes `a` (`m x n`, `m >= n`).
///
/// Two passes over the trailing matrix per step instead of three: the
/// right reflector's rank-1 update of each column is fused with the next
/// left reflector's dot and update of the same column (one read from
/// cache for the three), which is possible because the next left
/// reflector only needs the first trailing column, updated first.
pub(crate) fn bidiagonalize<T: LinalgReal>(isa: Isa, mut a: ColMat<T>) -> Bidiagonal<T> {
    let (m, n) = (a.rows(), a.cols());
    debug_assert!(m >= n);
    let mut d = vec![T::ZERO; n];
    let mut e = vec![T::ZERO; n.saturating_sub(1)];
    let mut tau_left = vec![T::ZERO; n];
    let mut tau_right = vec![T::ZERO; n.saturating_sub(1)];
    let mut vl = vec![T::ZERO; m];
    let mut vr = vec![T::ZERO; n];
    let mut y = vec![T::ZERO; m];
    // One partial of y per column block.
    let mut partial = vec![T::ZERO; m * n.div_ceil(BLOCK_COLS)];
    if n == 0 {
        return Bidiagonal {
            isa,
            d,
            e,
            a,
            tau_left,
            tau_right,
        };
    }
    // Left reflector 0, applied on its own; every later one is fused.
    let tau = left_reflector(isa, &mut a, 0, &mut d, &mut vl);
    tau_left[0] = tau;
    reflect_columns(isa, &vl[..m], tau, &mut a, 0, 1..n);
    for i in 0..n - 1 {
        // Right reflector i: zero a[i, i+2..] (a strided row: gathered,
        // then scattered).
        let vr = &mut vr[..n - i - 1];
        for (t, x) in vr.iter_mut().enumerate() {
            *x = a.at(i, i + 1 + t);
        }
        let (head, tail) = vr.split_at_mut(1);
        let (tau_r, beta) = make_reflector(isa, head[0], tail);
        tau_right[i] = tau_r;
        e[i] = beta;
        for (t, &x) in tail.iter().enumerate() {
            a.set(i, i + 2 + t, x);
        }
        head[0] = T::ONE;
        let rows = i + 1..m;
        let parts = if (m - i) * (n - i) >= PAR_MIN_ELEMENTS {
            num_threads()
        } else {
            1
        };
        // Trailing columns i+1..n in fixed blocks of BLOCK_COLS (by column
        // index, whatever the thread count); both passes hand each thread
        // the same blocks, so a thread's columns stay in its core's cache.
        let first_block = (i + 1) / BLOCK_COLS;
        let blocks = (n - 1) / BLOCK_COLS + 1 - first_block;
        let block_cols = |b: usize| {
            let b = first_block + b;
            (b * BLOCK_COLS).max(i + 1)..((b + 1) * BLOCK_COLS).min(n)
        };
        // y = A[i+1.., i+1..] v_r: one partial sum per block, then the
        // partials added in block order.
        let len = m - i - 1;
        let y = &mut y[..len];
        if tau_r != T::ZERO {
            let partials = SharedMut(partial.as_mut_ptr());
            let a = &a;
            parallel_ranges(blocks, parts, &|range| {
                for b in range {
                    // SAFETY: partial b, used by this block only.
                    let yb =
                        unsafe { std::slice::from_raw_parts_mut(partials.get().add(b * m), len) };
                    yb.fill(T::ZERO);
                    for j in block_cols(b) {
                        axpy(isa, vr[j - i - 1], &a.col(j)[rows.clone()], yb);
                    }
                }
            });
            y.copy_from_slice(&partial[..len]);
            for b in 1..blocks {
                axpy(isa, T::ONE, &partial[b * m..b * m + len], y);
            }
        } else {
            y.fill(T::ZERO);
        }
        // Column i+1: right update, then left reflector i+1 from it.
        if tau_r != T::ZERO {
            axpy(isa, -tau_r, y, &mut a.col_mut(i + 1)[rows.clone()]);
        }
        let tau_l = left_reflector(isa, &mut a, i + 1, &mut d, &mut vl);
        tau_left[i + 1] = tau_l;
        let vl = &vl[..m - i - 1];
        let y = &*y;
        // Columns i+2..: right update and left reflector, fused; by the
        // same blocks (columns are independent).
        let (base, ld) = (SharedMut(a.data_mut().as_mut_ptr()), m);
        parallel_ranges(blocks, parts, &|range| {
            for j in range.flat_map(block_cols).filter(|&j| j > i + 1) {
                // SAFETY: column j, rows i+1.., inside the matrix and
                // touched by this block only.
                let col = unsafe {
                    std::slice::from_raw_parts_mut(base.get().add(j * ld + rows.start), len)
                };
                if tau_r != T::ZERO {
                    axpy(isa, -(tau_r * vr[j - i - 1]), y, col);
                }
                if tau_l != T::ZERO {
                    let w = dot(isa, vl, col);
                    axpy(isa, -(tau_l * w), vl, col);
                }
            }
        });
    }
    Bidiagonal {
        isa,
        d,
        e,
        a,
        tau_left,
        tau_right,
    }
}

/// Generates left reflector i from `a[i.., i]`: stores v below the
/// diagonal and `d[i] = beta`, copies `[1, v]` into `v`, returns tau.
fn left_reflector<T: LinalgReal>(
    isa: Isa,
    a: &mut ColMat<T>,
    i: usize,
    d: &mut [T],
    v: &mut [T],
) -> T {
    let m = a.rows();
    let col = a.col_mut(i);
    let (head, tail) = col[i..].split_at_mut(1);
    let (tau, beta) = make_reflector(isa, head[0], tail);
    d[i] = beta;
    v[0] = T::ONE;
    v[1..m - i].copy_from_slice(tail);
    tau
}

//! Strassen–Winograd matrix multiplication on top of the blocked [`gemm`].
//!
//! # Algorithm
//!
//! Winograd's variant of Strassen's method: a product of 2x2 block matrices
//! costs 7 block products and 15 block additions instead of 8 products,
//!
//! ```text
//! S1 = A21 + A22   T1 = B12 - B11   P1 = A11 B11   P5 = S1 T1
//! S2 = S1 - A11    T2 = B22 - T1    P2 = A12 B21   P6 = S2 T2
//! S3 = A11 - A21   T3 = B22 - B12   P3 = S4 B22    P7 = S3 T3
//! S4 = A12 - S2    T4 = T2 - B21    P4 = A22 T4
//!
//! U2 = P1 + P6   U3 = U2 + P7   U4 = U2 + P5
//! C11 = P1 + P2   C12 = U4 + P3   C21 = U3 - P4   C22 = U3 + P5
//! ```
//!
//! applied recursively while `min(m, n, k) >= crossover` (the crossover
//! constants below), with [`gemm`] as the base case. Shapes are rectangular:
//! every level halves m, n and k.
//!
//! Two schedules, both from the read-only-input setting of Boyer, Dumas,
//! Pernet and Zhou, "Memory efficient scheduling of Strassen–Winograd's
//! matrix multiplication algorithm", ISSAC 2009:
//! - [`Mode::Overwrite`] (`C = alpha A B`, C not read; used when beta == 0
//!   and for every product written into scratch): their two-temporary
//!   schedule, which uses the quadrants of C themselves as scratch. 7
//!   products, 15 additions.
//! - [`Mode::Accumulate`] (`C += alpha A B`; used when beta != 0, after C has
//!   been scaled by beta once): three temporaries, 7 products, 14 additions;
//!   products that feed one quadrant only are accumulated straight into it
//!   (beta = 1 in the base GEMM), and -P4 through `-alpha`.
//!
//! # Odd dimensions: dynamic peeling
//!
//! An odd m, n or k is handled by peeling (Huss-Lederman, Jacobson, Johnson,
//! Tsao and Turnbull, "Implementation of Strassen's algorithm for matrix
//! multiplication", SC 1996): the even leading block goes through the
//! recursion, then the last column of A times the last row of B is added by
//! a rank-1 [`gemm`], and the last row and column of C are computed by
//! [`gemm`]. Peeling is chosen over padding because padding needs padded
//! copies of A, B and C at every odd level (O(mk + kn + mn) memory and
//! traffic, plus wasted flops on the zeros), while peeling works in place on
//! the caller's strided views, keeps "beta == 0 never reads C" trivially
//! true, and costs O(mk + kn + mn) classical flops per level.
//!
//! # Workspace
//!
//! One buffer per call holds every temporary of every level (its size is
//! computed up front by [`Plan::workspace_len`]) and is carved into 64-byte
//! aligned pieces. The buffer is kept in a thread-local and reused, so after
//! the first call of a given size on a thread no call allocates. The price
//! is that a thread keeps its largest workspace until it exits: with
//! beta != 0, `(m k + k n + m n) / 4` elements for the top level and a
//! quarter of that for each level below (at most a third more in all);
//! with beta == 0, less.
//!
//! # Error bound
//!
//! Strassen–Winograd is only normwise stable. With `||X|| = max |x_ij|` and
//! unit roundoff `u`, Higham (Accuracy and Stability of Numerical
//! Algorithms, 2nd ed., SIAM 2002, §23.2.2, Theorem 23.3) proves for
//! Winograd's variant on `n x n` matrices, `n = 2^t`, recursion down to
//! `n0 x n0` blocks multiplied classically:
//!
//! ```text
//! ||C - Ĉ|| <= [ (n/n0)^log2(18) (n0^2 + 6 n0) - 6 n ] u ||A|| ||B|| + O(u^2)
//! ```
//!
//! that is `18^l (n0^2 + 6 n0)` with `l` levels, against `n^2 u ||A|| ||B||`
//! for the classical product: each level multiplies the error constant by
//! 18 (the largest sum of ||S_i|| ||T_i|| over the products feeding one
//! quadrant, 1 + 9 + 4 + 4) while the dimension only halves.
//!
//! This code handles rectangular shapes, peeling, alpha, beta and the
//! accumulating schedule; the same first-order argument (max norm: only the
//! inner dimension k enters, through ||X Y|| <= k ||X|| ||Y||) gives, with
//! `l` levels and `k0 = ceil(k / 2^l)`,
//!
//! ```text
//! ||Ĉ - (alpha A B + beta C)||
//!     <= u [ 18^l (k0^2 + (10 + 3 l) k0) |alpha| ||A|| ||B||
//!            + (2 + 3 l) |beta| ||C|| ] + O(u^2)
//! ```
//!
//! (`tests::error_bound`; the tests check every result against it). Sketch: the
//! overwrite schedule gives `e(2h) <= 18 e(h) + 89 h` (8 pre-additions
//! feed 30h into P6, 9h into P3 and P4, 8h into P5 and P7; the chained
//! post-additions add 10h + 14h + 18h), the accumulating one
//! `e(2h) <= 18 e(h) + (35 + 45 l) h` plus at most 3 roundings per level
//! relative to ||C||; peeling an odd k adds `k + 2`; the classical base
//! case is `k0^2 + 2 k0`. Induction on `e(k) <= 18^l (k0^2 + c k0) - d k`
//! closes with `c <= 10 + 3 l`.
//!
//! Inf and NaN in A or B propagate, but not always to the same elements as
//! in the classical product (Inf - Inf in a pre-addition gives NaN).

use super::kernels::GemmReal;
use super::matrix::{MatMut, MatRef};
use super::{check_shapes, gemm};
use crate::error::{Error, ErrorKind, Result};
use crate::runtime::alloc::{AlignedVec, ALIGN};
use crate::runtime::threads::SharedMut;
use std::any::TypeId;
use std::cell::Cell;

/// f32 crossover: recurse while `min(m, n, k) >=` this.
///
/// Measured on the development machine (Sapphire Rapids VM, one thread,
/// square n = 4096, classical and Strassen interleaved, three rounds):
/// 1024 gives 1.08-1.24x the classical GEMM (two levels); see
/// docs/PERFORMANCE.md for the command and the table. Below n = 2048 one
/// level gains little (0.84-1.03x at 1024), so 1024 is the crossover.
pub(crate) const CROSSOVER_F32: usize = 1024;

/// f64 crossover: recurse while `min(m, n, k) >=` this. Measured as for
/// f32: 512 (three levels at 4096) gave 0.95-1.03x, 1024 (two levels)
/// 1.07-1.19x, 2048 (one level) 0.99-1.65x with wild noise; 1024 it is.
pub(crate) const CROSSOVER_F64: usize = 1024;

/// Smallest crossover honoured: recursion needs halves of at least 2, and
/// the error bound's induction needs them ≥ 2 after peeling.
const MIN_CROSSOVER: usize = 4;

/// `C = alpha * A * B + beta * C` by Strassen–Winograd with the default
/// crossover of `T` (see [`CROSSOVER_F32`], [`CROSSOVER_F64`]).
pub(crate) fn gemm_strassen<T: GemmReal>(
    alpha: T,
    a: MatRef<T>,
    b: MatRef<T>,
    beta: T,
    c: MatMut<T>,
) -> Result<()> {
    gemm_strassen_with(default_crossover::<T>(), alpha, a, b, beta, c)
}

/// [`gemm_strassen`] with an explicit crossover (tests use small ones to
/// force several levels on small matrices).
pub(crate) fn gemm_strassen_with<T: GemmReal>(
    crossover: usize,
    alpha: T,
    a: MatRef<T>,
    b: MatRef<T>,
    beta: T,
    mut c: MatMut<T>,
) -> Result<()> {
    check_shapes(&a, &b, &c)?;
    let plan = Plan { crossover };
    let (m, n, k) = (c.rows(), c.cols(), a.cols());
    // alpha == 0 must not read A or B, and below the crossover there is
    // nothing to gain: the classical product serves both.
    if alpha == T::ZERO || !plan.recurses(m, n, k) {
        return gemm(alpha, a, b, beta, c);
    }
    let mode = if beta == T::ZERO {
        Mode::Overwrite
    } else {
        // Scaling once up front lets every level accumulate with beta = 1.
        if beta != one() {
            scale(c.rb_mut(), beta);
        }
        Mode::Accumulate
    };
    let len = plan.workspace_len::<T>(mode, m, n, k);
    with_workspace(len, |ws| plan.product(mode, alpha, a, b, c, ws))
}

/// The default crossover of `T` (`Real` is sealed to f32 and f64).
fn default_crossover<T: 'static>() -> usize {
    if TypeId::of::<T>() == TypeId::of::<f32>() {
        CROSSOVER_F32
    } else {
        CROSSOVER_F64
    }
}

/// How a product lands in its destination.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Mode {
    /// `C = alpha A B`; C is not read.
    Overwrite,
    /// `C += alpha A B`.
    Accumulate,
}

impl Mode {
    /// The beta that gives this mode in a classical [`gemm`] call.
    fn beta<T: GemmReal>(self) -> T {
        match self {
            Mode::Overwrite => T::ZERO,
            Mode::Accumulate => one(),
        }
    }
}

/// The recursion's one parameter.
#[derive(Copy, Clone, Debug)]
struct Plan {
    /// Recurse while `min(m, n, k) >=` this (at least [`MIN_CROSSOVER`]).
    crossover: usize,
}

impl Plan {
    /// Whether an `m x n x k` product splits into quadrants.
    fn recurses(self, m: usize, n: usize, k: usize) -> bool {
        m.min(n).min(k) >= self.crossover.max(MIN_CROSSOVER)
    }

    /// Elements of scratch an `m x n x k` product in `mode` needs, every
    /// level below included. Saturates on absurd sizes, so that the
    /// allocation, not the arithmetic, reports the failure.
    fn workspace_len<T>(self, mode: Mode, m: usize, n: usize, k: usize) -> usize {
        if !self.recurses(m, n, k) {
            return 0;
        }
        let (hm, hn, hk) = (m / 2, n / 2, k / 2);
        let (here, below) = match mode {
            Mode::Overwrite => (
                piece::<T>(hm.saturating_mul(hk.max(hn)))
                    .saturating_add(piece::<T>(hk.saturating_mul(hn))),
                self.workspace_len::<T>(Mode::Overwrite, hm, hn, hk),
            ),
            Mode::Accumulate => (
                piece::<T>(hm.saturating_mul(hk))
                    .saturating_add(piece::<T>(hk.saturating_mul(hn)))
                    .saturating_add(piece::<T>(hm.saturating_mul(hn))),
                self.workspace_len::<T>(Mode::Accumulate, hm, hn, hk)
                    .max(self.workspace_len::<T>(Mode::Overwrite, hm, hn, hk)),
            ),
        };
        here.saturating_add(below)
    }

    /// `C = alpha A B` ([`Mode::Overwrite`]) or `C += alpha A B`
    /// ([`Mode::Accumulate`]): one level of Winograd on the even leading
    /// block, then the peeled odd row, column and rank-1 term; or classical
    /// [`gemm`] below the crossover.
    fn product<T: GemmReal>(
        self,
        mode: Mode,
        alpha: T,
        a: MatRef<T>,
        b: MatRef<T>,
        mut c: MatMut<T>,
        ws: &mut [T],
    ) -> Result<()> {
        let (m, n, k) = (c.rows(), c.cols(), a.cols());
        if !self.recurses(m, n, k) {
            return gemm(alpha, a, b, mode.beta(), c);
        }
        let (me, ne, ke) = (m & !1, n & !1, k & !1);
        let (a_even, b_even) = (a.block(0, 0, me, ke), b.block(0, 0, ke, ne));
        let c_even = c.block_mut(0, 0, me, ne);
        match mode {
            Mode::Overwrite => self.overwrite(alpha, a_even, b_even, c_even, ws)?,
            Mode::Accumulate => self.accumulate(alpha, a_even, b_even, c_even, ws)?,
        }
        peel(mode, alpha, a, b, c, (me, ne, ke))
    }

    /// `C = alpha A B` for even dimensions: the two-temporary schedule of
    /// Boyer et al. (2009, table 1). X holds an S (then P1), Y a T; the
    /// quadrants of C hold products until they are combined.
    fn overwrite<T: GemmReal>(
        self,
        alpha: T,
        a: MatRef<T>,
        b: MatRef<T>,
        c: MatMut<T>,
        ws: &mut [T],
    ) -> Result<()> {
        let (a_rows, b_rows, c_rows) = (
            row_major(a.rs(), a.cs()),
            row_major(b.rs(), b.cs()),
            row_major(c.rs(), c.cs()),
        );
        let [a11, a12, a21, a22] = quadrants(a);
        let [b11, b12, b21, b22] = quadrants(b);
        let [mut c11, mut c12, mut c21, mut c22] = quadrants_mut(c);
        let (hm, hn, hk) = (a11.rows(), b11.cols(), a11.cols());
        let (xbuf, ws) = carve(ws, hm * hk.max(hn));
        let (ybuf, ws) = carve(ws, hk * hn);
        let mut x = dense(&mut *xbuf, hm, hk, a_rows)?;
        let mut y = dense(ybuf, hk, hn, b_rows)?;
        let ow = Mode::Overwrite;

        set_diff(x.rb_mut(), a11, a21); // S3
        set_diff(y.rb_mut(), b22, b12); // T3
        self.product(ow, alpha, x.rb(), y.rb(), c21.rb_mut(), ws)?; // C21 = P7
        set_sum(x.rb_mut(), a21, a22); // S1
        set_diff(y.rb_mut(), b12, b11); // T1
        self.product(ow, alpha, x.rb(), y.rb(), c22.rb_mut(), ws)?; // C22 = P5
        sub_assign(x.rb_mut(), a11); // S2 = S1 - A11
        rsub_assign(y.rb_mut(), b22); // T2 = B22 - T1
        self.product(ow, alpha, x.rb(), y.rb(), c12.rb_mut(), ws)?; // C12 = P6
        rsub_assign(x.rb_mut(), a12); // S4 = A12 - S2
        self.product(ow, alpha, x.rb(), b22, c11.rb_mut(), ws)?; // C11 = P3
        let mut p1 = dense(xbuf, hm, hn, c_rows)?; // S4 is dead: X takes P1
        self.product(ow, alpha, a11, b11, p1.rb_mut(), ws)?; // X = P1
        add_assign(c12.rb_mut(), p1.rb()); // C12 = U2 = P1 + P6
        add_assign(c21.rb_mut(), c12.rb()); // C21 = U3 = U2 + P7
        add_assign(c12.rb_mut(), c22.rb()); // C12 = U4 = U2 + P5
        add_assign(c22.rb_mut(), c21.rb()); // C22 = U3 + P5, final
        add_assign(c12.rb_mut(), c11.rb()); // C12 = U4 + P3, final
        sub_assign(y.rb_mut(), b21); // T4 = T2 - B21
        self.product(ow, alpha, a22, y.rb(), c11.rb_mut(), ws)?; // C11 = P4
        sub_assign(c21.rb_mut(), c11.rb()); // C21 = U3 - P4, final
        self.product(ow, alpha, a12, b21, c11.rb_mut(), ws)?; // C11 = P2
        add_assign(c11.rb_mut(), p1.rb()); // C11 = P1 + P2, final
        Ok(())
    }

    /// `C += alpha A B` for even dimensions, with three temporaries: X holds
    /// an S, Y a T, Z a product or a running sum of products. Products that
    /// feed one quadrant are accumulated into it directly.
    fn accumulate<T: GemmReal>(
        self,
        alpha: T,
        a: MatRef<T>,
        b: MatRef<T>,
        c: MatMut<T>,
        ws: &mut [T],
    ) -> Result<()> {
        let (a_rows, b_rows, c_rows) = (
            row_major(a.rs(), a.cs()),
            row_major(b.rs(), b.cs()),
            row_major(c.rs(), c.cs()),
        );
        let [a11, a12, a21, a22] = quadrants(a);
        let [b11, b12, b21, b22] = quadrants(b);
        let [mut c11, mut c12, mut c21, mut c22] = quadrants_mut(c);
        let (hm, hn, hk) = (a11.rows(), b11.cols(), a11.cols());
        let (xbuf, ws) = carve(ws, hm * hk);
        let (ybuf, ws) = carve(ws, hk * hn);
        let (zbuf, ws) = carve(ws, hm * hn);
        let mut x = dense(xbuf, hm, hk, a_rows)?;
        let mut y = dense(ybuf, hk, hn, b_rows)?;
        let mut z = dense(zbuf, hm, hn, c_rows)?;
        let (ow, acc) = (Mode::Overwrite, Mode::Accumulate);

        set_sum(x.rb_mut(), a21, a22); // S1
        set_diff(y.rb_mut(), b12, b11); // T1
        self.product(ow, alpha, x.rb(), y.rb(), z.rb_mut(), ws)?; // Z = P5
        add_assign(c12.rb_mut(), z.rb()); // C12 += P5
        add_assign(c22.rb_mut(), z.rb()); // C22 += P5
        sub_assign(x.rb_mut(), a11); // S2 = S1 - A11
        rsub_assign(y.rb_mut(), b22); // T2 = B22 - T1
        self.product(ow, alpha, a11, b11, z.rb_mut(), ws)?; // Z = P1
        add_assign(c11.rb_mut(), z.rb()); // C11 += P1
        self.product(acc, alpha, a12, b21, c11.rb_mut(), ws)?; // C11 += P2, final
        self.product(acc, alpha, x.rb(), y.rb(), z.rb_mut(), ws)?; // Z = U2 = P1 + P6
        add_assign(c12.rb_mut(), z.rb()); // C12 += U2
        rsub_assign(x.rb_mut(), a12); // S4 = A12 - S2
        self.product(acc, alpha, x.rb(), b22, c12.rb_mut(), ws)?; // C12 += P3, final
        sub_assign(y.rb_mut(), b21); // T4 = T2 - B21
        self.product(acc, T::ZERO - alpha, a22, y.rb(), c21.rb_mut(), ws)?; // C21 -= P4
        set_diff(x.rb_mut(), a11, a21); // S3
        set_diff(y.rb_mut(), b22, b12); // T3
        self.product(acc, alpha, x.rb(), y.rb(), z.rb_mut(), ws)?; // Z = U3 = U2 + P7
        add_assign(c21.rb_mut(), z.rb()); // C21 += U3, final
        add_assign(c22.rb_mut(), z.rb()); // C22 += U3, final
        Ok(())
    }
}

/// Dynamic peeling after the even `me x ne x ke` block of C has been
/// computed: adds the rank-1 term of an odd k, then computes the odd last
/// column and row of C classically (in `mode`).
fn peel<T: GemmReal>(
    mode: Mode,
    alpha: T,
    a: MatRef<T>,
    b: MatRef<T>,
    mut c: MatMut<T>,
    (me, ne, ke): (usize, usize, usize),
) -> Result<()> {
    let (m, n, k) = (c.rows(), c.cols(), a.cols());
    if ke < k {
        let (a_col, b_row) = (a.block(0, ke, me, 1), b.block(ke, 0, 1, ne));
        gemm(alpha, a_col, b_row, one(), c.block_mut(0, 0, me, ne))?;
    }
    if ne < n {
        let (a_top, b_col) = (a.block(0, 0, me, k), b.block(0, ne, k, 1));
        gemm(alpha, a_top, b_col, mode.beta(), c.block_mut(0, ne, me, 1))?;
    }
    if me < m {
        gemm(
            alpha,
            a.block(me, 0, 1, k),
            b,
            mode.beta(),
            c.block_mut(me, 0, 1, n),
        )?;
    }
    Ok(())
}

/// One, which `Real` does not name.
fn one<T: GemmReal>() -> T {
    T::from_f64(1.0)
}

// ---------------------------------------------------------------------------
// Views: quadrants and dense temporaries.

/// The four quadrants `[11, 12, 21, 22]` of a view with even dimensions.
fn quadrants<T: Copy>(a: MatRef<T>) -> [MatRef<T>; 4] {
    let (r, c) = (a.rows() / 2, a.cols() / 2);
    [
        a.block(0, 0, r, c),
        a.block(0, c, r, c),
        a.block(r, 0, r, c),
        a.block(r, c, r, c),
    ]
}

/// The four quadrants `[11, 12, 21, 22]` of a mutable view with even,
/// non-zero dimensions, as four views that may be used at the same time.
fn quadrants_mut<T>(mut c: MatMut<'_, T>) -> [MatMut<'_, T>; 4] {
    let (r, q, rs, cs) = (c.rows() / 2, c.cols() / 2, c.rs(), c.cs());
    assert!(r > 0 && q > 0 && c.rows() == 2 * r && c.cols() == 2 * q);
    let p = c.ptr();
    let (down, right) = (r as isize * rs, q as isize * cs);
    // SAFETY: the four blocks lie inside `c` (2r x 2q) and share no element;
    // the elements of `c` have distinct addresses (a MatMut invariant), so
    // the blocks are disjoint memory. `c` is consumed, so its exclusive
    // borrow passes to the blocks.
    unsafe {
        [
            MatMut::from_raw(p, r, q, rs, cs),
            MatMut::from_raw(p.offset(right), r, q, rs, cs),
            MatMut::from_raw(p.offset(down), r, q, rs, cs),
            MatMut::from_raw(p.offset(down + right), r, q, rs, cs),
        ]
    }
}

/// Whether a view with strides `rs`, `cs` is closer to row-major than to
/// column-major. Temporaries copy the layout of the operand they mix with,
/// so that elementwise passes run along one unit stride.
fn row_major(rs: isize, cs: isize) -> bool {
    cs.unsigned_abs() <= rs.unsigned_abs()
}

/// Elements in a piece of `n`, rounded up to whole 64-byte lines so that
/// every piece carved from the (aligned) workspace starts aligned.
fn piece<T>(n: usize) -> usize {
    let per_line = (ALIGN / std::mem::size_of::<T>()).max(1);
    n.div_ceil(per_line).saturating_mul(per_line)
}

/// Splits a piece of `n` elements off the front of `ws`.
fn carve<T>(ws: &mut [T], n: usize) -> (&mut [T], &mut [T]) {
    ws.split_at_mut(piece::<T>(n))
}

/// A dense `rows x cols` matrix over the front of `buf`, row-major or
/// column-major.
fn dense<T>(buf: &mut [T], rows: usize, cols: usize, row_major: bool) -> Result<MatMut<'_, T>> {
    let (rs, cs) = if row_major {
        (cols as isize, 1)
    } else {
        (1, rows as isize)
    };
    MatMut::new(buf, 0, rows, cols, rs, cs)
}

// ---------------------------------------------------------------------------
// Elementwise passes. Each walks the destination along its unit stride
// (transposing every operand when the destination is column-major); when
// all operands are contiguous there the inner loop runs over slices, which
// the compiler vectorises. Other layouts take a plain indexed loop.

/// `dst = x + y`.
fn set_sum<T: GemmReal>(dst: MatMut<T>, x: MatRef<T>, y: MatRef<T>) {
    zip_into(dst, x, y, |x, y| x + y);
}

/// `dst = x - y`.
fn set_diff<T: GemmReal>(dst: MatMut<T>, x: MatRef<T>, y: MatRef<T>) {
    zip_into(dst, x, y, |x, y| x - y);
}

/// `dst += y`.
fn add_assign<T: GemmReal>(dst: MatMut<T>, y: MatRef<T>) {
    update(dst, y, |d, y| d + y);
}

/// `dst -= y`.
fn sub_assign<T: GemmReal>(dst: MatMut<T>, y: MatRef<T>) {
    update(dst, y, |d, y| d - y);
}

/// `dst = y - dst`.
fn rsub_assign<T: GemmReal>(dst: MatMut<T>, y: MatRef<T>) {
    update(dst, y, |d, y| y - d);
}

/// `dst *= beta`.
fn scale<T: GemmReal>(dst: MatMut<T>, beta: T) {
    let mut dst = if column_major(&dst) { dst.t() } else { dst };
    let (rows, cols, rs, cs) = (dst.rows(), dst.cols(), dst.rs(), dst.cs());
    let d = SharedMut(dst.ptr());
    for_each_row(rows, cols, &|i| {
        // Capture the Sync wrapper, not its raw field.
        let d: SharedMut<T> = d;
        // SAFETY: row i of dst, touched only by this call of the body.
        unsafe {
            for j in 0..cols {
                let p = d.0.offset(i as isize * rs + j as isize * cs);
                *p = *p * beta;
            }
        }
    });
}

/// `dst[i, j] = f(x[i, j], y[i, j])`; dst is not read.
fn zip_into<T: GemmReal>(dst: MatMut<T>, x: MatRef<T>, y: MatRef<T>, f: impl Fn(T, T) -> T + Sync) {
    assert_eq!((dst.rows(), dst.cols()), (x.rows(), x.cols()));
    assert_eq!((dst.rows(), dst.cols()), (y.rows(), y.cols()));
    let (mut dst, x, y) = if column_major(&dst) {
        (dst.t(), x.t(), y.t())
    } else {
        (dst, x, y)
    };
    let contiguous = dst.cs() == 1 && x.cs() == 1 && y.cs() == 1;
    let (rows, cols, rs, cs) = (dst.rows(), dst.cols(), dst.rs(), dst.cs());
    let d = SharedMut(dst.ptr());
    for_each_row(rows, cols, &|i| {
        // Capture the Sync wrapper, not its raw field.
        let d: SharedMut<T> = d;
        // SAFETY: row i of dst, written only by this call of the body; the
        // views alias nothing else (checked by their constructors).
        unsafe {
            if contiguous {
                let out = std::slice::from_raw_parts_mut(d.0.offset(i as isize * rs), cols);
                for (o, (&a, &b)) in out.iter_mut().zip(row(x, i).iter().zip(row(y, i))) {
                    *o = f(a, b);
                }
            } else {
                for j in 0..cols {
                    *d.0.offset(i as isize * rs + j as isize * cs) = f(x.at(i, j), y.at(i, j));
                }
            }
        }
    });
}

/// `dst[i, j] = f(dst[i, j], y[i, j])`.
fn update<T: GemmReal>(dst: MatMut<T>, y: MatRef<T>, f: impl Fn(T, T) -> T + Sync) {
    assert_eq!((dst.rows(), dst.cols()), (y.rows(), y.cols()));
    let (mut dst, y) = if column_major(&dst) {
        (dst.t(), y.t())
    } else {
        (dst, y)
    };
    let contiguous = dst.cs() == 1 && y.cs() == 1;
    let (rows, cols, rs, cs) = (dst.rows(), dst.cols(), dst.rs(), dst.cs());
    let d = SharedMut(dst.ptr());
    for_each_row(rows, cols, &|i| {
        // Capture the Sync wrapper, not its raw field.
        let d: SharedMut<T> = d;
        // SAFETY: as in `zip_into`.
        unsafe {
            if contiguous {
                let out = std::slice::from_raw_parts_mut(d.0.offset(i as isize * rs), cols);
                for (o, &b) in out.iter_mut().zip(row(y, i)) {
                    *o = f(*o, b);
                }
            } else {
                for j in 0..cols {
                    let p = d.0.offset(i as isize * rs + j as isize * cs);
                    *p = f(*p, y.at(i, j));
                }
            }
        }
    });
}

/// Runs `body(i)` for every row `0..rows`, on the library pool when the
/// pass is large enough to pay for it. Rows are independent, so the result
/// is the same whatever the thread count.
fn for_each_row(rows: usize, cols: usize, body: &(dyn Fn(usize) + Sync)) {
    const PARALLEL_MIN: usize = 1 << 16;
    let chunks = if rows * cols >= PARALLEL_MIN {
        (4 * crate::runtime::num_threads()).min(rows)
    } else {
        1
    };
    if chunks <= 1 {
        return (0..rows).for_each(body);
    }
    crate::runtime::threads::parallel_for(chunks, &|c| {
        (c * rows / chunks..(c + 1) * rows / chunks).for_each(body)
    });
}

/// Whether a destination is best walked column by column.
fn column_major<T>(dst: &MatMut<T>) -> bool {
    !row_major(dst.rs(), dst.cs())
}

/// Row `i` of a view with unit column stride, as a slice.
fn row<T>(a: MatRef<'_, T>, i: usize) -> &[T] {
    assert!(a.cs() == 1 && i < a.rows());
    if a.cols() == 0 {
        return &[];
    }
    // SAFETY: the view's elements (i, 0..cols) are valid for its lifetime
    // and, with unit column stride, contiguous.
    unsafe { std::slice::from_raw_parts(a.ptr().offset(i as isize * a.rs()), a.cols()) }
}

// ---------------------------------------------------------------------------
// The per-thread workspace.

thread_local! {
    /// Scratch reused by every call on this thread. Its storage is f64
    /// words, which serve f32 workspaces as well (one buffer per thread,
    /// not one per type).
    static WORKSPACE: Cell<AlignedVec<f64>> = Cell::new(AlignedVec::new(ALIGN));
}

/// Runs `f` on a 64-byte aligned scratch slice of `len` elements, taken
/// from this thread's workspace (grown when too small) and put back after.
///
/// The buffer is moved out of the thread-local rather than borrowed, so a
/// nested call (there is none today: `gemm` never calls back into
/// Strassen) gets a fresh buffer instead of a borrow panic; the larger of
/// the two is kept.
fn with_workspace<T: GemmReal, R>(len: usize, f: impl FnOnce(&mut [T]) -> Result<R>) -> Result<R> {
    let empty = || AlignedVec::<f64>::new(ALIGN);
    let mut buf = WORKSPACE
        .try_with(|w| w.replace(empty()))
        .unwrap_or_else(|_| empty());
    let result =
        grow(&mut buf, len, std::mem::size_of::<T>()).and_then(|()| f(as_elements(&mut buf, len)));
    // During thread teardown the thread-local may be gone; the buffer is
    // then simply dropped.
    let _ = WORKSPACE.try_with(|w| {
        let held = w.replace(empty());
        w.set(if held.capacity() > buf.capacity() {
            held
        } else {
            buf
        });
    });
    result
}

/// Makes `buf` hold at least `len` elements of `size` bytes.
fn grow(buf: &mut AlignedVec<f64>, len: usize, size: usize) -> Result<()> {
    let out_of_memory = || {
        Error::new(
            ErrorKind::OutOfMemory,
            format!("cannot allocate a Strassen workspace of {len} elements of {size} bytes"),
        )
    };
    let words = len.checked_mul(size).ok_or_else(out_of_memory)?.div_ceil(8);
    if buf.len() >= words {
        return Ok(());
    }
    // The old contents are scratch: drop them rather than let a reallocation
    // copy them, which would also briefly hold both blocks.
    *buf = AlignedVec::new(ALIGN);
    buf.try_reserve_exact(words).map_err(|_| out_of_memory())?;
    buf.resize(words, 0.0);
    Ok(())
}

/// The first `len` elements of `T` in `buf`.
fn as_elements<T: GemmReal>(buf: &mut [f64], len: usize) -> &mut [T] {
    let fits = len
        .checked_mul(std::mem::size_of::<T>())
        .is_some_and(|bytes| bytes <= std::mem::size_of_val(buf));
    assert!(fits && std::mem::align_of::<T>() <= std::mem::align_of::<f64>());
    // SAFETY: T is f32 or f64 (`Real` is sealed), for which every bit
    // pattern is a valid value; its alignment divides f64's; the checked
    // length keeps the slice inside `buf`, which it borrows exclusively.
    unsafe { std::slice::from_raw_parts_mut(buf.as_mut_ptr().cast::<T>(), len) }
}

#[cfg(test)]
mod tests;

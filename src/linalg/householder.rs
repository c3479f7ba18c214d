//! Householder reflectors `H = I - tau v v^T` (v[0] = 1): generation, one at
//! a time (level 2), and blocks of them in compact WY form
//! `H_1 H_2 ... H_b = I - V T V^T` (Schreiber and Van Loan), applied with
//! the GEMM (level 3).

use super::dense::{axpy, dot, nrm2, scal, ColMat};
use super::LinalgReal;
use crate::gemm::{self, MatMut};
use crate::runtime::Isa;

/// Computes the reflector that maps `[alpha; x]` to `[beta; 0]` (LAPACK's
/// `xLARFG`): returns `(tau, beta)` and leaves `v[1..]` in `x`. `tau == 0`
/// (H = I) when x is already zero.
pub(crate) fn make_reflector<T: LinalgReal>(isa: Isa, alpha: T, x: &mut [T]) -> (T, T) {
    let xnorm = nrm2(isa, x);
    if xnorm == T::ZERO {
        return (T::ZERO, alpha);
    }
    let mut alpha = alpha;
    let mut beta = -alpha.hypot(xnorm).copysign(alpha);
    // beta so small that 1 / (alpha - beta) overflows: scale up first, as
    // LAPACK does (at most a few rounds; each multiplies by 1 / safmin).
    let safmin = T::MIN_POSITIVE / T::EPSILON;
    let mut rounds = 0;
    if beta.abs() < safmin {
        let rsafmn = T::ONE / safmin;
        while beta.abs() < safmin && rounds < 20 {
            rounds += 1;
            scal(isa, rsafmn, x);
            beta *= rsafmn;
            alpha *= rsafmn;
        }
        beta = -alpha.hypot(nrm2(isa, x)).copysign(alpha);
    }
    let tau = (beta - alpha) / beta;
    scal(isa, T::ONE / (alpha - beta), x);
    for _ in 0..rounds {
        beta *= safmin;
    }
    (tau, beta)
}

/// `C = H C` for the columns `cols` of `c`, rows `r0..r0 + v.len()`
/// (`v[0] == 1` explicitly).
pub(crate) fn reflect_columns<T: LinalgReal>(
    isa: Isa,
    v: &[T],
    tau: T,
    c: &mut ColMat<T>,
    r0: usize,
    cols: std::ops::Range<usize>,
) {
    if tau == T::ZERO {
        return;
    }
    let p = v.len();
    for j in cols {
        let col = &mut c.col_mut(j)[r0..r0 + p];
        let w = dot(isa, v, col);
        axpy(isa, -(tau * w), v, col);
    }
}

/// `b` reflectors in compact WY form: `H_1 ... H_b = I - V T V^T` with V
/// (`p x b`) unit lower trapezoidal, stored explicitly with its ones and
/// zeros so that the GEMM can use it as it is, and T (`b x b`) upper
/// triangular.
pub(crate) struct BlockReflector<T> {
    isa: Isa,
    v: ColMat<T>,
    t: ColMat<T>,
    /// Scratch for `V^T C` and `T V^T C`.
    w: ColMat<T>,
}

impl<T: LinalgReal> BlockReflector<T> {
    /// Forms T from V and the taus (LAPACK's `xLARFT`, forward, columnwise):
    /// `T[..i, i] = -tau_i T[..i, ..i] (V[:, ..i]^T v_i)`, with the Gram
    /// matrix `V^T V` from one GEMM.
    pub fn new(isa: Isa, v: ColMat<T>, taus: &[T]) -> Self {
        let b = v.cols();
        debug_assert_eq!(taus.len(), b);
        let mut gram = ColMat::zeros(b, b);
        gemm::gemm_on(
            isa,
            T::ONE,
            v.view().t(),
            v.view(),
            T::ZERO,
            gram.view_mut(),
        )
        .expect("V^T V shapes agree");
        let mut t = ColMat::zeros(b, b);
        let mut z = vec![T::ZERO; b];
        for i in 0..b {
            let tau = taus[i];
            t.set(i, i, tau);
            if tau == T::ZERO {
                continue;
            }
            // z = G[..i, i]; T[..i, i] = -tau T[..i, ..i] z (upper triangular).
            z[..i].copy_from_slice(&gram.col(i)[..i]);
            for r in 0..i {
                let mut acc = T::ZERO;
                for (c, &zc) in z.iter().enumerate().take(i).skip(r) {
                    acc += t.at(r, c) * zc;
                }
                t.set(r, i, -(tau * acc));
            }
        }
        BlockReflector {
            isa,
            v,
            t,
            w: ColMat::zeros(0, 0),
        }
    }

    /// `C = H C` (`transpose == false`) or `C = H^T C`, where C has
    /// `V.rows()` rows.
    pub fn apply_left(&mut self, transpose: bool, c: MatMut<T>) {
        let (p, b) = (self.v.rows(), self.v.cols());
        let q = c.cols();
        debug_assert_eq!(c.rows(), p);
        if q == 0 || b == 0 {
            return;
        }
        if self.w.rows() != 2 * b || self.w.cols() < q {
            self.w = ColMat::zeros(2 * b, q);
        }
        let ld = self.w.rows() as isize;
        let (w1, w2) = self.w.data_mut().split_at_mut(b);
        // W1 = V^T C (b x q), W2 = op(T) W1, C -= V W2.
        // SAFETY: W1 and W2 are the first and second b rows of each column
        // of the 2b x q scratch: disjoint, in bounds.
        let (mut w1, mut w2) = unsafe {
            (
                MatMut::from_raw(w1.as_mut_ptr(), b, q, 1, ld),
                MatMut::from_raw(w2.as_mut_ptr(), b, q, 1, ld),
            )
        };
        let ok = "block reflector shapes agree";
        let isa = self.isa;
        gemm::gemm_on(isa, T::ONE, self.v.view().t(), c.rb(), T::ZERO, w1.rb_mut()).expect(ok);
        let t = if transpose {
            self.t.view().t()
        } else {
            self.t.view()
        };
        gemm::gemm_on(isa, T::ONE, t, w1.rb(), T::ZERO, w2.rb_mut()).expect(ok);
        gemm::gemm_on(isa, -T::ONE, self.v.view(), w2.rb(), T::ONE, c).expect(ok);
    }
}

/// Where a sequence of reflectors `H_0, H_1, ...` is stored in a factored
/// matrix `a`: reflector i acts on rows `i + offset ..` of the space it
/// works in; its vector is 1 at `i + offset`, then the entries below the
/// diagonal of column i (`AlongColumns`, QR and the left side of the
/// bidiagonalization, offset 0) or right of the superdiagonal of row i
/// (`AlongRows`, the right side, offset 1).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Storage {
    /// v below the diagonal of column i.
    AlongColumns,
    /// v right of the superdiagonal of row i.
    AlongRows,
}

/// Reflectors stored in a factored matrix, with their taus.
pub(crate) struct Reflectors<'a, T> {
    /// The ISA the kernels run on.
    pub isa: Isa,
    /// The factored matrix.
    pub a: &'a ColMat<T>,
    /// One tau per reflector.
    pub taus: &'a [T],
    /// Where the vectors are.
    pub storage: Storage,
}

/// Reflectors per block of the WY form: wide enough for the GEMM to run
/// near its peak, narrow enough that the level-2 panel work stays small.
pub(crate) const BLOCK: usize = 32;

impl<T: LinalgReal> Reflectors<'_, T> {
    fn offset(&self) -> usize {
        match self.storage {
            Storage::AlongColumns => 0,
            Storage::AlongRows => 1,
        }
    }

    /// Entry t (>= 1) of reflector i's vector (entry 0 is the implicit 1).
    fn entry(&self, i: usize, t: usize) -> T {
        match self.storage {
            Storage::AlongColumns => self.a.at(i + t, i),
            Storage::AlongRows => self.a.at(i, i + 1 + t),
        }
    }

    /// The explicit V (`dim - j0 - offset` x `jb`) of reflectors
    /// `j0..j0 + jb` in a space of `dim` rows.
    pub fn panel_of(&self, dim: usize, j0: usize, jb: usize) -> ColMat<T> {
        let top = j0 + self.offset();
        let mut v = ColMat::zeros(dim - top, jb);
        for c in 0..jb {
            let col = v.col_mut(c);
            col[c] = T::ONE;
            for (t, x) in col[c + 1..].iter_mut().enumerate() {
                *x = self.entry(j0 + c, t + 1);
            }
        }
        v
    }

    /// `C = Q C` (`transpose == false`) or `C = Q^T C`, where
    /// `Q = H_0 H_1 ... H_{r-1}` and C has as many rows as the space.
    /// With `from_identity`, C's columns `j >= offset` are known to be
    /// `e_j` on entry (forming Q explicitly), and the reflectors of block
    /// `j0..` are applied to the columns `j0 + offset..` only: the others
    /// are zero in the rows those reflectors touch.
    pub fn apply(&self, c: &mut ColMat<T>, transpose: bool, from_identity: bool) {
        debug_assert!(!(transpose && from_identity), "Q^T is never formed");
        let r = self.taus.len();
        let dim = c.rows();
        let off = self.offset();
        let starts: Vec<usize> = (0..r).step_by(BLOCK).collect();
        let order: Box<dyn Iterator<Item = &usize>> = if transpose {
            Box::new(starts.iter())
        } else {
            Box::new(starts.iter().rev())
        };
        for &j0 in order {
            let jb = BLOCK.min(r - j0);
            let top = j0 + off;
            if top >= dim {
                continue;
            }
            let first = if from_identity { top.min(c.cols()) } else { 0 };
            let v = self.panel_of(dim, j0, jb);
            let mut h = BlockReflector::new(self.isa, v, &self.taus[j0..j0 + jb]);
            let cols = c.cols() - first;
            let mut view = c.view_mut();
            h.apply_left(transpose, view.block_mut(top, first, dim - top, cols));
        }
    }
}

//! Householder bidiagonalization `A = Q_L B Q_R^T` of an `m x n` matrix,
//! `m >= n`, B upper bidiagonal (LAPACK's `xGEBD2`): left reflector i
//! zeroes column i below the diagonal, right reflector i zeroes row i right
//! of the superdiagonal.
//!
//! Unblocked: every reflector is applied with level-2 loops over columns
//! (contiguous in the column-major working copy). The left reflector's dot
//! and update run column by column, so each column is read from cache once
//! for both.

use super::dense::ColMat;
use super::householder::{make_reflector, reflect_columns, reflect_rows, Reflectors, Storage};
use super::LinalgReal;
use crate::runtime::Isa;

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
pub(crate) fn bidiagonalize<T: LinalgReal>(isa: Isa, mut a: ColMat<T>) -> Bidiagonal<T> {
    let (m, n) = (a.rows(), a.cols());
    debug_assert!(m >= n);
    let mut d = vec![T::ZERO; n];
    let mut e = vec![T::ZERO; n.saturating_sub(1)];
    let mut tau_left = vec![T::ZERO; n];
    let mut tau_right = vec![T::ZERO; n.saturating_sub(1)];
    let mut v = vec![T::ZERO; m.max(n)];
    let mut y = vec![T::ZERO; m];
    for i in 0..n {
        // Left: zero a[i+1.., i].
        let col = a.col_mut(i);
        let (head, tail) = col[i..].split_at_mut(1);
        let (tau, beta) = make_reflector(isa, head[0], tail);
        tau_left[i] = tau;
        d[i] = beta;
        let vl = &mut v[..m - i];
        vl[0] = T::ONE;
        vl[1..].copy_from_slice(tail);
        reflect_columns(isa, vl, tau, &mut a, i, i + 1..n);
        if i + 1 >= n {
            continue;
        }
        // Right: zero a[i, i+2..] (a strided row: gathered, then scattered).
        let vr = &mut v[..n - i - 1];
        for (t, x) in vr.iter_mut().enumerate() {
            *x = a.at(i, i + 1 + t);
        }
        let (head, tail) = vr.split_at_mut(1);
        let (tau, beta) = make_reflector(isa, head[0], tail);
        tau_right[i] = tau;
        e[i] = beta;
        for (t, &x) in tail.iter().enumerate() {
            a.set(i, i + 2 + t, x);
        }
        head[0] = T::ONE;
        reflect_rows(isa, vr, tau, &mut a, i + 1..m, i + 1, &mut y);
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

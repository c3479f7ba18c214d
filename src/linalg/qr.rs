//! Blocked Householder QR (LAPACK's `xGEQRF` / `xORGQR` structure): panels
//! of [`BLOCK`] columns are factored one reflector at a time, then the
//! trailing columns are updated with the panel's compact WY form through
//! the GEMM, so most of the `2 m n^2 - 2 n^3 / 3` flops run at GEMM speed.

use super::dense::ColMat;
use super::householder::{
    make_reflector, reflect_columns, BlockReflector, Reflectors, Storage, BLOCK,
};
use super::LinalgReal;
use crate::runtime::Isa;

/// A QR factorization in LAPACK's compact form: R on and above the
/// diagonal of `a`, the reflectors' vectors below it, one tau each.
pub(crate) struct Factored<T> {
    pub isa: Isa,
    pub a: ColMat<T>,
    pub taus: Vec<T>,
}

impl<T: LinalgReal> Factored<T> {
    /// The reflectors whose product is Q.
    pub fn reflectors(&self) -> Reflectors<'_, T> {
        Reflectors {
            isa: self.isa,
            a: &self.a,
            taus: &self.taus,
            storage: Storage::AlongColumns,
        }
    }

    /// The thin Q (`m x min(m, n)`), explicitly.
    pub fn thin_q(&self) -> ColMat<T> {
        let r = self.taus.len();
        let mut q = ColMat::identity(self.a.rows(), r);
        self.reflectors().apply(&mut q, false, true);
        q
    }

    /// R (`min(m, n) x n`, upper trapezoidal) with zeros below the diagonal.
    pub fn r(&self) -> ColMat<T> {
        let (rk, n) = (self.taus.len(), self.a.cols());
        let mut r = ColMat::zeros(rk, n);
        for j in 0..n {
            let top = (j + 1).min(rk);
            r.col_mut(j)[..top].copy_from_slice(&self.a.col(j)[..top]);
        }
        r
    }
}

/// Factors `a` (`m x n`) in place.
pub(crate) fn factor<T: LinalgReal>(isa: Isa, mut a: ColMat<T>) -> Factored<T> {
    let (m, n) = (a.rows(), a.cols());
    let r = m.min(n);
    let mut taus = vec![T::ZERO; r];
    let mut v = vec![T::ZERO; m];
    for j0 in (0..r).step_by(BLOCK) {
        let jb = BLOCK.min(r - j0);
        factor_panel(isa, &mut a, j0, jb, &mut taus, &mut v);
        if j0 + jb < n {
            let panel = Reflectors {
                isa,
                a: &a,
                taus: &taus,
                storage: Storage::AlongColumns,
            };
            let mut h = BlockReflector::new(isa, panel.panel_of(m, j0, jb), &taus[j0..j0 + jb]);
            let mut view = a.view_mut();
            h.apply_left(true, view.block_mut(j0, j0 + jb, m - j0, n - j0 - jb));
        }
    }
    Factored { isa, a, taus }
}

/// Unblocked QR of columns `j0..j0 + jb`, rows `j0..` (LAPACK's `xGEQR2`).
fn factor_panel<T: LinalgReal>(
    isa: Isa,
    a: &mut ColMat<T>,
    j0: usize,
    jb: usize,
    taus: &mut [T],
    v: &mut [T],
) {
    let m = a.rows();
    for i in j0..j0 + jb {
        let col = a.col_mut(i);
        let (head, tail) = col[i..].split_at_mut(1);
        let (tau, beta) = make_reflector(isa, head[0], tail);
        taus[i] = tau;
        let v = &mut v[..m - i];
        v[0] = T::ONE;
        v[1..].copy_from_slice(tail);
        head[0] = beta;
        reflect_columns(isa, v, tau, a, i, i + 1..j0 + jb);
    }
}

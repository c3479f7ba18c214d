//! Randomized SVD (Halko, Martinsson and Tropp, "Finding structure with
//! randomness", SIAM Review 2011, Algorithms 4.4 and 5.1): a Gaussian test
//! matrix Ω (`n x (k + p)`), `Q = orth(A Ω)`, q power iterations
//! `Q = orth(A orth(A^T Q))` re-orthonormalized by Householder QR at every
//! half step (so the small singular directions are not lost to rounding),
//! then the exact SVD of the small `B = Q^T A` and `U = Q U_B`.

use super::dense::ColMat;
use super::gaussian::Xoshiro256;
use super::{qr, svd, LinalgReal};
use crate::error::Result;
use crate::gemm::{self, MatMut, MatRef};
use crate::runtime::Isa;

/// Options of the randomized SVD.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct RsvdOptions {
    /// Extra columns beyond k in the test matrix (default 10).
    pub oversample: usize,
    /// Power iterations; `None` (the default) means 4, or 7 when
    /// `k < 0.1 min(m, n)` (scikit-learn's rule).
    pub power_iters: Option<usize>,
    /// Seed of the Gaussian test matrix (default 0).
    pub seed: u64,
}

impl Default for RsvdOptions {
    fn default() -> Self {
        RsvdOptions {
            oversample: 10,
            power_iters: None,
            seed: 0,
        }
    }
}

impl RsvdOptions {
    /// The power iterations for rank `k` of an `m x n` matrix.
    pub fn power_iters_for(&self, k: usize, m: usize, n: usize) -> usize {
        self.power_iters
            .unwrap_or(if 10 * k < m.min(n) { 7 } else { 4 })
    }
}

/// `Q`, the orthonormal basis of the columns of `y` (thin, same shape).
fn orth<T: LinalgReal>(isa: Isa, y: ColMat<T>) -> ColMat<T> {
    qr::factor(isa, y).thin_q()
}

/// `a * b` (or `a^T * b`) into a new column-major matrix.
fn product<T: LinalgReal>(isa: Isa, a: MatRef<T>, b: MatRef<T>) -> ColMat<T> {
    let mut c = ColMat::zeros(a.rows(), b.cols());
    gemm::gemm_on(isa, T::ONE, a, b, T::ZERO, c.view_mut()).expect("shapes agree");
    c
}

/// Rank-k approximation; shapes and k were checked by the caller
/// (`1 <= k <= min(m, n)`).
pub(crate) fn rsvd<T: LinalgReal>(
    isa: Isa,
    a: MatRef<T>,
    k: usize,
    opts: &RsvdOptions,
    u: &mut MatMut<T>,
    s: &mut [T],
    vt: &mut MatMut<T>,
) -> Result<()> {
    let (m, n) = (a.rows(), a.cols());
    let l = (k + opts.oversample).min(m.min(n));
    let mut omega = ColMat::<T>::zeros(n, l);
    let mut samples = vec![0.0f64; n * l];
    Xoshiro256::new(opts.seed).fill_gaussian(&mut samples);
    for (x, &g) in omega.data_mut().iter_mut().zip(&samples) {
        *x = T::from_f64(g);
    }
    let mut q = orth(isa, product(isa, a, omega.view()));
    for _ in 0..opts.power_iters_for(k, m, n) {
        let z = orth(isa, product(isa, a.t(), q.view()));
        q = orth(isa, product(isa, a, z.view()));
    }
    // B = Q^T A is l x n (wide): its SVD through B^T = U' S V'^T, so
    // B = V' S U'^T, and A ~ (Q V') S U'^T.
    let bt = product(isa, a.t(), q.view());
    let (u_bt, sv, v_bt) = svd::tall(isa, bt.view())?;
    let mut uk = ColMat::zeros(m, k);
    let vk = v_bt.view().block(0, 0, l, k);
    gemm::gemm_on(isa, T::ONE, q.view(), vk, T::ZERO, uk.view_mut()).expect("shapes agree");
    for j in 0..k {
        for i in 0..m {
            *u.at_mut(i, j) = uk.at(i, j);
        }
        for i in 0..n {
            *vt.at_mut(j, i) = u_bt.at(i, j);
        }
    }
    s.copy_from_slice(&sv[..k]);
    Ok(())
}

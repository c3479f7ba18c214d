//! The thin SVD `A = U diag(s) V^T`.
//!
//! Algorithm: Golub–Kahan–Reinsch. A tall matrix (`m >= 5n/3`) is first
//! reduced by a blocked QR (`A = Q R`, GEMM-rich) so the bidiagonalization
//! works on the `n x n` R; then Householder bidiagonalization, the
//! Demmel–Kahan bidiagonal QR iteration with the rotations accumulated into
//! `n x n` vector blocks, and the reflectors applied back through the GEMM.
//! Chosen over one-sided Jacobi, whose sweeps cost `O(n^3)` each (5 to 10
//! of them) where the bidiagonal QR's rotations cost about `12 n^3` once in
//! a streaming kernel; the bidiagonal iteration still finds every singular
//! value of B to high relative accuracy, so the result is as accurate as
//! the reduction (backward stable: errors `O(eps ||A||)`). Wide matrices go
//! through the SVD of `A^T`.

use super::bdsqr::{bidiagonal_svd, Rows};
use super::bidiag::bidiagonalize;
use super::dense::ColMat;
use super::qr;
use super::LinalgReal;
use crate::error::Result;
use crate::gemm::MatRef;
use crate::runtime::Isa;

/// Thin SVD of a tall or square `a` (`m >= n`): `U` (`m x n`), `s`
/// (descending), `V` (`n x n`, columns are the right singular vectors).
pub(crate) fn tall<T: LinalgReal>(
    isa: Isa,
    a: MatRef<T>,
) -> Result<(ColMat<T>, Vec<T>, ColMat<T>)> {
    let (m, n) = (a.rows(), a.cols());
    debug_assert!(m >= n);
    let work = ColMat::from_view(a);
    let (qr, work) = if 3 * m >= 5 * n && n > 0 {
        let f = qr::factor(isa, work);
        let r = f.r();
        (Some(f), r)
    } else {
        (None, work)
    };
    let p = work.rows();
    let mut bd = bidiagonalize(isa, work);
    // ut and vt start as identities (n x n row-major); the sweeps rotate
    // their rows, so that afterwards ut's rows are B's left singular
    // vectors and vt's rows its right ones.
    // Rows padded by 64 bytes: with a row stride that is a multiple of
    // 4 KiB, a column chunk of the deferred rotations (rotation::log)
    // maps to a few L1/L2 sets and thrashes (measured 2x slower at 512).
    let ld = n + 64 / std::mem::size_of::<T>();
    let mut ut = ColMat::<T>::identity(ld, n);
    let mut vt = ColMat::<T>::identity(ld, n);
    bidiagonal_svd(
        &mut bd.d,
        &mut bd.e,
        &mut Rows {
            isa,
            data: vt.data_mut(),
            ld,
            len: n,
        },
        &mut Rows {
            isa,
            data: ut.data_mut(),
            ld,
            len: n,
        },
    )?;
    // Read column-major, ut's storage is U_B (column j = row j of ut).
    let mut u = ColMat::zeros(p, n);
    for j in 0..n {
        u.col_mut(j)[..n].copy_from_slice(&ut.col(j)[..n]);
    }
    bd.left().apply(&mut u, false, false);
    if let Some(f) = qr {
        let mut full = ColMat::zeros(m, n);
        for j in 0..n {
            full.col_mut(j)[..n].copy_from_slice(u.col(j));
        }
        f.reflectors().apply(&mut full, false, false);
        u = full;
    }
    // Likewise vt's storage read column-major is V_B; V = Q_R V_B.
    let mut v = ColMat::zeros(n, n);
    for j in 0..n {
        v.col_mut(j).copy_from_slice(&vt.col(j)[..n]);
    }
    bd.right().apply(&mut v, false, false);
    Ok((u, bd.d, v))
}

//! Factorizations: Householder QR, the thin SVD and the randomized SVD, in
//! f32 and f64, built on the blocked [`crate::gemm`].

mod bdsqr;
mod bidiag;
mod dense;
mod gaussian;
mod householder;
mod plane;
mod qr;
mod real;
pub mod rotation;
mod rsvd;
mod svd;

pub use real::LinalgReal;
pub use rsvd::RsvdOptions;

use crate::error::{Error, Result};
use crate::gemm::{MatMut, MatRef};
use crate::runtime::{active_isa, Isa};
use dense::ColMat;

/// Checks that every element of `a` is finite.
fn check_finite<T: LinalgReal>(a: &MatRef<T>) -> Result<()> {
    // One pass in memory order (rows of a row-major view), no early exit
    // per element: the position is looked up only on failure.
    let row_major = a.cs().unsigned_abs() <= a.rs().unsigned_abs();
    let (outer, inner) = if row_major {
        (a.rows(), a.cols())
    } else {
        (a.cols(), a.rows())
    };
    for o in 0..outer {
        let mut bad = false;
        for x in 0..inner {
            let v = if row_major { a.at(o, x) } else { a.at(x, o) };
            bad |= !v.is_finite();
        }
        if bad {
            let x = (0..inner)
                .find(|&x| !(if row_major { a.at(o, x) } else { a.at(x, o) }).is_finite())
                .unwrap_or(0);
            let (i, j) = if row_major { (o, x) } else { (x, o) };
            return Err(Error::invalid(format!("a[{i}][{j}] is not finite")));
        }
    }
    Ok(())
}

fn check_shape<T>(name: &str, m: &MatMut<T>, rows: usize, cols: usize) -> Result<()> {
    if m.rows() != rows || m.cols() != cols {
        return Err(Error::dimension(format!(
            "{name} is {}x{}, expected {rows}x{cols}",
            m.rows(),
            m.cols()
        )));
    }
    Ok(())
}

/// Copies the column-major `src` into `dst` (same shape).
fn store<T: LinalgReal>(src: &ColMat<T>, dst: &mut MatMut<T>) {
    for j in 0..src.cols() {
        for (i, &x) in src.col(j).iter().enumerate() {
            *dst.at_mut(i, j) = x;
        }
    }
}

/// Thin QR: `A = Q R` with `Q` (`m x r`, orthonormal columns) and `R`
/// (`r x n`, upper trapezoidal), `r = min(m, n)`, by blocked Householder
/// reflections. NaN or Inf in A: `InvalidArgument`.
pub fn qr<T: LinalgReal>(a: MatRef<T>, q: MatMut<T>, r: MatMut<T>) -> Result<()> {
    qr_on(active_isa(), a, q, r)
}

/// [`qr`] on the kernels of `isa` (which the CPU must have).
pub(crate) fn qr_on<T: LinalgReal>(
    isa: Isa,
    a: MatRef<T>,
    mut q: MatMut<T>,
    mut r: MatMut<T>,
) -> Result<()> {
    let (m, n) = (a.rows(), a.cols());
    let rk = m.min(n);
    check_shape("q", &q, m, rk)?;
    check_shape("r", &r, rk, n)?;
    check_finite(&a)?;
    let f = qr::factor(isa, ColMat::from_view(a));
    store(&f.thin_q(), &mut q);
    store(&f.r(), &mut r);
    Ok(())
}

/// Thin SVD: `A = U diag(s) V^T` with `U` (`m x r`), `s` (r, descending,
/// non-negative) and `V^T` (`r x n`), `r = min(m, n)`. NaN or Inf in A:
/// `InvalidArgument`; the bidiagonal iteration not converging (never seen
/// in practice): `NotConverged`.
pub fn svd<T: LinalgReal>(a: MatRef<T>, u: MatMut<T>, s: &mut [T], vt: MatMut<T>) -> Result<()> {
    svd_on(active_isa(), a, u, s, vt)
}

/// [`svd`] on the kernels of `isa` (which the CPU must have).
pub(crate) fn svd_on<T: LinalgReal>(
    isa: Isa,
    a: MatRef<T>,
    mut u: MatMut<T>,
    s: &mut [T],
    mut vt: MatMut<T>,
) -> Result<()> {
    let (m, n) = (a.rows(), a.cols());
    let r = m.min(n);
    check_shape("u", &u, m, r)?;
    check_shape("vt", &vt, r, n)?;
    if s.len() != r {
        return Err(Error::dimension(format!(
            "s has {} entries, expected {r}",
            s.len()
        )));
    }
    check_finite(&a)?;
    if m >= n {
        let (uu, sv, v) = svd::tall(isa, a)?;
        store(&uu, &mut u);
        store(&v, &mut vt.rb_mut().t());
        s.copy_from_slice(&sv);
    } else {
        // A^T = U' S V'^T, so A = V' S U'^T.
        let (uu, sv, v) = svd::tall(isa, a.t())?;
        store(&v, &mut u);
        store(&uu, &mut vt.rb_mut().t());
        s.copy_from_slice(&sv);
    }
    Ok(())
}

/// Randomized rank-k SVD `A ~ U diag(s) V^T` (Halko–Martinsson–Tropp):
/// `U` (`m x k`), `s` (k, descending), `V^T` (`k x n`). The same seed gives
/// the same result whatever the thread count. `k == 0` and empty matrices
/// are valid (nothing is written); `k > min(m, n)`, NaN or Inf in A:
/// `InvalidArgument`.
pub fn rsvd<T: LinalgReal>(
    a: MatRef<T>,
    k: usize,
    opts: &RsvdOptions,
    u: MatMut<T>,
    s: &mut [T],
    vt: MatMut<T>,
) -> Result<()> {
    rsvd_on(active_isa(), a, k, opts, u, s, vt)
}

/// [`rsvd`] on the kernels of `isa` (which the CPU must have).
pub(crate) fn rsvd_on<T: LinalgReal>(
    isa: Isa,
    a: MatRef<T>,
    k: usize,
    opts: &RsvdOptions,
    mut u: MatMut<T>,
    s: &mut [T],
    mut vt: MatMut<T>,
) -> Result<()> {
    let (m, n) = (a.rows(), a.cols());
    if k > m.min(n) {
        return Err(Error::invalid(format!(
            "k = {k} exceeds min(m, n) = {}",
            m.min(n)
        )));
    }
    check_shape("u", &u, m, k)?;
    check_shape("vt", &vt, k, n)?;
    if s.len() != k {
        return Err(Error::dimension(format!(
            "s has {} entries, expected {k}",
            s.len()
        )));
    }
    check_finite(&a)?;
    if k == 0 {
        return Ok(());
    }
    rsvd::rsvd(isa, a, k, opts, &mut u, s, &mut vt)
}

#[cfg(test)]
mod tests;

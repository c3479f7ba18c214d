//! C ABI of the factorizations: QR, the thin SVD and the randomized SVD.
//! Inputs are strided (BLIS style); outputs are dense row-major arrays the
//! caller sizes from m, n and k, written only on success.

use super::gemm::{checked_mut, checked_ref};
use super::{boundary, disjoint, region, sk_status};
use crate::error::{Error, Result};
use crate::gemm::MatMut;
use crate::linalg::{self, LinalgReal, RsvdOptions};
use std::ops::Range;

/// `power_iters` value meaning "4, or 7 when k < 0.1 min(m, n)".
pub const SK_RSVD_POWER_ITERS_AUTO: u32 = u32::MAX;

/// Largest explicit `power_iters` accepted: more never helps in double
/// precision, and a bound keeps a stray value from running for hours.
pub const SK_RSVD_MAX_POWER_ITERS: u32 = 64;

/// Options of `sk_rsvd_f32` / `sk_rsvd_f64`.
#[repr(C)]
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct sk_rsvd_options {
    /// Extra test vectors beyond k (capped at min(m, n) - k); default 10.
    pub oversample: u32,
    /// Power iterations, at most `SK_RSVD_MAX_POWER_ITERS`, or
    /// `SK_RSVD_POWER_ITERS_AUTO` (the default): 4, or 7 when
    /// k < 0.1 min(m, n).
    pub power_iters: u32,
    /// Seed of the Gaussian test matrix; default 0.
    pub seed: u64,
}

/// The default options: oversample 10, power iterations automatic, seed 0.
#[no_mangle]
pub extern "C" fn sk_rsvd_options_default() -> sk_rsvd_options {
    sk_rsvd_options {
        oversample: 10,
        power_iters: SK_RSVD_POWER_ITERS_AUTO,
        seed: 0,
    }
}

fn options(opts: *const sk_rsvd_options) -> Result<RsvdOptions> {
    // SAFETY: a non-NULL pointer must point to an options struct (the
    // documented contract); NULL means defaults.
    let o = unsafe { opts.as_ref() }
        .copied()
        .unwrap_or(sk_rsvd_options_default());
    let power_iters = match o.power_iters {
        SK_RSVD_POWER_ITERS_AUTO => None,
        p if p <= SK_RSVD_MAX_POWER_ITERS => Some(p as usize),
        p => {
            return Err(Error::invalid(format!(
                "power_iters = {p} exceeds {SK_RSVD_MAX_POWER_ITERS}"
            )))
        }
    };
    Ok(RsvdOptions {
        oversample: o.oversample as usize,
        power_iters,
        seed: o.seed,
    })
}

/// A dense row-major `rows x cols` output and its byte range.
fn out_matrix<'a, T>(
    name: &str,
    ptr: *mut T,
    rows: usize,
    cols: usize,
) -> Result<(MatMut<'a, T>, Range<usize>)> {
    checked_mut(name, (ptr, rows, cols, cols.max(1) as isize, 1))
}

/// An output vector of `len` elements and its byte range.
pub(super) fn out_vector<'a, T>(
    name: &str,
    ptr: *mut T,
    len: usize,
) -> Result<(&'a mut [T], Range<usize>)> {
    let range = region(ptr.cast_const(), len).map_err(|f| f.error(name))?;
    // SAFETY: the region was checked; the caller promises it is writable.
    let slice = unsafe {
        std::slice::from_raw_parts_mut(
            if len == 0 {
                std::ptr::NonNull::dangling().as_ptr()
            } else {
                ptr
            },
            len,
        )
    };
    Ok((slice, range))
}

/// Fails when any two of the named ranges overlap.
pub(super) fn all_disjoint(ranges: &[(&str, &Range<usize>)]) -> Result<()> {
    for (i, a) in ranges.iter().enumerate() {
        for b in &ranges[i + 1..] {
            disjoint(*a, *b)?;
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn qr_c<T: LinalgReal>(
    m: usize,
    n: usize,
    a: *const T,
    rsa: isize,
    csa: isize,
    q: *mut T,
    r: *mut T,
) -> Result<()> {
    let rk = m.min(n);
    let (a, ar) = checked_ref("a", (a, m, n, rsa, csa))?;
    let (q, qr) = out_matrix("q", q, m, rk)?;
    let (r, rr) = out_matrix("r", r, rk, n)?;
    all_disjoint(&[("q", &qr), ("r", &rr), ("a", &ar)])?;
    linalg::qr(a, q, r)
}

#[allow(clippy::too_many_arguments)]
fn svd_c<T: LinalgReal>(
    m: usize,
    n: usize,
    a: *const T,
    rsa: isize,
    csa: isize,
    u: *mut T,
    s: *mut T,
    vt: *mut T,
) -> Result<()> {
    let r = m.min(n);
    let (a, ar) = checked_ref("a", (a, m, n, rsa, csa))?;
    let (u, ur) = out_matrix("u", u, m, r)?;
    let (s, sr) = out_vector("s", s, r)?;
    let (vt, vr) = out_matrix("vt", vt, r, n)?;
    all_disjoint(&[("u", &ur), ("s", &sr), ("vt", &vr), ("a", &ar)])?;
    linalg::svd(a, u, s, vt)
}

#[allow(clippy::too_many_arguments)]
fn rsvd_c<T: LinalgReal>(
    m: usize,
    n: usize,
    a: *const T,
    rsa: isize,
    csa: isize,
    k: usize,
    opts: *const sk_rsvd_options,
    u: *mut T,
    s: *mut T,
    vt: *mut T,
) -> Result<()> {
    let opts = options(opts)?;
    // Before the output checks: their sizes come from k, and a k too large
    // would otherwise be reported as a (misleading) overlap or range error.
    if k > m.min(n) {
        return Err(Error::invalid(format!(
            "k = {k} exceeds min(m, n) = {}",
            m.min(n)
        )));
    }
    let (a, ar) = checked_ref("a", (a, m, n, rsa, csa))?;
    let (u, ur) = out_matrix("u", u, m, k)?;
    let (s, sr) = out_vector("s", s, k)?;
    let (vt, vr) = out_matrix("vt", vt, k, n)?;
    all_disjoint(&[("u", &ur), ("s", &sr), ("vt", &vr), ("a", &ar)])?;
    linalg::rsvd(a, k, &opts, u, s, vt)
}

/// Thin QR of the `m x n` matrix A (strides in elements): `A = Q R` with
/// Q (`m x r`, orthonormal columns) and R (`r x n`, upper trapezoidal,
/// zeros below the diagonal), `r = min(m, n)`, both dense row-major;
/// blocked Householder reflections.
///
/// @return `SK_OK`, `SK_ERR_NULL_POINTER`, or `SK_ERR_INVALID_ARGUMENT`
///         (zero stride, NaN or Inf in A, outputs overlapping each other
///         or A). Thread-safe for distinct outputs.
#[no_mangle]
pub extern "C" fn sk_qr_f64(
    m: usize,
    n: usize,
    a: *const f64,
    rsa: isize,
    csa: isize,
    q: *mut f64,
    r: *mut f64,
) -> sk_status {
    boundary!("sk_qr_f64", { qr_c(m, n, a, rsa, csa, q, r) })
}

/// Single-precision `sk_qr_f64`.
///
/// @return as `sk_qr_f64`.
#[no_mangle]
pub extern "C" fn sk_qr_f32(
    m: usize,
    n: usize,
    a: *const f32,
    rsa: isize,
    csa: isize,
    q: *mut f32,
    r: *mut f32,
) -> sk_status {
    boundary!("sk_qr_f32", { qr_c(m, n, a, rsa, csa, q, r) })
}

/// Thin SVD of the `m x n` matrix A (strides in elements):
/// `A = U diag(s) V^T` with U (`m x r`, dense row-major), s (r values,
/// descending, non-negative) and V^T (`r x n`, dense row-major),
/// `r = min(m, n)`. Golub–Kahan bidiagonalization (after a QR when
/// m >= 5n/3) and the Demmel–Kahan bidiagonal QR iteration; backward
/// stable, singular values accurate to about `eps * s[0]`.
///
/// @return `SK_OK`, `SK_ERR_NULL_POINTER`, `SK_ERR_INVALID_ARGUMENT`
///         (zero stride, NaN or Inf in A, outputs overlapping each other
///         or A), or `SK_ERR_NOT_CONVERGED` (the iteration limit of
///         `6 r^2` QR steps was reached; outputs untouched).
///         Thread-safe for distinct outputs.
#[no_mangle]
pub extern "C" fn sk_svd_f64(
    m: usize,
    n: usize,
    a: *const f64,
    rsa: isize,
    csa: isize,
    u: *mut f64,
    s: *mut f64,
    vt: *mut f64,
) -> sk_status {
    boundary!("sk_svd_f64", { svd_c(m, n, a, rsa, csa, u, s, vt) })
}

/// Single-precision `sk_svd_f64`.
///
/// @return as `sk_svd_f64`.
#[no_mangle]
pub extern "C" fn sk_svd_f32(
    m: usize,
    n: usize,
    a: *const f32,
    rsa: isize,
    csa: isize,
    u: *mut f32,
    s: *mut f32,
    vt: *mut f32,
) -> sk_status {
    boundary!("sk_svd_f32", { svd_c(m, n, a, rsa, csa, u, s, vt) })
}

/// Randomized rank-k SVD of the `m x n` matrix A (Halko, Martinsson and
/// Tropp): U (`m x k`, dense row-major), s (k values, descending) and V^T
/// (`k x n`, dense row-major). A seeded Gaussian test matrix with
/// `k + oversample` columns, `power_iters` power iterations
/// re-orthonormalized by Householder QR, then the SVD of the small
/// projected matrix. `opts` NULL means `sk_rsvd_options_default()`. The
/// same seed gives the same result whatever the thread count. k = 0 and
/// empty matrices are valid (nothing is written).
///
/// @return `SK_OK`, `SK_ERR_NULL_POINTER`, `SK_ERR_INVALID_ARGUMENT`
///         (k > min(m, n), zero stride, NaN or Inf in A, power_iters above
///         `SK_RSVD_MAX_POWER_ITERS`, outputs overlapping each other or A),
///         or `SK_ERR_NOT_CONVERGED`. Thread-safe for distinct outputs.
#[no_mangle]
pub extern "C" fn sk_rsvd_f64(
    m: usize,
    n: usize,
    a: *const f64,
    rsa: isize,
    csa: isize,
    k: usize,
    opts: *const sk_rsvd_options,
    u: *mut f64,
    s: *mut f64,
    vt: *mut f64,
) -> sk_status {
    boundary!("sk_rsvd_f64", {
        rsvd_c(m, n, a, rsa, csa, k, opts, u, s, vt)
    })
}

/// Single-precision `sk_rsvd_f64` (the test matrix has the same values,
/// rounded).
///
/// @return as `sk_rsvd_f64`.
#[no_mangle]
pub extern "C" fn sk_rsvd_f32(
    m: usize,
    n: usize,
    a: *const f32,
    rsa: isize,
    csa: isize,
    k: usize,
    opts: *const sk_rsvd_options,
    u: *mut f32,
    s: *mut f32,
    vt: *mut f32,
) -> sk_status {
    boundary!("sk_rsvd_f32", {
        rsvd_c(m, n, a, rsa, csa, k, opts, u, s, vt)
    })
}

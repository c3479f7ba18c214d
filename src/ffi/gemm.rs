//! C ABI of the GEMM family. Matrices are a pointer to element (0, 0), a
//! row stride and a column stride in elements (BLIS style): any non-zero
//! strides, so row-major, column-major and transposed views share one
//! entry point.

use super::{boundary, disjoint, region, sk_status};
use crate::error::{Error, Result};
use crate::gemm::GemmReal;
use crate::gemm::{self, matrix, MatMut, MatRef};
use std::ops::Range;

/// Checks a C matrix argument and returns the byte range it covers (empty
/// when it has no elements or is not read).
#[inline(always)]
fn matrix_range<T>(
    name: &str,
    ptr: *const T,
    rows: usize,
    cols: usize,
    rs: isize,
    cs: isize,
    read: bool,
) -> Result<Range<usize>> {
    let (lo, hi) = matrix::extent(rows, cols, rs, cs).map_err(|e| named(name, e))?;
    if rows == 0 || cols == 0 || !read {
        return Ok(0..0);
    }
    let size = std::mem::size_of::<T>() as isize;
    let base = lo
        .checked_mul(size)
        .and_then(|off| (ptr as isize).checked_add(off))
        .filter(|&b| b > 0 || ptr.is_null())
        .ok_or_else(|| named(name, Error::invalid("the matrix wraps the address space")))?;
    let len = (hi - lo) as usize + 1;
    if ptr.is_null() {
        return region(ptr, len).map_err(|f| f.error(name));
    }
    region(base as *const T, len).map_err(|f| f.error(name))
}

#[cold]
#[inline(never)]
fn named(name: &str, e: Error) -> Error {
    Error::new(e.kind(), format!("{name}: {}", e.message()))
}

/// Checks the three matrix arguments of a GEMM-shaped call (A m x k, B
/// k x n, C m x n; A and B read only when `reads_ab`) and returns them as
/// views: valid regions, C's elements distinct, C disjoint from A and B.
#[allow(clippy::type_complexity)]
#[inline(always)]
pub(super) fn gemm_views<'a, A, B, C>(
    (m, n, k): (usize, usize, usize),
    (a, rsa, csa): (*const A, isize, isize),
    (b, rsb, csb): (*const B, isize, isize),
    (c, rsc, csc): (*mut C, isize, isize),
    reads_ab: bool,
) -> Result<(MatRef<'a, A>, MatRef<'a, B>, MatMut<'a, C>)> {
    let ar = matrix_range("a", a, m, k, rsa, csa, reads_ab)?;
    let br = matrix_range("b", b, k, n, rsb, csb, reads_ab)?;
    let cr = matrix_range("c", c.cast_const(), m, n, rsc, csc, true)?;
    matrix::check_distinct(m, n, rsc, csc)?;
    disjoint(("c", &cr), ("a", &ar))?;
    disjoint(("c", &cr), ("b", &br))?;
    // SAFETY: the ranges were checked; the caller promises the memory is
    // valid, and C shares no byte with A or B.
    Ok(unsafe {
        (
            MatRef::from_raw(a, m, k, rsa, csa),
            MatRef::from_raw(b, k, n, rsb, csb),
            MatMut::from_raw(c, m, n, rsc, csc),
        )
    })
}

/// A checked read-only matrix argument and the byte range it covers.
pub(super) fn checked_ref<'a, T>(
    name: &str,
    (ptr, rows, cols, rs, cs): (*const T, usize, usize, isize, isize),
) -> Result<(MatRef<'a, T>, Range<usize>)> {
    let range = matrix_range(name, ptr, rows, cols, rs, cs, true)?;
    // SAFETY: the range was checked; the caller promises it is readable.
    Ok((unsafe { MatRef::from_raw(ptr, rows, cols, rs, cs) }, range))
}

/// A checked output matrix argument (distinct elements) and its range.
pub(super) fn checked_mut<'a, T>(
    name: &str,
    (ptr, rows, cols, rs, cs): (*mut T, usize, usize, isize, isize),
) -> Result<(MatMut<'a, T>, Range<usize>)> {
    let range = matrix_range(name, ptr.cast_const(), rows, cols, rs, cs, true)?;
    matrix::check_distinct(rows, cols, rs, cs).map_err(|e| named(name, e))?;
    // SAFETY: the range was checked; the caller promises it is writable.
    Ok((unsafe { MatMut::from_raw(ptr, rows, cols, rs, cs) }, range))
}

/// Shared body of the four GEMM entry points.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn gemm_c<T: GemmReal>(
    strassen: bool,
    (m, n, k): (usize, usize, usize),
    alpha: T,
    a: (*const T, isize, isize),
    b: (*const T, isize, isize),
    beta: T,
    c: (*mut T, isize, isize),
) -> Result<()> {
    let reads_ab = alpha != T::ZERO && k > 0;
    let (a, b, c) = gemm_views((m, n, k), a, b, c, reads_ab)?;
    if strassen {
        gemm::gemm_strassen(alpha, a, b, beta, c)
    } else {
        gemm::gemm(alpha, a, b, beta, c)
    }
}

/// Single-precision `C = alpha * A * B + beta * C` (A m x k, B k x n,
/// C m x n), BLIS-style strides in elements.
///
/// `beta == 0` never reads C (NaN there does not leak); `alpha == 0` never
/// reads A or B (they may then be NULL); m, n or k == 0 behave as in BLAS.
/// Results do not depend on the thread count.
///
/// @return `SK_OK`, `SK_ERR_NULL_POINTER`, or `SK_ERR_INVALID_ARGUMENT`
///         (zero stride, size overflow, misaligned pointer, C overlapping A
///         or B, C strides that are not a (possibly padded) row- or
///         column-major layout: `|rsc| * m <= |csc|` or `|csc| * n <= |rsc|`
///         is required when m, n > 1, which rules out two elements sharing
///         an address).
///         Thread-safe for disjoint outputs.
#[no_mangle]
pub extern "C" fn sk_sgemm(
    m: usize,
    n: usize,
    k: usize,
    alpha: f32,
    a: *const f32,
    rsa: isize,
    csa: isize,
    b: *const f32,
    rsb: isize,
    csb: isize,
    beta: f32,
    c: *mut f32,
    rsc: isize,
    csc: isize,
) -> sk_status {
    boundary!("sk_sgemm", {
        gemm_c(
            false,
            (m, n, k),
            alpha,
            (a, rsa, csa),
            (b, rsb, csb),
            beta,
            (c, rsc, csc),
        )
    })
}

/// Double-precision GEMM; see `sk_sgemm`.
#[no_mangle]
pub extern "C" fn sk_dgemm(
    m: usize,
    n: usize,
    k: usize,
    alpha: f64,
    a: *const f64,
    rsa: isize,
    csa: isize,
    b: *const f64,
    rsb: isize,
    csb: isize,
    beta: f64,
    c: *mut f64,
    rsc: isize,
    csc: isize,
) -> sk_status {
    boundary!("sk_dgemm", {
        gemm_c(
            false,
            (m, n, k),
            alpha,
            (a, rsa, csa),
            (b, rsb, csb),
            beta,
            (c, rsc, csc),
        )
    })
}

/// Single-precision GEMM through Strassen–Winograd recursion over the
/// blocked GEMM; same arguments and statuses as `sk_sgemm`. Its normwise
/// error bound is looser than the classical product's (see README).
#[no_mangle]
pub extern "C" fn sk_sgemm_strassen(
    m: usize,
    n: usize,
    k: usize,
    alpha: f32,
    a: *const f32,
    rsa: isize,
    csa: isize,
    b: *const f32,
    rsb: isize,
    csb: isize,
    beta: f32,
    c: *mut f32,
    rsc: isize,
    csc: isize,
) -> sk_status {
    boundary!("sk_sgemm_strassen", {
        gemm_c(
            true,
            (m, n, k),
            alpha,
            (a, rsa, csa),
            (b, rsb, csb),
            beta,
            (c, rsc, csc),
        )
    })
}

/// Double-precision Strassen–Winograd GEMM; see `sk_sgemm_strassen`.
#[no_mangle]
pub extern "C" fn sk_dgemm_strassen(
    m: usize,
    n: usize,
    k: usize,
    alpha: f64,
    a: *const f64,
    rsa: isize,
    csa: isize,
    b: *const f64,
    rsb: isize,
    csb: isize,
    beta: f64,
    c: *mut f64,
    rsc: isize,
    csc: isize,
) -> sk_status {
    boundary!("sk_dgemm_strassen", {
        gemm_c(
            true,
            (m, n, k),
            alpha,
            (a, rsa, csa),
            (b, rsb, csb),
            beta,
            (c, rsc, csc),
        )
    })
}

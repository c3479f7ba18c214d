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

/// Bound on every size and stride [`plain_gemm_args`] accepts: below it
/// no extent or byte count can overflow (2^26 * 2^26 * 2 * 8 < 2^63).
const PLAIN_LIMIT: usize = 1 << 26;

/// Byte range of a matrix whose sizes and strides are positive and below
/// [`PLAIN_LIMIT`] (so nothing overflows); `None` when it is NULL,
/// misaligned or wraps the address space.
#[inline(always)]
fn plain_range<T>(
    ptr: *const T,
    rows: usize,
    cols: usize,
    rs: isize,
    cs: isize,
) -> Option<Range<usize>> {
    let size = std::mem::size_of::<T>();
    let bytes = ((rows - 1) * rs as usize + (cols - 1) * cs as usize + 1) * size;
    let start = ptr as usize;
    let aligned = start.is_multiple_of(std::mem::align_of::<T>());
    (start != 0 && aligned)
        .then(|| start.checked_add(bytes))
        .flatten()
        .map(|end| start..end)
}

/// Whether [`gemm_views`] would accept these arguments, tested in a few
/// dozen instructions for the common case (every size non-zero, every
/// stride positive, all below [`PLAIN_LIMIT`], A and B read); on `false`
/// the checked path runs and reports what is wrong. On a 16 x 16 product
/// the checked path was a sixth of the call.
#[allow(clippy::type_complexity)]
#[inline(always)]
fn plain_gemm_args<A, B, C>(
    (m, n, k): (usize, usize, usize),
    (a, rsa, csa): (*const A, isize, isize),
    (b, rsb, csb): (*const B, isize, isize),
    (c, rsc, csc): (*mut C, isize, isize),
) -> bool {
    let limit = PLAIN_LIMIT as isize;
    let sizes_ok = [m, n, k]
        .iter()
        .all(|&d| d.wrapping_sub(1) < PLAIN_LIMIT - 1);
    let strides_ok = [rsa, csa, rsb, csb, rsc, csc]
        .iter()
        .all(|&s| s.wrapping_sub(1) < limit - 1 && s > 0);
    if !(sizes_ok && strides_ok) {
        return false;
    }
    let (Some(ar), Some(br), Some(cr)) = (
        plain_range(a, m, k, rsa, csa),
        plain_range(b, k, n, rsb, csb),
        plain_range(c.cast_const(), m, n, rsc, csc),
    ) else {
        return false;
    };
    // check_distinct: a (possibly padded) row- or column-major C.
    let (rsc, csc) = (rsc as usize, csc as usize);
    let distinct = m == 1 || n == 1 || rsc * m <= csc || csc * n <= rsc;
    let apart = |r: &Range<usize>| cr.end <= r.start || r.end <= cr.start;
    distinct && apart(&ar) && apart(&br)
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
    let (a, b, c) = if reads_ab && plain_gemm_args((m, n, k), a, b, c) {
        // SAFETY: the arguments pass every check gemm_views makes.
        unsafe {
            (
                MatRef::from_raw(a.0, m, k, a.1, a.2),
                MatRef::from_raw(b.0, k, n, b.1, b.2),
                MatMut::from_raw(c.0, m, n, c.1, c.2),
            )
        }
    } else {
        gemm_views((m, n, k), a, b, c, reads_ab)?
    };
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::Rng;

    /// Random GEMM arguments (sizes at and around the plain limit, strides
    /// of every sign, NULL, misaligned and wrapping pointers, C overlapping
    /// A or B): whenever the quick test accepts, the checked path accepts
    /// too; and it does accept the ordinary layouts.
    #[test]
    fn plain_check_accepts_only_what_the_checked_path_accepts() {
        let mut rng = Rng::new(21);
        let sizes = [
            0usize,
            1,
            2,
            3,
            16,
            255,
            PLAIN_LIMIT - 1,
            PLAIN_LIMIT,
            usize::MAX,
        ];
        let strides = [
            -3isize,
            -1,
            0,
            1,
            2,
            17,
            300,
            PLAIN_LIMIT as isize - 1,
            PLAIN_LIMIT as isize,
            isize::MAX,
        ];
        let bases = [0usize, 2, 0x1000_0002, usize::MAX - 64];
        let mut accepted = 0;
        for _ in 0..200_000 {
            // Half of the draws from ordinary values, so that the other
            // checks (distinct C, C apart from A and B) get exercised.
            let size = |rng: &mut Rng| match rng.below(2) {
                0 => sizes[rng.below(sizes.len())],
                _ => 1 + rng.below(20),
            };
            let mnk = (size(&mut rng), size(&mut rng), size(&mut rng));
            let stride = |rng: &mut Rng| match rng.below(2) {
                0 => strides[rng.below(strides.len())],
                _ => 1 + rng.below(24) as isize,
            };
            let mat = |rng: &mut Rng| {
                let base = match rng.below(3) {
                    0 => bases[rng.below(bases.len())],
                    _ => 0x1000_0000 + 4 * rng.below(400),
                };
                (base as *mut f32, stride(rng), stride(rng))
            };
            let (a, b, c) = (mat(&mut rng), mat(&mut rng), mat(&mut rng));
            let (a, b) = ((a.0.cast_const(), a.1, a.2), (b.0.cast_const(), b.1, b.2));
            if plain_gemm_args(mnk, a, b, c) {
                accepted += 1;
                assert!(
                    gemm_views(mnk, a, b, c, true).is_ok(),
                    "{mnk:?} {a:?} {b:?} {c:?}"
                );
            }
        }
        assert!(accepted > 0, "the quick test never accepted");
        let (a, b, c) = (0x1000_0000usize, 0x2000_0000usize, 0x3000_0000usize);
        for (m, n, k) in [(1, 1, 1), (16, 16, 16), (7, 300, 5)] {
            let row = |p: usize, cols: usize| (p as *const f64, cols as isize, 1);
            let col = |p: usize, rows: usize| (p as *const f64, 1, rows as isize);
            let cm = (c as *mut f64, n as isize, 1);
            assert!(plain_gemm_args((m, n, k), row(a, k), row(b, n), cm));
            assert!(plain_gemm_args((m, n, k), col(a, m), col(b, k), cm));
        }
    }
}

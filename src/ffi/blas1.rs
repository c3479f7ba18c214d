//! C ABI of the level-1 family. Increments follow BLAS: a negative
//! increment walks the vector backwards from the highest address, and the
//! pointer passed is always the lowest address the vector covers.

use super::{
    boundary, disjoint, fits, out, sk_status, slice, slice_unchecked, strided, strided_mut,
    strided_range,
};
use crate::blas1::{self, Real};

/// Largest n for which `sk_dot_u8s8` can never overflow int32:
/// `floor(2^31 / (255 * 128))`.
pub const SK_DOT_U8S8_SAFE_N: usize = 65793;

/// Shared body of `sk_sdot` / `sk_ddot`. The contiguous case with valid
/// pointers is tested in a few branches and goes straight to the kernel:
/// at small n the argument plumbing is a visible part of the call.
#[inline(always)]
fn dot<T: Real>(
    n: usize,
    x: *const T,
    incx: isize,
    y: *const T,
    incy: isize,
    res: *mut T,
) -> crate::Result<()> {
    if incx == 1 && incy == 1 && fits(x, n) && fits(y, n) && fits(res.cast_const(), 1) {
        // SAFETY: checked just above; the caller promises the memory is valid.
        unsafe {
            let (xs, ys) = (slice_unchecked(x, n), slice_unchecked(y, n));
            *res = blas1::dot_contiguous(xs, ys)?;
        }
        return Ok(());
    }
    dot_checked(n, x, incx, y, incy, res)
}

/// Every other case of [`dot`]: strided views, and the reports of bad input.
#[inline(never)]
fn dot_checked<T: Real>(
    n: usize,
    x: *const T,
    incx: isize,
    y: *const T,
    incy: isize,
    res: *mut T,
) -> crate::Result<()> {
    let res = out("out", res)?;
    // SAFETY: the checks passed; the caller promises the memory is readable.
    let (xv, _) = unsafe { strided("x", x, n, incx)? };
    let (yv, _) = unsafe { strided("y", y, n, incy)? };
    *res = blas1::dot(xv, yv)?;
    Ok(())
}

/// Shared body of `sk_saxpy` / `sk_daxpy`.
fn axpy<T: Real>(
    n: usize,
    alpha: T,
    x: *const T,
    incx: isize,
    y: *mut T,
    incy: isize,
) -> crate::Result<()> {
    let (span, yr) = strided_range("y", y.cast_const(), n, incy)?;
    // SAFETY: the checks passed; the caller promises the memory is valid.
    let (xv, xr) = unsafe { strided("x", x, n, incx)? };
    disjoint(("x", &xr), ("y", &yr))?;
    // SAFETY: y is checked and does not overlap x.
    let yv = unsafe { strided_mut(y, n, incy, span)? };
    blas1::axpy(alpha, xv, yv)
}

/// Shared body of `sk_sscal` / `sk_dscal`.
fn scal<T: Real>(n: usize, alpha: T, x: *mut T, incx: isize) -> crate::Result<()> {
    let (span, _) = strided_range("x", x.cast_const(), n, incx)?;
    // SAFETY: x is checked; the caller promises it is writable.
    let xv = unsafe { strided_mut(x, n, incx, span)? };
    blas1::scal(alpha, xv);
    Ok(())
}

/// Shared body of the single-vector reductions.
fn reduce<T: Real, R>(
    n: usize,
    x: *const T,
    incx: isize,
    res: *mut R,
    f: impl FnOnce(blas1::Strided<T>) -> R,
) -> crate::Result<()> {
    let res = out("out", res)?;
    // SAFETY: the checks passed; the caller promises the memory is readable.
    let (xv, _) = unsafe { strided("x", x, n, incx)? };
    *res = f(xv);
    Ok(())
}

/// Single-precision dot product `out = sum x[i*incx] * y[i*incy]`.
///
/// @param n      number of elements; 0 gives 0.
/// @param x,y    vectors (may be NULL when n == 0); element addresses must be
///               aligned for float.
/// @param incx,incy increments in elements, non-zero, negative as in BLAS.
/// @param out    result, written only on success.
/// @return `SK_OK`, `SK_ERR_NULL_POINTER`, or `SK_ERR_INVALID_ARGUMENT`
///         (zero increment, n * inc overflows, misaligned pointer).
///         Thread-safe.
#[no_mangle]
pub extern "C" fn sk_sdot(
    n: usize,
    x: *const f32,
    incx: isize,
    y: *const f32,
    incy: isize,
    out: *mut f32,
) -> sk_status {
    boundary!("sk_sdot", { dot(n, x, incx, y, incy, out) })
}

/// Double-precision dot product; see `sk_sdot` for arguments and statuses.
#[no_mangle]
pub extern "C" fn sk_ddot(
    n: usize,
    x: *const f64,
    incx: isize,
    y: *const f64,
    incy: isize,
    out: *mut f64,
) -> sk_status {
    boundary!("sk_ddot", { dot(n, x, incx, y, incy, out) })
}

/// Exact dot product of unsigned and signed bytes, `out = sum x[i] * y[i]`
/// in int32 (VPDPBUSD on AVX-512 VNNI; every path gives the same integer).
/// Never fails for n <= 65793 (`floor(2^31 / (255 * 128))`); longer inputs
/// are summed exactly and fail only when the result does not fit int32.
///
/// @return `SK_OK`, `SK_ERR_NULL_POINTER`, or `SK_ERR_INVALID_ARGUMENT`
///         (the result overflows int32, n overflows). Thread-safe.
#[no_mangle]
pub extern "C" fn sk_dot_u8s8(n: usize, x: *const u8, y: *const i8, out: *mut i32) -> sk_status {
    boundary!("sk_dot_u8s8", {
        if fits(x, n) && fits(y, n) && fits(out.cast_const(), 1) {
            // SAFETY: checked just above; the caller promises n readable bytes.
            unsafe { *out = blas1::dot_u8s8(slice_unchecked(x, n), slice_unchecked(y, n))? };
            return Ok(());
        }
        let res = super::out("out", out)?;
        // SAFETY: the checks passed; the caller promises n readable bytes.
        let (xs, ys) = unsafe { (slice("x", x, n)?, slice("y", y, n)?) };
        *res = blas1::dot_u8s8(xs, ys)?;
        Ok(())
    })
}

/// `y[i*incy] += alpha * x[i*incx]` in single precision.
///
/// @return `SK_OK`, `SK_ERR_NULL_POINTER`, or `SK_ERR_INVALID_ARGUMENT`
///         (zero increment, overflow, misaligned pointer, x and y overlap).
///         Thread-safe for disjoint outputs.
#[no_mangle]
pub extern "C" fn sk_saxpy(
    n: usize,
    alpha: f32,
    x: *const f32,
    incx: isize,
    y: *mut f32,
    incy: isize,
) -> sk_status {
    boundary!("sk_saxpy", { axpy(n, alpha, x, incx, y, incy) })
}

/// `y += alpha * x` in double precision; see `sk_saxpy`.
#[no_mangle]
pub extern "C" fn sk_daxpy(
    n: usize,
    alpha: f64,
    x: *const f64,
    incx: isize,
    y: *mut f64,
    incy: isize,
) -> sk_status {
    boundary!("sk_daxpy", { axpy(n, alpha, x, incx, y, incy) })
}

/// `x[i*incx] *= alpha` in single precision (IEEE: 0 * NaN stays NaN).
///
/// @return `SK_OK`, `SK_ERR_NULL_POINTER` or `SK_ERR_INVALID_ARGUMENT`.
///         Thread-safe for disjoint vectors.
#[no_mangle]
pub extern "C" fn sk_sscal(n: usize, alpha: f32, x: *mut f32, incx: isize) -> sk_status {
    boundary!("sk_sscal", { scal(n, alpha, x, incx) })
}

/// `x *= alpha` in double precision; see `sk_sscal`.
#[no_mangle]
pub extern "C" fn sk_dscal(n: usize, alpha: f64, x: *mut f64, incx: isize) -> sk_status {
    boundary!("sk_dscal", { scal(n, alpha, x, incx) })
}

/// Euclidean norm in single precision, without overflow or underflow of
/// intermediates (squares are accumulated in double). NaN anywhere gives
/// NaN, otherwise an infinite element gives +Inf; n == 0 gives 0.
///
/// @return `SK_OK`, `SK_ERR_NULL_POINTER` or `SK_ERR_INVALID_ARGUMENT`.
///         Thread-safe.
#[no_mangle]
pub extern "C" fn sk_snrm2(n: usize, x: *const f32, incx: isize, out: *mut f32) -> sk_status {
    boundary!("sk_snrm2", { reduce(n, x, incx, out, |v| blas1::nrm2(v)) })
}

/// Euclidean norm in double precision; inputs whose largest magnitude is
/// outside [2^-450, 2^450] are scaled by an exact power of two first.
/// See `sk_snrm2`.
#[no_mangle]
pub extern "C" fn sk_dnrm2(n: usize, x: *const f64, incx: isize, out: *mut f64) -> sk_status {
    boundary!("sk_dnrm2", { reduce(n, x, incx, out, |v| blas1::nrm2(v)) })
}

/// Sum of absolute values in single precision; n == 0 gives 0.
///
/// @return `SK_OK`, `SK_ERR_NULL_POINTER` or `SK_ERR_INVALID_ARGUMENT`.
///         Thread-safe.
#[no_mangle]
pub extern "C" fn sk_sasum(n: usize, x: *const f32, incx: isize, out: *mut f32) -> sk_status {
    boundary!("sk_sasum", { reduce(n, x, incx, out, |v| blas1::asum(v)) })
}

/// Sum of absolute values in double precision; see `sk_sasum`.
#[no_mangle]
pub extern "C" fn sk_dasum(n: usize, x: *const f64, incx: isize, out: *mut f64) -> sk_status {
    boundary!("sk_dasum", { reduce(n, x, incx, out, |v| blas1::asum(v)) })
}

/// Zero-based index of the first element of largest absolute value (single
/// precision). NaN counts as larger than any number: with NaNs present the
/// index of the first NaN is returned. n == 0 stores SIZE_MAX.
///
/// @return `SK_OK`, `SK_ERR_NULL_POINTER` or `SK_ERR_INVALID_ARGUMENT`.
///         Thread-safe.
#[no_mangle]
pub extern "C" fn sk_isamax(n: usize, x: *const f32, incx: isize, out: *mut usize) -> sk_status {
    boundary!("sk_isamax", {
        reduce(n, x, incx, out, |v| blas1::iamax(v).unwrap_or(usize::MAX))
    })
}

/// Zero-based index of the first element of largest absolute value (double
/// precision); see `sk_isamax`.
#[no_mangle]
pub extern "C" fn sk_idamax(n: usize, x: *const f64, incx: isize, out: *mut usize) -> sk_status {
    boundary!("sk_idamax", {
        reduce(n, x, incx, out, |v| blas1::iamax(v).unwrap_or(usize::MAX))
    })
}

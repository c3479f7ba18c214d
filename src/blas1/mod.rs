//! Level-1 vector kernels: dot products, axpy, scal, nrm2, asum, iamax.
//!
//! Vectors are [`Strided`] views with BLAS increment semantics. Unit-stride
//! views (increment +1 or -1 where the order does not matter) run the SIMD
//! kernels of the active ISA; other strides run the scalar reference.
//! Level-1 kernels run on the calling thread: at these sizes the work is
//! bound by memory bandwidth, which one core of the target machines nearly
//! saturates, and one thread keeps every result independent of the pool.

pub mod kernels;
pub mod real;
pub mod reference;
pub mod strided;
#[cfg(target_arch = "x86_64")]
pub(crate) mod x86_64;

#[cfg(test)]
mod tests;

use crate::error::{Error, Result};
use crate::runtime::active_isa;
use kernels::{Kernels, U8S8_CHUNK};
pub use real::Real;
pub use strided::{Strided, StridedMut};

/// Largest `n` for which [`dot_u8s8`] can never overflow int32:
/// `floor(2^31 / (255 * 128))`. Longer inputs are accepted and fail only
/// when the exact result does not fit in int32.
/// cbindgen:ignore
pub const DOT_U8S8_SAFE_N: usize = 65793;

/// The table of the active rung (always one the CPU has).
#[inline]
fn active<T: Real>() -> &'static Kernels<T> {
    T::select(active_isa())
}

/// Both views as contiguous slices when every element pair can be visited
/// in memory order: both increments +1, or both -1.
#[inline]
fn paired_units<'a, T: Real>(x: &Strided<'a, T>, y: &Strided<'_, T>) -> Option<&'a [T]> {
    (x.inc() == y.inc()).then(|| x.unit()).flatten()
}

#[inline]
fn same_len(a: usize, b: usize) -> Result<()> {
    if a != b {
        return Err(length_error(a, b));
    }
    Ok(())
}

#[cold]
fn length_error(a: usize, b: usize) -> Error {
    Error::dimension(format!("vector lengths differ: {a} and {b}"))
}

/// Dot product `sum x[i] * y[i]`.
#[inline]
pub fn dot<'a, T: Real>(x: impl Into<Strided<'a, T>>, y: impl Into<Strided<'a, T>>) -> Result<T> {
    dot_on(active(), x.into(), y.into())
}

/// Dot product of two contiguous slices: [`dot`] without the strided view
/// plumbing, for callers (the C ABI) whose short calls feel every branch.
#[inline]
pub fn dot_contiguous<T: Real>(x: &[T], y: &[T]) -> Result<T> {
    same_len(x.len(), y.len())?;
    if x.is_empty() {
        return Ok(T::ZERO);
    }
    // SAFETY: the active table is always one the CPU supports.
    Ok(unsafe { (active::<T>().dot)(x, y) })
}

#[inline]
pub(crate) fn dot_on<T: Real>(k: &Kernels<T>, x: Strided<T>, y: Strided<T>) -> Result<T> {
    same_len(x.len(), y.len())?;
    if x.is_empty() {
        return Ok(T::ZERO);
    }
    match (paired_units(&x, &y), y.unit()) {
        // SAFETY: the table is only handed out for a supported ISA.
        (Some(xs), Some(ys)) => Ok(unsafe { (k.dot)(xs, ys) }),
        _ => Ok(reference::dot(x, y)),
    }
}

/// `y += alpha * x`.
pub fn axpy<'a, T: Real>(
    alpha: T,
    x: impl Into<Strided<'a, T>>,
    y: impl Into<StridedMut<'a, T>>,
) -> Result<()> {
    axpy_on(active(), alpha, x.into(), y.into())
}

pub(crate) fn axpy_on<T: Real>(
    k: &Kernels<T>,
    alpha: T,
    x: Strided<T>,
    mut y: StridedMut<T>,
) -> Result<()> {
    same_len(x.len(), y.len())?;
    let same_order = x.inc() == y.inc();
    match (x.unit(), y.unit_mut()) {
        // SAFETY: the table is only handed out for a supported ISA.
        (Some(xs), Some(ys)) if same_order => unsafe { (k.axpy)(alpha, xs, ys) },
        _ => reference::axpy(alpha, x, &mut y),
    }
    Ok(())
}

/// `x *= alpha` (IEEE multiplication: `alpha == 0` keeps NaN and Inf as NaN).
pub fn scal<'a, T: Real>(alpha: T, x: impl Into<StridedMut<'a, T>>) {
    scal_on(active(), alpha, x.into())
}

pub(crate) fn scal_on<T: Real>(k: &Kernels<T>, alpha: T, mut x: StridedMut<T>) {
    match x.unit_mut() {
        // SAFETY: the table is only handed out for a supported ISA.
        Some(xs) => unsafe { (k.scal)(alpha, xs) },
        None => reference::scal(alpha, &mut x),
    }
}

/// Sum of absolute values.
pub fn asum<'a, T: Real>(x: impl Into<Strided<'a, T>>) -> T {
    asum_on(active(), x.into())
}

pub(crate) fn asum_on<T: Real>(k: &Kernels<T>, x: Strided<T>) -> T {
    match x.unit() {
        // SAFETY: the table is only handed out for a supported ISA.
        Some(xs) => unsafe { (k.asum)(xs) },
        None => reference::asum(x),
    }
}

/// Euclidean norm, without overflow or underflow in intermediate results.
///
/// Squares are summed in f64 in one pass. For f32 input that sum can
/// neither overflow nor lose precision to underflow, so one pass is the
/// whole job. For f64 input, a sum that overflowed or fell below `2^-968`
/// (where squares lose precision) is redone after scaling by an exact
/// power of two chosen from the largest magnitude. NaN anywhere gives NaN;
/// otherwise an infinite element gives +Inf.
pub fn nrm2<'a, T: Real>(x: impl Into<Strided<'a, T>>) -> T {
    nrm2_on(active(), x.into())
}

pub(crate) fn nrm2_on<T: Real>(k: &Kernels<T>, x: Strided<T>) -> T {
    const fn pow2(e: i64) -> f64 {
        f64::from_bits(((1023 + e) as u64) << 52)
    }
    const TINY_SUM: f64 = pow2(-968); // 2^-1022 normal range plus 54 bits
    const SAFE_HI: f64 = pow2(450);
    const SAFE_LO: f64 = pow2(-450);
    let unit = x.unit();
    let sumsq = |scale: f64| match unit {
        // SAFETY: the table is only handed out for a supported ISA.
        Some(xs) => unsafe { (k.sumsq)(xs, scale) },
        None => reference::sumsq(x, scale),
    };
    let sum = sumsq(1.0);
    if sum.is_nan() || (sum.is_finite() && sum >= TINY_SUM) {
        return T::from_f64(sum.sqrt());
    }
    // Overflowed, underflowing or zero: look at the largest magnitude.
    let (max, nan) = match unit {
        // SAFETY: as above.
        Some(xs) => unsafe { (k.amax)(xs) },
        None => reference::amax(x),
    };
    let max = max.to_f64();
    if nan {
        return T::from_f64(f64::NAN);
    }
    if max == 0.0 || max.is_infinite() {
        return T::from_f64(max);
    }
    // Bring the largest magnitude near 1: its square and n of them stay in
    // range, and squares too small to matter may underflow harmlessly.
    let scale = if max > SAFE_HI {
        pow2(-600)
    } else if max < SAFE_LO {
        pow2(600)
    } else {
        1.0
    };
    T::from_f64(sumsq(scale).sqrt() / scale)
}

/// Index of the first element of largest absolute value, or `None` for an
/// empty vector. NaN counts as larger than every number, so the index of
/// the first NaN is returned when there is one (unlike reference BLAS,
/// whose answer then depends on where the NaN sits).
pub fn iamax<'a, T: Real>(x: impl Into<Strided<'a, T>>) -> Option<usize> {
    iamax_on(active(), x.into())
}

pub(crate) fn iamax_on<T: Real>(k: &Kernels<T>, x: Strided<T>) -> Option<usize> {
    if x.is_empty() {
        return None;
    }
    let forward = (x.inc() == 1).then(|| x.unit()).flatten();
    let (max, nan) = match forward {
        // SAFETY: the table is only handed out for a supported ISA.
        Some(xs) => unsafe { (k.amax)(xs) },
        None => reference::amax(x),
    };
    Some(match (nan, forward) {
        (true, _) => reference::first_nan(x),
        // SAFETY: as above.
        (false, Some(xs)) => unsafe { (k.first_abs_eq)(xs, max) },
        (false, None) => reference::first_abs_eq(x, max),
    })
}

/// Exact `sum x[i] * y[i]` of unsigned by signed bytes (VPDPBUSD under
/// VNNI). Never overflows for `n <= DOT_U8S8_SAFE_N`; for longer inputs the
/// sum is exact in 64 bits and an error is returned only if it does not
/// fit in int32.
#[inline]
pub fn dot_u8s8(x: &[u8], y: &[i8]) -> Result<i32> {
    dot_u8s8_on(kernels::select_dot_u8s8(active_isa()), x, y)
}

#[inline]
pub(crate) fn dot_u8s8_on(kernel: kernels::DotU8s8, x: &[u8], y: &[i8]) -> Result<i32> {
    same_len(x.len(), y.len())?;
    if x.len() <= U8S8_CHUNK {
        // SAFETY: at most one chunk; the ISA is supported.
        return Ok(unsafe { kernel(x, y) });
    }
    let total: i64 = x
        .chunks(U8S8_CHUNK)
        .zip(y.chunks(U8S8_CHUNK))
        // SAFETY: chunks are at most U8S8_CHUNK long; supported ISA.
        .map(|(xc, yc)| i64::from(unsafe { kernel(xc, yc) }))
        .sum();
    i32::try_from(total).map_err(|_| Error::invalid(format!("u8 x s8 dot {total} overflows int32")))
}

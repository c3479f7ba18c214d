//! The C ABI, and nothing else: argument conversion and checking, the
//! panic-catching boundary, the status codes and the thread-local error
//! message. Arithmetic lives in the families; these functions only turn C
//! arguments into safe Rust calls.

#![allow(non_camel_case_types)]
// C callers cannot see `unsafe`: every exported function documents what its
// pointers must satisfy and checks everything it can (NULL, alignment, size).
#![allow(clippy::not_unsafe_ptr_arg_deref)]

use crate::error::{Error, ErrorKind, Result};
use std::cell::RefCell;
use std::ops::Range;
use std::panic::{self, AssertUnwindSafe};

pub mod blas1;
pub mod gemm;
pub mod int8;
pub mod linalg;
pub mod quant;
pub mod rans;
pub mod runtime;
pub mod sparse;

/// Result code of every fallible simdkern function. Values are pinned and
/// new codes are only appended.
pub type sk_status = i32;

/// Success.
pub const SK_OK: sk_status = 0;
/// A required pointer is NULL (NULL with a zero length is fine).
pub const SK_ERR_NULL_POINTER: sk_status = 1;
/// A bad value: zero stride, overflow in a size, NaN where forbidden,
/// unknown enum value, overlapping output.
pub const SK_ERR_INVALID_ARGUMENT: sk_status = 2;
/// Shapes do not agree.
pub const SK_ERR_DIMENSION_MISMATCH: sk_status = 3;
/// The caller's output capacity is too small.
pub const SK_ERR_BUFFER_TOO_SMALL: sk_status = 4;
/// An allocation failed.
pub const SK_ERR_OUT_OF_MEMORY: sk_status = 5;
/// Compressed input is malformed.
pub const SK_ERR_CORRUPT_DATA: sk_status = 6;
/// Compressed input fails its checksum.
pub const SK_ERR_CHECKSUM_MISMATCH: sk_status = 7;
/// A valid request this build or CPU cannot serve.
pub const SK_ERR_UNSUPPORTED: sk_status = 8;
/// No usable GPU.
pub const SK_ERR_NO_DEVICE: sk_status = 9;
/// The GPU driver reported an error.
pub const SK_ERR_DEVICE: sk_status = 10;
/// An iterative method did not converge.
pub const SK_ERR_NOT_CONVERGED: sk_status = 11;
/// A bug in simdkern, for example a caught panic; please report it.
pub const SK_ERR_INTERNAL: sk_status = 12;

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

pub(crate) fn set_last_error(message: String) {
    LAST_ERROR.with(|m| *m.borrow_mut() = message);
}

pub(crate) fn with_last_error<R>(f: impl FnOnce(&str) -> R) -> R {
    LAST_ERROR.with(|m| f(&m.borrow()))
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("unknown panic")
}

/// Runs an exported function's body: maps its error to a status and records
/// the message, and turns a panic into `SK_ERR_INTERNAL`.
#[inline(always)]
pub(crate) fn run(function: &str, body: impl FnOnce() -> Result<()>) -> sk_status {
    match panic::catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => SK_OK,
        Ok(Err(e)) => report_error(function, e),
        Err(payload) => report_panic(function, payload),
    }
}

/// Records a failure's message; out of line so the success path of every
/// entry point stays small.
#[cold]
#[inline(never)]
fn report_error(function: &str, e: Error) -> sk_status {
    set_last_error(format!("{function}: {}", e.message()));
    e.kind().status()
}

#[cold]
#[inline(never)]
fn report_panic(function: &str, payload: Box<dyn std::any::Any + Send>) -> sk_status {
    set_last_error(format!(
        "{function}: internal error (please report): {}",
        panic_text(payload.as_ref())
    ));
    SK_ERR_INTERNAL
}

/// Like [`run`] for functions that return a value rather than a status:
/// a panic yields `fallback`.
pub(crate) fn run_value<T>(function: &str, fallback: T, body: impl FnOnce() -> T) -> T {
    panic::catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|payload| {
        set_last_error(format!(
            "{function}: internal error (please report): {}",
            panic_text(payload.as_ref())
        ));
        fallback
    })
}

/// The boundary every exported body runs in: `boundary!("sk_name", { ... })`
/// where the block evaluates to `Result<()>`.
macro_rules! boundary {
    ($name:literal, $body:block) => {
        $crate::ffi::run($name, move || -> $crate::error::Result<()> { $body })
    };
}
pub(crate) use boundary;

/// Why a C pointer/length pair was refused. Small and `Copy`, so the
/// checks on the hot path return in registers; the message is built only
/// on failure, by [`Fault::error`].
#[derive(Copy, Clone, Debug)]
pub(crate) enum Fault {
    Null,
    Misaligned(usize),
    Overflow(usize),
}

impl Fault {
    /// The error for argument `name`.
    #[cold]
    #[inline(never)]
    pub(crate) fn error(self, name: &str) -> Error {
        match self {
            Fault::Null => Error::new(ErrorKind::NullPointer, format!("{name} is NULL")),
            Fault::Misaligned(align) => {
                Error::invalid(format!("{name} is not aligned to {align} bytes"))
            }
            Fault::Overflow(len) => Error::invalid(format!(
                "{name} ({len} elements) overflows the address space"
            )),
        }
    }
}

/// Whether [`region`] would accept `ptr` and `len`, as one branch-light
/// test for hot entry points; on `false` they take their checked path,
/// which reports what is wrong.
#[inline(always)]
pub(crate) fn fits<T>(ptr: *const T, len: usize) -> bool {
    let size = std::mem::size_of::<T>();
    len == 0
        || (!ptr.is_null()
            && (ptr as usize).is_multiple_of(std::mem::align_of::<T>())
            && len <= isize::MAX as usize / size
            && (ptr as usize).checked_add(len * size).is_some())
}

/// Checks that `ptr` can address `len` elements of `T`: not NULL when
/// `len > 0`, aligned for `T`, and `len * size_of::<T>()` fits the address
/// space. Returns the byte range covered.
#[inline(always)]
pub(crate) fn region<T>(ptr: *const T, len: usize) -> std::result::Result<Range<usize>, Fault> {
    let start = ptr as usize;
    if len == 0 {
        return Ok(start..start);
    }
    if ptr.is_null() {
        return Err(Fault::Null);
    }
    let align = std::mem::align_of::<T>();
    if !start.is_multiple_of(align) {
        return Err(Fault::Misaligned(align));
    }
    len.checked_mul(std::mem::size_of::<T>())
        .filter(|&bytes| bytes <= isize::MAX as usize)
        .and_then(|bytes| start.checked_add(bytes))
        .map(|end| start..end)
        .ok_or(Fault::Overflow(len))
}

/// Fails when two byte ranges share a byte.
#[inline]
pub(crate) fn disjoint(a: (&str, &Range<usize>), b: (&str, &Range<usize>)) -> Result<()> {
    let ((na, ra), (nb, rb)) = (a, b);
    if ra.start < rb.end && rb.start < ra.end {
        return Err(Error::invalid(format!("{na} and {nb} overlap")));
    }
    Ok(())
}

/// A strided C vector as a checked view, with its byte range.
///
/// # Safety
/// When the checks pass, `ptr` must really point to the covered elements,
/// valid for reads for the returned lifetime.
#[inline]
pub(crate) unsafe fn strided<'a, T: Copy>(
    name: &str,
    ptr: *const T,
    n: usize,
    inc: isize,
) -> Result<(crate::blas1::Strided<'a, T>, Range<usize>)> {
    let span = crate::blas1::strided::span(n, inc).map_err(|e| prefix(name, e))?;
    let range = region(ptr, span).map_err(|f| f.error(name))?;
    let data = if span == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(ptr, span)
    };
    Ok((crate::blas1::Strided::new(data, n, inc)?, range))
}

/// The mutable twin of [`strided`]: check the range (and its overlap with
/// inputs) with [`strided_range`] first, then build the view.
///
/// # Safety
/// `ptr` must point to the covered elements, valid for writes and not
/// aliased for the returned lifetime.
#[inline]
pub(crate) unsafe fn strided_mut<'a, T: Copy>(
    ptr: *mut T,
    n: usize,
    inc: isize,
    span: usize,
) -> Result<crate::blas1::StridedMut<'a, T>> {
    let data = if span == 0 {
        &mut []
    } else {
        std::slice::from_raw_parts_mut(ptr, span)
    };
    crate::blas1::StridedMut::new(data, n, inc)
}

/// Checks a strided C vector without building a view: its span in elements
/// and its byte range.
#[inline]
pub(crate) fn strided_range<T>(
    name: &str,
    ptr: *const T,
    n: usize,
    inc: isize,
) -> Result<(usize, Range<usize>)> {
    let span = crate::blas1::strided::span(n, inc).map_err(|e| prefix(name, e))?;
    Ok((span, region(ptr, span).map_err(|f| f.error(name))?))
}

/// A C array of `len` elements as a slice.
///
/// # Safety
/// When the checks pass, `ptr` must point to `len` readable elements.
#[inline]
pub(crate) unsafe fn slice<'a, T>(name: &str, ptr: *const T, len: usize) -> Result<&'a [T]> {
    region(ptr, len).map_err(|f| f.error(name))?;
    Ok(if len == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(ptr, len)
    })
}

/// A C array already checked with [`fits`], as a slice.
///
/// # Safety
/// `fits(ptr, len)` holds and `ptr` points to `len` readable elements.
#[inline(always)]
pub(crate) unsafe fn slice_unchecked<'a, T>(ptr: *const T, len: usize) -> &'a [T] {
    if len == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(ptr, len)
    }
}

/// Checks an output pointer before any work is done, so outputs are only
/// written on success.
#[inline]
pub(crate) fn out<'a, T>(name: &str, ptr: *mut T) -> Result<&'a mut T> {
    region(ptr.cast_const(), 1).map_err(|f| f.error(name))?;
    // SAFETY: non-null and aligned; the caller promises it is writable.
    Ok(unsafe { &mut *ptr })
}

fn prefix(name: &str, e: Error) -> Error {
    Error::new(e.kind(), format!("{name}: {}", e.message()))
}

#[cfg(test)]
mod tests;

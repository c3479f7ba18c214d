//! Aligned memory: 64-byte aligned vectors for the crate, and raw
//! allocations for C callers (`sk_alloc` / `sk_free`).

use crate::error::{Error, ErrorKind, Result};
use crate::runtime::pages::advise_huge_pages;
use aligned_vec::{AVec, ConstAlign};

/// Cache-line alignment used for every internal buffer.
/// cbindgen:ignore
pub const ALIGN: usize = 64;

/// A growable vector whose storage starts on a 64-byte boundary.
pub type AlignedVec<T> = AVec<T, ConstAlign<ALIGN>>;

/// A 64-byte aligned vector of `n` copies of `value`.
pub fn aligned_filled<T: Copy>(n: usize, value: T) -> AlignedVec<T> {
    AVec::from_iter(ALIGN, std::iter::repeat_n(value, n))
}

/// Allocates `size` bytes aligned to `align` with the C allocator, so the
/// block can be released with [`free`] from any language.
///
/// `align` must be a power of two; values below the pointer size are raised
/// to it. `size == 0` returns a null pointer.
pub fn alloc(size: usize, align: usize) -> Result<*mut u8> {
    if !align.is_power_of_two() {
        return Err(Error::invalid(format!(
            "alignment {align} is not a power of two"
        )));
    }
    if size == 0 {
        return Ok(std::ptr::null_mut());
    }
    if size > isize::MAX as usize {
        return Err(Error::invalid(format!("size {size} exceeds PTRDIFF_MAX")));
    }
    let align = align.max(std::mem::size_of::<*mut u8>());
    let mut ptr: *mut libc::c_void = std::ptr::null_mut();
    // SAFETY: `ptr` is a valid out-pointer; align is a power of two and a
    // multiple of sizeof(void*) as posix_memalign requires.
    let rc = unsafe { libc::posix_memalign(&mut ptr, align, size) };
    match rc {
        0 => Ok(ptr.cast()),
        libc::EINVAL => Err(Error::invalid(format!(
            "alignment {align} is not supported"
        ))),
        _ => Err(Error::new(
            ErrorKind::OutOfMemory,
            format!("cannot allocate {size} bytes aligned to {align}"),
        )),
    }
}

/// Releases a block from [`alloc`]; null does nothing.
///
/// # Safety
/// `ptr` must be null or come from [`alloc`] and not have been freed.
pub unsafe fn free(ptr: *mut u8) {
    if !ptr.is_null() {
        libc::free(ptr.cast());
    }
}

/// An empty vector with room for `len` elements, or `OutOfMemory`. Large
/// ones are advised for huge pages: sparse kernels read them at random.
pub(crate) fn uninit_vec<T>(len: usize, what: &str) -> Result<Vec<T>> {
    let mut v: Vec<T> = Vec::new();
    v.try_reserve_exact(len).map_err(|_| {
        Error::new(
            ErrorKind::OutOfMemory,
            format!("cannot allocate {len} elements for {what}"),
        )
    })?;
    advise_huge_pages(v.as_ptr().cast(), v.capacity() * std::mem::size_of::<T>());
    Ok(v)
}

/// A vector of `len` default values (see [`uninit_vec`]).
pub(crate) fn try_vec<T: Copy + Default>(len: usize, what: &str) -> Result<Vec<T>> {
    let mut v = uninit_vec(len, what)?;
    v.resize(len, T::default());
    Ok(v)
}

//! Per-thread packing buffers, reused across calls so that GEMM does not
//! touch the heap after the first call of a given size on a thread.

use crate::runtime::alloc::{aligned_filled, AlignedVec};
use std::cell::RefCell;
use std::thread::LocalKey;

thread_local! {
    /// Packed A blocks of the thread that runs them.
    pub static A_PACK: RefCell<AlignedVec<u8>> = RefCell::new(aligned_filled(0, 0));
    /// Packed B panels, owned by the calling thread and read by the workers.
    pub static B_PACK: RefCell<AlignedVec<u8>> = RefCell::new(aligned_filled(0, 0));
}

/// Runs `f` on a 64-byte aligned buffer of `len` values of `T` from `key`.
/// A buffer too small is replaced by one of `max(len, capacity)` values,
/// so callers pass as `capacity` the most any call with the same blocking
/// can need: which thread packs which block varies from call to call, and
/// a thread must not find its buffer short after warm-up. When the buffer
/// is already borrowed (a re-entrant call on this thread) a temporary one
/// is used instead.
///
/// `T` must be a plain numeric type (every bit pattern valid): f32 or f64.
pub fn with_buffer<T: Copy, R>(
    key: &'static LocalKey<RefCell<AlignedVec<u8>>>,
    len: usize,
    capacity: usize,
    f: impl FnOnce(&mut [T]) -> R,
) -> R {
    let bytes = len * std::mem::size_of::<T>();
    let view = |buf: &mut AlignedVec<u8>| {
        if buf.len() < bytes {
            *buf = aligned_filled(len.max(capacity) * std::mem::size_of::<T>(), 0u8);
        }
        // SAFETY: the buffer holds `bytes` initialised bytes, 64-byte
        // aligned (enough for T), and T accepts any bit pattern.
        unsafe { std::slice::from_raw_parts_mut(buf.as_mut_ptr().cast::<T>(), len) }
    };
    key.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => f(view(&mut buf)),
        Err(_) => f(view(&mut aligned_filled(0, 0u8))),
    })
}

//! Per-thread packing buffers, reused across calls so that GEMM does not
//! touch the heap after the first call of a given size on a thread.

use crate::runtime::pages::PageBuffer;
use std::cell::RefCell;
use std::thread::LocalKey;

thread_local! {
    /// Packed A blocks of the thread that runs them.
    pub static A_PACK: RefCell<PageBuffer> = const { RefCell::new(PageBuffer::empty()) };
    /// Packed B panels, owned by the calling thread and read by the workers.
    pub static B_PACK: RefCell<PageBuffer> = const { RefCell::new(PageBuffer::empty()) };
}

/// Runs `f` on a 2 MiB aligned buffer of `len` values of `T` from `key`
/// (huge pages where the OS gives them: see [`PageBuffer`]).
/// A buffer too small is replaced by one of `max(len, capacity)` values,
/// so callers pass as `capacity` the most any call with the same blocking
/// can need: which thread packs which block varies from call to call, and
/// a thread must not find its buffer short after warm-up. When the buffer
/// is already borrowed (a re-entrant call on this thread) a temporary one
/// is used instead.
///
/// `T` must be a plain numeric type (every bit pattern valid): f32 or f64.
pub fn with_buffer<T: Copy, R>(
    key: &'static LocalKey<RefCell<PageBuffer>>,
    len: usize,
    capacity: usize,
    f: impl FnOnce(&mut [T]) -> R,
) -> R {
    let bytes = len * std::mem::size_of::<T>();
    let view = |buf: &mut PageBuffer| {
        if buf.len() < bytes {
            *buf = PageBuffer::zeroed(len.max(capacity) * std::mem::size_of::<T>());
        }
        if len == 0 {
            return &mut [][..];
        }
        // SAFETY: the buffer maps at least `bytes` initialised bytes,
        // aligned for T, and T accepts any bit pattern.
        unsafe { std::slice::from_raw_parts_mut(buf.as_mut_ptr().cast::<T>(), len) }
    };
    key.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => f(view(&mut buf)),
        Err(_) => f(view(&mut PageBuffer::empty())),
    })
}

//! Zeroed, page-mapped buffers for packing blocks, backed by 2 MiB pages
//! where the kernel allows it.
//!
//! Why: a packed GEMM block is sized to fill about half of L2. With 4 KiB
//! pages its physical pages land anywhere, so the block's lines collide in
//! L2's physically indexed sets differently in every process (measured:
//! the best-of-60 sgemm rate at n = 512 moved between 108 and 148
//! GFLOP/s from one process to the next). One 2 MiB page is physically
//! contiguous, so a block inside it maps onto L2 sets evenly, and it needs
//! one TLB entry instead of hundreds.

use std::ptr::NonNull;

/// Size and alignment of a transparent huge page on x86-64.
const HUGE_PAGE: usize = 2 << 20;

/// A zero-initialised byte buffer from `mmap`, 2 MiB aligned and advised
/// for huge pages (`MADV_HUGEPAGE`; honoured when transparent huge pages
/// are `always` or `madvise`, ignored otherwise).
pub struct PageBuffer {
    ptr: NonNull<u8>,
    /// Mapped bytes: a multiple of [`HUGE_PAGE`], 0 for the empty buffer.
    mapped: usize,
}

// SAFETY: the buffer owns its mapping exclusively, like a Vec<u8>.
unsafe impl Send for PageBuffer {}

impl PageBuffer {
    /// The empty buffer (maps nothing).
    pub const fn empty() -> Self {
        PageBuffer {
            ptr: NonNull::dangling(),
            mapped: 0,
        }
    }

    /// A buffer of at least `bytes` zero bytes. Aborts through
    /// `handle_alloc_error` when the mapping fails, as `Vec` does.
    pub fn zeroed(bytes: usize) -> Self {
        if bytes == 0 {
            return Self::empty();
        }
        let mapped = bytes.next_multiple_of(HUGE_PAGE);
        // Over-map by one huge page, then trim both ends to a 2 MiB
        // aligned range: mmap only guarantees 4 KiB alignment.
        let span = mapped + HUGE_PAGE;
        // SAFETY: an anonymous private mapping with no address hint.
        let raw = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                span,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if raw == libc::MAP_FAILED {
            let layout = std::alloc::Layout::from_size_align(mapped, HUGE_PAGE)
                .unwrap_or(std::alloc::Layout::new::<u8>());
            std::alloc::handle_alloc_error(layout);
        }
        let start = raw as usize;
        let aligned = start.next_multiple_of(HUGE_PAGE);
        let head = aligned - start;
        let tail = span - head - mapped;
        // SAFETY: both ranges lie inside the mapping made above and are
        // page aligned (mmap returns page-aligned memory; head and mapped
        // are multiples of 4 KiB). madvise is advisory: its failure (no
        // THP support) leaves ordinary pages, which is still correct.
        unsafe {
            if head > 0 {
                libc::munmap(raw, head);
            }
            if tail > 0 {
                libc::munmap((aligned + mapped) as *mut libc::c_void, tail);
            }
            libc::madvise(aligned as *mut libc::c_void, mapped, libc::MADV_HUGEPAGE);
        }
        PageBuffer {
            // SAFETY: mmap succeeded, so the address is not null.
            ptr: unsafe { NonNull::new_unchecked(aligned as *mut u8) },
            mapped,
        }
    }

    /// Usable bytes.
    pub fn len(&self) -> usize {
        self.mapped
    }

    /// Whether the buffer maps nothing.
    pub fn is_empty(&self) -> bool {
        self.mapped == 0
    }

    /// The first byte (2 MiB aligned unless empty).
    pub fn as_mut_ptr(&mut self) -> *mut u8 {
        self.ptr.as_ptr()
    }
}

/// Asks the kernel to back the whole 2 MiB pages inside `bytes` bytes at
/// `ptr` with huge pages (`MADV_HUGEPAGE`), before they are first touched.
///
/// Why: kernels that read large arrays at random (sparse rows, gathered
/// vectors) miss the TLB on nearly every access with 4 KiB pages, and on a
/// virtual machine each miss is a two-level page walk (measured: SpGEMM of
/// a 100k x 100k matrix with 10 entries per row ran 2x slower). Advisory:
/// without transparent huge pages nothing changes.
pub fn advise_huge_pages(ptr: *const u8, bytes: usize) {
    let start = (ptr as usize).next_multiple_of(HUGE_PAGE);
    let end = (ptr as usize).saturating_add(bytes) / HUGE_PAGE * HUGE_PAGE;
    if end > start {
        // SAFETY: the range is page aligned and inside the caller's
        // allocation; madvise(MADV_HUGEPAGE) changes no contents.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

impl Drop for PageBuffer {
    fn drop(&mut self) {
        if self.mapped > 0 {
            // SAFETY: exactly the range mapped (and kept) in `zeroed`.
            unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.mapped) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_zeroed_aligned_and_writable() {
        for bytes in [
            1,
            4096,
            HUGE_PAGE - 1,
            HUGE_PAGE,
            HUGE_PAGE + 1,
            3 * HUGE_PAGE,
        ] {
            let mut b = PageBuffer::zeroed(bytes);
            assert!(b.len() >= bytes && b.len().is_multiple_of(HUGE_PAGE));
            assert_eq!(b.as_mut_ptr() as usize % HUGE_PAGE, 0);
            // SAFETY: len() bytes are mapped read-write.
            let s = unsafe { std::slice::from_raw_parts_mut(b.as_mut_ptr(), b.len()) };
            assert!(s.iter().all(|&x| x == 0));
            s.fill(0xA5);
            assert_eq!(s[bytes - 1], 0xA5);
        }
        assert!(PageBuffer::zeroed(0).is_empty());
    }
}

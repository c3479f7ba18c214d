//! C ABI of the runtime: version, status text, last error, CPU features,
//! ISA cap, threads and aligned allocation.

use super::{boundary, out as out_slot, run_value, sk_status, with_last_error};
use crate::error::Error;
use crate::runtime::{self, Isa};
use std::ffi::{c_char, c_void};

/// Major version of the simdkern this header belongs to.
pub const SK_VERSION_MAJOR: u32 = 0;
/// Minor version of the simdkern this header belongs to.
pub const SK_VERSION_MINOR: u32 = 1;
/// Patch version of the simdkern this header belongs to.
pub const SK_VERSION_PATCH: u32 = 0;
/// `SK_VERSION_MAJOR * 10000 + SK_VERSION_MINOR * 100 + SK_VERSION_PATCH`.
pub const SK_VERSION_NUMBER: u32 = 100;

/// CPU feature bit: AVX2.
pub const SK_CPU_AVX2: u64 = 1 << 0;
/// CPU feature bit: FMA3.
pub const SK_CPU_FMA: u64 = 1 << 1;
/// CPU feature bit: AVX-512 Foundation.
pub const SK_CPU_AVX512F: u64 = 1 << 2;
/// CPU feature bit: AVX-512 Byte and Word.
pub const SK_CPU_AVX512BW: u64 = 1 << 3;
/// CPU feature bit: AVX-512 Doubleword and Quadword.
pub const SK_CPU_AVX512DQ: u64 = 1 << 4;
/// CPU feature bit: AVX-512 Vector Length extensions.
pub const SK_CPU_AVX512VL: u64 = 1 << 5;
/// CPU feature bit: AVX-512 VNNI.
pub const SK_CPU_AVX512VNNI: u64 = 1 << 6;
/// CPU feature bit: AVX-512 BF16.
pub const SK_CPU_AVX512BF16: u64 = 1 << 7;
/// CPU feature bit: POPCNT (required by the AVX2 rung and above).
pub const SK_CPU_POPCNT: u64 = 1 << 8;

/// ISA rung: portable scalar code.
pub const SK_ISA_SCALAR: u32 = 0;
/// ISA rung: AVX2 with FMA3 and POPCNT.
pub const SK_ISA_AVX2: u32 = 1;
/// ISA rung: AVX-512 F, BW, DQ and VL.
pub const SK_ISA_AVX512: u32 = 2;
/// ISA rung: AVX-512 plus VNNI.
pub const SK_ISA_AVX512_VNNI: u32 = 3;

/// The version of the loaded library as
/// `MAJOR * 10000 + MINOR * 100 + PATCH`; compare with `SK_VERSION_NUMBER`
/// to detect a header/library mismatch. Thread-safe.
#[no_mangle]
pub extern "C" fn sk_version_number() -> u32 {
    run_value("sk_version_number", 0, crate::version_number)
}

/// A static, NUL-terminated description of `status`; never NULL (unknown
/// values give "unknown status"). Thread-safe.
#[no_mangle]
pub extern "C" fn sk_status_str(status: sk_status) -> *const c_char {
    let text: &'static [u8] = match status {
        0 => b"success\0",
        1 => b"a required pointer is NULL\0",
        2 => b"invalid argument\0",
        3 => b"dimension mismatch\0",
        4 => b"output buffer too small\0",
        5 => b"out of memory\0",
        6 => b"corrupt compressed data\0",
        7 => b"checksum mismatch\0",
        8 => b"unsupported by this build or CPU\0",
        9 => b"no usable GPU\0",
        10 => b"GPU driver error\0",
        11 => b"iteration did not converge\0",
        12 => b"internal error (please report)\0",
        _ => b"unknown status\0",
    };
    text.as_ptr().cast()
}

/// Copies the detail message of the calling thread's last failure into
/// `buf`, NUL-terminated and truncated to `cap` bytes (nothing is written
/// when `cap == 0`, and `buf` may then be NULL).
///
/// @return the full length of the message in bytes, excluding the NUL, so
///         a caller can retry with a larger buffer; 0 when no call on this
///         thread has failed yet. Thread-safe (each thread has its own).
#[no_mangle]
pub extern "C" fn sk_last_error_message(buf: *mut c_char, cap: usize) -> usize {
    run_value("sk_last_error_message", 0, || {
        with_last_error(|msg| {
            if cap > 0 && !buf.is_null() {
                let n = msg.len().min(cap - 1);
                // SAFETY: the caller promises `buf` holds `cap` bytes.
                unsafe {
                    std::ptr::copy_nonoverlapping(msg.as_ptr(), buf.cast::<u8>(), n);
                    *buf.add(n) = 0;
                }
            }
            msg.len()
        })
    })
}

/// The features of this CPU as a bit set of `SK_CPU_*` values. Thread-safe.
#[no_mangle]
pub extern "C" fn sk_cpu_features() -> u64 {
    run_value("sk_cpu_features", 0, || runtime::cpu_features().0)
}

/// Caps the instruction set simdkern may use at `isa` (an `SK_ISA_*`
/// value). The active ISA is the highest the CPU supports at or below the
/// cap; a cap above the CPU is allowed. The environment variable
/// `SIMDKERN_MAX_ISA=scalar|avx2|avx512|avx512_vnni` sets the initial cap.
/// Applies process-wide, from the next call on; thread-safe.
///
/// @return `SK_OK`, or `SK_ERR_INVALID_ARGUMENT` for an unknown `isa`.
#[no_mangle]
pub extern "C" fn sk_set_max_isa(isa: u32) -> sk_status {
    boundary!("sk_set_max_isa", {
        let isa = Isa::from_u32(isa)
            .ok_or_else(|| Error::invalid(format!("unknown ISA value {isa} (expected 0..=3)")))?;
        runtime::set_max_isa(isa);
        Ok(())
    })
}

/// The `SK_ISA_*` value kernels run on now. Thread-safe.
#[no_mangle]
pub extern "C" fn sk_active_isa() -> u32 {
    run_value("sk_active_isa", 0, || runtime::active_isa() as u32)
}

/// Sets the number of worker threads of the library pool; 0 means one per
/// core. Results never depend on this number. Thread-safe; calls already
/// running keep the pool they started with.
///
/// @return `SK_OK`, `SK_ERR_INVALID_ARGUMENT` when `n > 1024`, or
///         `SK_ERR_OUT_OF_MEMORY` when threads cannot be started.
#[no_mangle]
pub extern "C" fn sk_set_num_threads(n: usize) -> sk_status {
    boundary!("sk_set_num_threads", { runtime::set_num_threads(n) })
}

/// The number of worker threads parallel kernels use. Thread-safe.
#[no_mangle]
pub extern "C" fn sk_get_num_threads() -> usize {
    run_value("sk_get_num_threads", 1, runtime::num_threads)
}

/// Allocates `size` bytes aligned to `align` (a power of two; values below
/// `sizeof(void *)` are raised to it). Release with `sk_free`. `size == 0`
/// stores NULL. Thread-safe.
///
/// @param out receives the block, written only on success.
/// @return `SK_OK`, `SK_ERR_NULL_POINTER` (out), `SK_ERR_INVALID_ARGUMENT`
///         (align not a power of two, size above PTRDIFF_MAX) or
///         `SK_ERR_OUT_OF_MEMORY`.
#[no_mangle]
pub extern "C" fn sk_alloc(size: usize, align: usize, out: *mut *mut c_void) -> sk_status {
    boundary!("sk_alloc", {
        let slot = out_slot("out", out)?;
        *slot = crate::runtime::alloc::alloc(size, align)?.cast();
        Ok(())
    })
}

/// Releases a block from `sk_alloc`; NULL does nothing. Thread-safe.
/// `ptr` must be NULL or a live block from `sk_alloc`.
#[no_mangle]
pub extern "C" fn sk_free(ptr: *mut c_void) {
    // SAFETY: the caller passes NULL or a live block from sk_alloc.
    run_value("sk_free", (), || unsafe {
        crate::runtime::alloc::free(ptr.cast())
    })
}

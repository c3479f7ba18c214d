//! Data-cache sizes of the running core, for GEMM cache blocking.
//!
//! Read once through CPUID (Intel leaf 4, AMD leaf 0x8000001D: both list
//! each cache's ways, partitions, line size and sets). Falls back to Zen 4
//! sizes (L1d 32 KiB, L2 1 MiB) when CPUID does not say.

use std::sync::OnceLock;

/// Per-core data cache sizes in bytes.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct CacheSizes {
    /// Level-1 data cache.
    pub l1d: usize,
    /// Level-2 (unified) cache.
    pub l2: usize,
}

/// Used when CPUID reports nothing usable: Zen 4's per-core sizes.
/// cbindgen:ignore
pub const FALLBACK: CacheSizes = CacheSizes {
    l1d: 32 << 10,
    l2: 1 << 20,
};

/// The sizes of this CPU's caches, detected once.
pub fn cache_sizes() -> CacheSizes {
    static SIZES: OnceLock<CacheSizes> = OnceLock::new();
    *SIZES.get_or_init(detect)
}

#[cfg(target_arch = "x86_64")]
fn detect() -> CacheSizes {
    use std::arch::x86_64::{__cpuid, __cpuid_count};
    let l0 = __cpuid(0);
    let (max_basic, max_ext) = (l0.eax, __cpuid(0x8000_0000).eax);
    let vendor_amd = l0.ebx == 0x6874_7541; // "Auth"enticAMD
    let leaf = if vendor_amd && max_ext >= 0x8000_001D {
        0x8000_001D
    } else if max_basic >= 4 {
        4
    } else {
        return FALLBACK;
    };
    let mut sizes = FALLBACK;
    for index in 0..16 {
        let r = __cpuid_count(leaf, index); // the leaf is supported (checked above)
        let kind = r.eax & 0x1f; // 0: no more caches, 1: data, 2: code, 3: unified
        if kind == 0 {
            break;
        }
        let level = (r.eax >> 5) & 0x7;
        let ways = ((r.ebx >> 22) & 0x3ff) as usize + 1;
        let partitions = ((r.ebx >> 12) & 0x3ff) as usize + 1;
        let line = (r.ebx & 0xfff) as usize + 1;
        let sets = r.ecx as usize + 1;
        let bytes = ways * partitions * line * sets;
        match (level, kind) {
            (1, 1) => sizes.l1d = bytes,
            (2, 3) | (2, 1) => sizes.l2 = bytes,
            _ => {}
        }
    }
    sizes
}

#[cfg(not(target_arch = "x86_64"))]
fn detect() -> CacheSizes {
    FALLBACK
}

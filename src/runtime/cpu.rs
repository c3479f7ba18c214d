//! CPU feature detection and the ISA ladder (scalar < avx2 < avx512 < avx512_vnni).
//!
//! The usable ISA is the highest rung the CPU supports, capped by
//! [`set_max_isa`] or, once at first use, by the `SIMDKERN_MAX_ISA`
//! environment variable. Families read [`active_isa`] on each call and index
//! their kernel tables with it, so a new cap takes effect immediately.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// Bit set of detected CPU features (`SK_CPU_*` in C).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub struct CpuFeatures(pub u64);

/// cbindgen:ignore
impl CpuFeatures {
    /// AVX2.
    pub const AVX2: u64 = 1 << 0;
    /// FMA3.
    pub const FMA: u64 = 1 << 1;
    /// AVX-512 Foundation.
    pub const AVX512F: u64 = 1 << 2;
    /// AVX-512 Byte and Word.
    pub const AVX512BW: u64 = 1 << 3;
    /// AVX-512 Doubleword and Quadword.
    pub const AVX512DQ: u64 = 1 << 4;
    /// AVX-512 Vector Length extensions.
    pub const AVX512VL: u64 = 1 << 5;
    /// AVX-512 Vector Neural Network Instructions (VPDPBUSD).
    pub const AVX512VNNI: u64 = 1 << 6;
    /// AVX-512 BF16.
    pub const AVX512BF16: u64 = 1 << 7;
    /// POPCNT (every AVX2 CPU has it; the AVX2 rung requires it so that
    /// kernels may count mask bits in one instruction).
    pub const POPCNT: u64 = 1 << 8;

    /// Whether every bit of `mask` is present.
    pub fn has(self, mask: u64) -> bool {
        self.0 & mask == mask
    }

    /// Names of the present features, in bit order.
    pub fn names(self) -> Vec<&'static str> {
        const NAMES: [&str; 9] = [
            "avx2",
            "fma",
            "avx512f",
            "avx512bw",
            "avx512dq",
            "avx512vl",
            "avx512vnni",
            "avx512bf16",
            "popcnt",
        ];
        (0..NAMES.len())
            .filter(|&i| self.0 & (1 << i) != 0)
            .map(|i| NAMES[i])
            .collect()
    }
}

/// One rung of the ISA ladder. The numeric values are the C `SK_ISA_*` values.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u32)]
pub enum Isa {
    /// Portable scalar Rust.
    Scalar = 0,
    /// AVX2 with FMA3 (and POPCNT).
    Avx2 = 1,
    /// AVX-512 F, BW, DQ and VL.
    Avx512 = 2,
    /// AVX-512 plus VNNI.
    Avx512Vnni = 3,
}

impl Isa {
    /// Every rung, lowest first.
    pub const ALL: [Isa; 4] = [Isa::Scalar, Isa::Avx2, Isa::Avx512, Isa::Avx512Vnni];

    /// The rung with C value `v`, if there is one.
    pub fn from_u32(v: u32) -> Option<Isa> {
        Isa::ALL.get(v as usize).copied()
    }

    /// The name used by `SIMDKERN_MAX_ISA` and the CLI.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Scalar => "scalar",
            Isa::Avx2 => "avx2",
            Isa::Avx512 => "avx512",
            Isa::Avx512Vnni => "avx512_vnni",
        }
    }

    /// Parses a name as written in `SIMDKERN_MAX_ISA` (case-insensitive).
    pub fn parse(name: &str) -> Option<Isa> {
        let name = name.trim().to_ascii_lowercase();
        Isa::ALL.into_iter().find(|isa| isa.name() == name)
    }

    /// The features this rung needs.
    pub fn required_features(self) -> u64 {
        const AVX2: u64 = CpuFeatures::AVX2 | CpuFeatures::FMA | CpuFeatures::POPCNT;
        const AVX512: u64 = AVX2
            | CpuFeatures::AVX512F
            | CpuFeatures::AVX512BW
            | CpuFeatures::AVX512DQ
            | CpuFeatures::AVX512VL;
        match self {
            Isa::Scalar => 0,
            Isa::Avx2 => AVX2,
            Isa::Avx512 => AVX512,
            Isa::Avx512Vnni => AVX512 | CpuFeatures::AVX512VNNI,
        }
    }

    /// Whether this CPU can run this rung (ignoring any cap).
    pub fn is_supported(self) -> bool {
        cpu_features().has(self.required_features())
    }

    /// Names of the features this rung needs that the CPU lacks.
    pub fn missing_features(self) -> Vec<&'static str> {
        CpuFeatures(self.required_features() & !cpu_features().0).names()
    }
}

/// The features of the CPU running this process, detected once.
pub fn cpu_features() -> CpuFeatures {
    static FEATURES: OnceLock<CpuFeatures> = OnceLock::new();
    *FEATURES.get_or_init(detect)
}

#[cfg(target_arch = "x86_64")]
fn detect() -> CpuFeatures {
    let checks: [(bool, u64); 9] = [
        (is_x86_feature_detected!("avx2"), CpuFeatures::AVX2),
        (is_x86_feature_detected!("fma"), CpuFeatures::FMA),
        (is_x86_feature_detected!("avx512f"), CpuFeatures::AVX512F),
        (is_x86_feature_detected!("avx512bw"), CpuFeatures::AVX512BW),
        (is_x86_feature_detected!("avx512dq"), CpuFeatures::AVX512DQ),
        (is_x86_feature_detected!("avx512vl"), CpuFeatures::AVX512VL),
        (
            is_x86_feature_detected!("avx512vnni"),
            CpuFeatures::AVX512VNNI,
        ),
        (
            is_x86_feature_detected!("avx512bf16"),
            CpuFeatures::AVX512BF16,
        ),
        (is_x86_feature_detected!("popcnt"), CpuFeatures::POPCNT),
    ];
    CpuFeatures(
        checks
            .iter()
            .filter(|(present, _)| *present)
            .map(|&(_, bit)| bit)
            .fold(0, |acc, bit| acc | bit),
    )
}

#[cfg(not(target_arch = "x86_64"))]
fn detect() -> CpuFeatures {
    CpuFeatures(0)
}

/// The highest rung this CPU supports.
pub fn detected_isa() -> Isa {
    static DETECTED: OnceLock<Isa> = OnceLock::new();
    *DETECTED.get_or_init(|| {
        Isa::ALL
            .into_iter()
            .rev()
            .find(|isa| isa.is_supported())
            .unwrap_or(Isa::Scalar)
    })
}

/// The cap, initialised from `SIMDKERN_MAX_ISA` the first time it is needed.
fn cap() -> &'static AtomicU32 {
    static CAP: OnceLock<AtomicU32> = OnceLock::new();
    CAP.get_or_init(|| AtomicU32::new(env_cap().unwrap_or(Isa::Avx512Vnni) as u32))
}

/// The cap requested by `SIMDKERN_MAX_ISA`, if it is set to a known name.
/// Unknown names are ignored (the CLI's `info` reports them).
pub fn env_cap() -> Option<Isa> {
    std::env::var("SIMDKERN_MAX_ISA")
        .ok()
        .and_then(|v| Isa::parse(&v))
}

/// `min(detected, cap)`, kept up to date by [`set_max_isa`] so that the
/// per-call lookup in [`active_isa`] is a single relaxed load.
static ACTIVE: AtomicU32 = AtomicU32::new(UNSET);
const UNSET: u32 = u32::MAX;

/// Caps the ISA the library may use. A cap above what the CPU supports is
/// allowed and simply leaves the detected rung active.
pub fn set_max_isa(isa: Isa) {
    cap().store(isa as u32, Ordering::Relaxed);
    ACTIVE.store(detected_isa().min(isa) as u32, Ordering::Relaxed);
}

/// The current cap (not the active rung).
pub fn max_isa() -> Isa {
    Isa::from_u32(cap().load(Ordering::Relaxed)).unwrap_or(Isa::Scalar)
}

/// The rung kernels run on now: the detected rung, capped.
#[inline]
pub fn active_isa() -> Isa {
    match Isa::from_u32(ACTIVE.load(Ordering::Relaxed)) {
        Some(isa) => isa,
        None => {
            let isa = detected_isa().min(max_isa());
            // Only fill the cache if no set_max_isa raced ahead of us.
            let _ =
                ACTIVE.compare_exchange(UNSET, isa as u32, Ordering::Relaxed, Ordering::Relaxed);
            Isa::from_u32(ACTIVE.load(Ordering::Relaxed)).unwrap_or(isa)
        }
    }
}

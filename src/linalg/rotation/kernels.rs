//! The per-ISA kernel tables of the rotation family.
//!
//! An entry applies the whole rotation sequence to a raw block of rows
//! (callers check the arguments and may hand each thread a column range).
//! Entries are `unsafe fn` because they may use instructions the CPU must
//! have: a table is only selected for an ISA the CPU supports.

use super::log::Sequence;
use super::reference;
use crate::runtime::Isa;

/// One fused pass: `(c, s, rows, ld, len)` applies rotations
/// `0..c.len()` (in the table's direction) to the `c.len() + 1` rows of
/// `len` elements at `rows`, `rows + ld`, ...
///
/// # Safety
/// `c.len() == s.len()`, `ld >= len`, every `rows[r * ld + i]` with
/// `r <= c.len()` and `i < len` is valid for reads and writes and no other
/// thread touches it during the call, and the CPU has the table's ISA.
pub(crate) type RotateFn<T> = unsafe fn(&[T], &[T], *mut T, usize, usize);

/// Several logged sequences of one direction in one pass: `(seqs, c, s,
/// rows, ld, len)` applies `seqs` (at most the table's `wave_depth`, all
/// in the entry's direction), in order, to the `len` columns of the rows
/// at `rows`, row `r` at `rows + r * ld`, as applying them one after the
/// other would, bit for bit, except that entries below
/// `sqrt(MIN_POSITIVE)` are stored as zero (see `x86_64/wave.rs`).
///
/// # Safety
/// Every row the sequences touch is valid for `len` elements and no other
/// thread touches it during the call, every sequence's parameters lie in
/// `c` and `s`, and the CPU has the table's ISA.
pub(crate) type WaveFn<T> = unsafe fn(&[Sequence], &[T], &[T], *mut T, usize, usize);

/// The rotation kernels of one element type on one ISA.
#[doc(hidden)]
pub struct RotationKernels<T: 'static> {
    /// Rotations `0, 1, ..., count - 1`.
    pub(crate) forward: RotateFn<T>,
    /// Rotations `count - 1, ..., 1, 0`.
    pub(crate) backward: RotateFn<T>,
    /// Several sequences per pass, where that measured faster than one
    /// at a time.
    pub(crate) wave: Option<WaveKernels<T>>,
}

/// The wave entries of one element type on one ISA.
pub(crate) struct WaveKernels<T: 'static> {
    /// Forward sequences, up to `depth` per pass.
    pub(crate) forward: WaveFn<T>,
    /// Backward sequences, up to `depth` per pass.
    pub(crate) backward: WaveFn<T>,
    /// The most sequences one pass takes.
    pub(crate) depth: usize,
}

static SCALAR_F32: RotationKernels<f32> = RotationKernels {
    forward: reference::forward::<f32>,
    backward: reference::backward::<f32>,
    wave: None,
};

static SCALAR_F64: RotationKernels<f64> = RotationKernels {
    forward: reference::forward::<f64>,
    backward: reference::backward::<f64>,
    wave: None,
};

/// The table of each rung for one element type, without checking that the
/// CPU has it (callers pass a supported rung).
macro_rules! select {
    ($name:ident, $t:ident, $scalar:ident) => {
        #[inline]
        pub(crate) fn $name(isa: Isa) -> &'static RotationKernels<$t> {
            #[cfg(target_arch = "x86_64")]
            match isa {
                Isa::Scalar => {}
                Isa::Avx2 => return &super::x86_64::avx2::$t::KERNELS,
                Isa::Avx512 | Isa::Avx512Vnni => return &super::x86_64::avx512::$t::KERNELS,
            }
            let _ = isa;
            &$scalar
        }
    };
}

select!(select_f32, f32, SCALAR_F32);
select!(select_f64, f64, SCALAR_F64);

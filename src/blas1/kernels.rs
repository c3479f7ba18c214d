//! The per-ISA kernel tables of the level-1 family.
//!
//! Every entry works on contiguous slices of equal length (callers check
//! lengths); strided views go through [`super::reference`]. An entry is an
//! `unsafe fn` because it may use instructions the CPU must have: a table is
//! only handed out for an ISA the CPU supports.

use super::reference;
use super::strided::{Strided, StridedMut};
use crate::runtime::Isa;

/// Contiguous level-1 kernels for one element type on one ISA.
pub struct Kernels<T: 'static> {
    /// Sum of `x[i] * y[i]`.
    pub dot: unsafe fn(&[T], &[T]) -> T,
    /// `y += alpha * x`.
    pub axpy: unsafe fn(T, &[T], &mut [T]),
    /// `x *= alpha`.
    pub scal: unsafe fn(T, &mut [T]),
    /// Sum of `|x[i]|`.
    pub asum: unsafe fn(&[T]) -> T,
    /// Largest `|x[i]|` (0 for empty) and whether any element is NaN.
    pub amax: unsafe fn(&[T]) -> (T, bool),
    /// First index with `|x[i]| == target`, or `x.len()`.
    pub first_abs_eq: unsafe fn(&[T], T) -> usize,
    /// Sum of `(x[i] * scale)^2`, accumulated in f64.
    pub sumsq: unsafe fn(&[T], f64) -> f64,
}

/// Exact dot of unsigned by signed bytes; callers keep `x.len()` at most
/// [`U8S8_CHUNK`] so that no int32 partial sum can overflow.
pub type DotU8s8 = unsafe fn(&[u8], &[i8]) -> i32;

/// Longest slice a [`DotU8s8`] kernel takes: `65536 * 255 * 128 < 2^31`.
/// cbindgen:ignore
pub const U8S8_CHUNK: usize = 1 << 16;

macro_rules! scalar_table {
    ($name:ident, $t:ty) => {
        static $name: Kernels<$t> = Kernels {
            dot: |x, y| reference::dot(Strided::from(x), Strided::from(y)),
            axpy: |a, x, y| reference::axpy(a, Strided::from(x), &mut StridedMut::from(y)),
            scal: |a, x| reference::scal(a, &mut StridedMut::from(x)),
            asum: |x| reference::asum(Strided::from(x)),
            amax: |x| reference::amax(Strided::from(x)),
            first_abs_eq: |x, t| reference::first_abs_eq(Strided::from(x), t),
            sumsq: |x, s| reference::sumsq(Strided::from(x), s),
        };
    };
}

scalar_table!(SCALAR_F32, f32);
scalar_table!(SCALAR_F64, f64);

fn dot_u8s8_scalar(x: &[u8], y: &[i8]) -> i32 {
    reference::dot_u8s8(x, y) as i32
}

/// The table of each rung for one element type, without checking that the
/// CPU has it: callers pass a supported rung (the active one, or one checked
/// by [`table`]).
macro_rules! select {
    ($name:ident, $t:ident, $scalar:ident) => {
        #[inline]
        pub(crate) fn $name(isa: Isa) -> &'static Kernels<$t> {
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

/// The table of `T` for `isa`, or `None` when the CPU lacks it.
pub fn table<T: super::Real>(isa: Isa) -> Option<&'static Kernels<T>> {
    isa.is_supported().then(|| T::select(isa))
}

/// The u8 x s8 dot kernel of a rung the CPU is known to have.
#[inline]
pub(crate) fn select_dot_u8s8(isa: Isa) -> DotU8s8 {
    #[cfg(target_arch = "x86_64")]
    match isa {
        Isa::Scalar => {}
        Isa::Avx2 => return super::x86_64::avx2::dot_u8s8,
        Isa::Avx512 => return super::x86_64::avx512::dot_u8s8,
        Isa::Avx512Vnni => return super::x86_64::vnni::dot_u8s8,
    }
    let _ = isa;
    dot_u8s8_scalar
}

/// The u8 x s8 dot kernel for `isa`, or `None` when the CPU lacks it.
pub fn dot_u8s8_kernel(isa: Isa) -> Option<DotU8s8> {
    isa.is_supported().then(|| select_dot_u8s8(isa))
}

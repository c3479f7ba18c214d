//! The `Real` trait: the scalar arithmetic the reference kernels need, and
//! the per-ISA kernel table of each float type.

use super::kernels::Kernels;
use crate::runtime::Isa;
use std::fmt::Debug;
use std::ops::{Add, Mul, Sub};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// `f32` or `f64`: the element types of the floating-point kernels.
pub trait Real:
    sealed::Sealed
    + Copy
    + Debug
    + Default
    + PartialOrd
    + Send
    + Sync
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + 'static
{
    /// Machine epsilon.
    const EPSILON: Self;
    /// Zero.
    const ZERO: Self;
    /// One.
    const ONE: Self;
    /// Absolute value.
    fn abs(self) -> Self;
    /// Whether the value is NaN.
    fn is_nan(self) -> bool;
    /// Widening conversion to f64 (exact).
    fn to_f64(self) -> f64;
    /// Rounding conversion from f64.
    fn from_f64(v: f64) -> Self;
    /// The kernel table for `isa`, or `None` when the CPU lacks it.
    #[doc(hidden)]
    fn kernels(isa: Isa) -> Option<&'static Kernels<Self>> {
        super::kernels::table(isa)
    }
    /// The kernel table for a rung the CPU is known to have.
    #[doc(hidden)]
    fn select(isa: Isa) -> &'static Kernels<Self>;
}

macro_rules! impl_real {
    ($t:ty, $table:ident) => {
        impl Real for $t {
            const EPSILON: Self = <$t>::EPSILON;
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            #[inline(always)]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            #[inline(always)]
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline]
            fn select(isa: Isa) -> &'static Kernels<Self> {
                super::kernels::$table(isa)
            }
        }
    };
}

impl_real!(f32, select_f32);
impl_real!(f64, select_f64);

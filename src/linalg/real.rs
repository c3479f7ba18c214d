//! The element trait of the factorizations: what QR, the SVD and the
//! randomized SVD need beyond the GEMM's [`GemmReal`].

use super::rotation::Rotate;
use crate::gemm::GemmReal;
use std::ops::{AddAssign, Div, MulAssign, Neg, SubAssign};

/// f32 or f64 as the factorizations use it.
pub trait LinalgReal:
    GemmReal + Rotate + Div<Output = Self> + Neg<Output = Self> + AddAssign + SubAssign + MulAssign
{
    /// Smallest positive normal value.
    const MIN_POSITIVE: Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// `sqrt(self^2 + other^2)` without undue overflow or underflow.
    fn hypot(self, other: Self) -> Self;
    /// `|self|` with the sign bit of `sign`.
    fn copysign(self, sign: Self) -> Self;
    /// Whether the value is neither NaN nor infinite.
    fn is_finite(self) -> bool;
    /// The larger of the two (NaN-ignoring, as `f64::max`).
    fn max(self, other: Self) -> Self;
    /// The smaller of the two (NaN-ignoring, as `f64::min`).
    fn min(self, other: Self) -> Self;
    /// Rounding conversion from a count.
    fn from_usize(n: usize) -> Self;
}

macro_rules! impl_linalg_real {
    ($t:ty) => {
        impl LinalgReal for $t {
            const MIN_POSITIVE: Self = <$t>::MIN_POSITIVE;
            #[inline(always)]
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            #[inline(always)]
            fn hypot(self, other: Self) -> Self {
                <$t>::hypot(self, other)
            }
            #[inline(always)]
            fn copysign(self, sign: Self) -> Self {
                <$t>::copysign(self, sign)
            }
            #[inline(always)]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            #[inline(always)]
            fn max(self, other: Self) -> Self {
                <$t>::max(self, other)
            }
            #[inline(always)]
            fn min(self, other: Self) -> Self {
                <$t>::min(self, other)
            }
            #[inline(always)]
            fn from_usize(n: usize) -> Self {
                n as $t
            }
        }
    };
}

impl_linalg_real!(f32);
impl_linalg_real!(f64);

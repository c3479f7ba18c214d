//! x86_64 SIMD paths of the level-1 family.

pub mod avx2;
pub mod avx512;
pub(crate) mod simd;
pub mod vnni;

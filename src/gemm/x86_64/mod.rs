//! x86_64 GEMM micro-kernels.

pub mod avx2;
pub mod avx512;
pub mod direct;
mod direct_asm;
pub mod dot;
pub mod int8;
pub mod int8_pack;
mod microkernel;
pub mod pack;

//! x86_64 GEMM micro-kernels.

pub mod avx2;
pub mod avx512;
pub mod direct;
mod microkernel;
pub mod pack;

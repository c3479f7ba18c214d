//! simdkern: hand-written SIMD CPU kernels with a stable C ABI.
//!
//! Module map (see `DESIGN.md` in the project's shared folder):
//! - [`runtime`]: CPU feature detection, the ISA cap, the thread pool,
//!   aligned memory.
//! - [`blas1`]: level-1 vector kernels.
//! - [`gemm`]: dense and int8 matrix multiplication, Strassen.
//! - [`quant`]: int8 quantization.
//! - [`linalg`]: QR, the thin SVD and the randomized SVD.
//! - [`sparse`]: CSR matrices, SpMV, SpMM, SpGEMM, conversions.
//! - [`ffi`]: the C ABI (`include/simdkern.h`); nothing else lives there.
//!
//! Every kernel has a scalar reference and AVX2+FMA / AVX-512 paths chosen
//! at run time from the detected CPU, capped by [`runtime::set_max_isa`] or
//! the `SIMDKERN_MAX_ISA` environment variable.

#![warn(missing_docs)]

pub mod blas1;
pub mod codec;
pub mod error;
pub mod ffi;
pub mod gemm;
pub mod linalg;
pub mod quant;
pub mod runtime;
pub mod sparse;
#[cfg(test)]
mod testutil;

pub use blas1::{asum, axpy, dot, dot_u8s8, iamax, nrm2, scal, Strided, StridedMut};
pub use error::{Error, ErrorKind, Result};

/// The crate version as `MAJOR * 10000 + MINOR * 100 + PATCH`.
pub fn version_number() -> u32 {
    fn part(s: &str) -> u32 {
        s.parse().expect("cargo versions are numeric")
    }
    part(env!("CARGO_PKG_VERSION_MAJOR")) * 10000
        + part(env!("CARGO_PKG_VERSION_MINOR")) * 100
        + part(env!("CARGO_PKG_VERSION_PATCH"))
}

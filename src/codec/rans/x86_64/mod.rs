//! SIMD kernels of the rANS codec. The decoders keep the lanes' states in
//! vector registers, gather one table entry per lane and step, and expand
//! the words a step needs into the lanes that need them. `avx512` is a
//! directory (decoder, encoder, dot products: one file each) where other
//! families have one `avx512.rs`; the module path is the same.

pub mod avx2;
pub mod avx512;

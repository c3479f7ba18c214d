//! SIMD tile decoders: the lanes' states in vector registers, one table
//! gather per lane and step, the words a step needs expanded into the
//! lanes that need them.

pub mod avx2;
pub mod avx512;

//! Codecs for compressed neural-network weights.

pub mod rans;

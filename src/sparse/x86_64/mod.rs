//! x86_64 paths of the sparse family: the loop bodies are written once
//! against the level-1 family's vector trait plus a gather ([`body`]); each
//! ISA module instantiates them inside `#[target_feature]` wrappers.

pub mod avx2;
pub mod avx512;
pub(crate) mod body;

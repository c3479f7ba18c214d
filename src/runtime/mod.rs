//! Process-wide runtime: CPU feature detection and the ISA cap, the thread
//! pool, and aligned memory. Every family sits on top of this layer.

pub mod alloc;
pub mod cache;
pub mod cpu;
pub mod pages;
pub mod threads;

pub use cpu::{active_isa, cpu_features, detected_isa, set_max_isa, CpuFeatures, Isa};
pub use threads::{num_threads, set_num_threads};

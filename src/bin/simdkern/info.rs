//! `simdkern info`: what the library sees on this machine and what it will
//! run.

use crate::limits::Caches;
use simdkern::runtime::{self, cpu};

/// Prints version, CPU features, the ISA ladder state and the thread count.
pub fn run() {
    println!(
        "simdkern {} (version number {})",
        env!("CARGO_PKG_VERSION"),
        simdkern::version_number()
    );
    let features = runtime::cpu_features().names();
    println!(
        "cpu features:  {}",
        if features.is_empty() {
            "(none of the ones simdkern uses)".to_string()
        } else {
            features.join(" ")
        }
    );
    println!("detected ISA:  {}", runtime::detected_isa().name());
    // env_cap() ignores names it does not know; read the variable itself
    // too, so a typo is reported instead of silently running uncapped.
    match (std::env::var("SIMDKERN_MAX_ISA"), cpu::env_cap()) {
        (Err(std::env::VarError::NotPresent), _) => {
            println!("ISA cap:       none (SIMDKERN_MAX_ISA not set)")
        }
        (_, Some(isa)) => println!("ISA cap:       {} (SIMDKERN_MAX_ISA)", isa.name()),
        (Ok(raw), None) => {
            println!("ISA cap:       none");
            eprintln!(
                "warning: SIMDKERN_MAX_ISA={raw:?} is not a known ISA (known: {}); it is ignored",
                runtime::Isa::ALL.map(|i| i.name()).join(", ")
            );
        }
        (Err(_), None) => {
            println!("ISA cap:       none");
            eprintln!("warning: SIMDKERN_MAX_ISA is not valid Unicode; it is ignored");
        }
    }
    println!("active ISA:    {}", runtime::active_isa().name());
    println!("threads:       {}", runtime::num_threads());
    let c = Caches::detect();
    println!(
        "caches (cpu0): L1d {} KiB, L2 {} KiB, L3 {} MiB{}",
        c.l1d >> 10,
        c.l2 >> 10,
        c.l3 >> 20,
        if c.detected { "" } else { " (guessed)" }
    );
}

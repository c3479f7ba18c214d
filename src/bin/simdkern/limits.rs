//! Probes of this machine's single-core limits, the yardsticks the kernel
//! tables are measured against.
//!
//! Every probe runs on the calling thread and reports the best of a few
//! runs: interference (other processes, interrupts, migrations) only ever
//! makes a run slower, so the fastest run is the closest to the hardware.
//!
//! - Clock: a chain of dependent 1-cycle integer `add`s written in inline
//!   assembly, so the compiler cannot shorten it; cycles = adds.
//! - FMA peak: 16 (AVX-512) or 12 (AVX2) independent FMA chains, enough to
//!   cover 2 FMA ports × 4-cycle latency; FLOP = chains × lanes × 2.
//! - Two loads per cycle: computed, not measured: 2 × vector bytes × clock.
//!   An L1-resident read loop is run as a cross-check.
//! - Memory read bandwidth: vector loads over a 512 MiB buffer, far beyond
//!   any cache, with 8 independent accumulators, read as 1, 2 and 4
//!   concurrent streams (dot and axpy walk 2-3 arrays); the best counts.

use simdkern::runtime::{active_isa, Isa};
use std::hint::black_box;
use std::time::Instant;

/// Cache sizes in bytes of the core running the tool.
#[derive(Copy, Clone, Debug)]
pub struct Caches {
    /// Level-1 data cache.
    pub l1d: usize,
    /// Level-2 cache.
    pub l2: usize,
    /// Level-3 cache (often shared between cores).
    pub l3: usize,
    /// Whether the sizes came from sysfs (otherwise they are guesses).
    pub detected: bool,
}

impl Caches {
    /// Reads `/sys/devices/system/cpu/cpu0/cache`; falls back to common sizes.
    pub fn detect() -> Caches {
        let mut c = Caches {
            l1d: 32 << 10,
            l2: 1 << 20,
            l3: 32 << 20,
            detected: false,
        };
        for index in 0..8 {
            let dir = format!("/sys/devices/system/cpu/cpu0/cache/index{index}");
            let read = |f: &str| std::fs::read_to_string(format!("{dir}/{f}")).ok();
            let (Some(level), Some(kind), Some(size)) = (read("level"), read("type"), read("size"))
            else {
                continue;
            };
            if kind.trim() == "Instruction" {
                continue;
            }
            let Some(bytes) = parse_size(size.trim()) else {
                continue;
            };
            match level.trim() {
                "1" => c.l1d = bytes,
                "2" => c.l2 = bytes,
                "3" => c.l3 = bytes,
                _ => continue,
            }
            c.detected = true;
        }
        c
    }

    /// The smallest level a working set of `bytes` fits in. L3 counts only
    /// up to half its size: it is shared with the other cores (sysfs gives
    /// the whole socket's, 260 MiB here), so a single core cannot count on
    /// all of it, and a 256 MiB vector is not "in cache".
    pub fn level(&self, bytes: usize) -> &'static str {
        if bytes <= self.l1d {
            "L1"
        } else if bytes <= self.l2 {
            "L2"
        } else if bytes <= self.l3 / 2 {
            "L3"
        } else {
            "DRAM"
        }
    }
}

/// Parses sysfs sizes such as `48K` or `2M`.
fn parse_size(s: &str) -> Option<usize> {
    let (digits, mult) = match s.as_bytes().last()? {
        b'K' => (&s[..s.len() - 1], 1 << 10),
        b'M' => (&s[..s.len() - 1], 1 << 20),
        b'G' => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    digits.parse::<usize>().ok().map(|v| v * mult)
}

/// The measured limits of one core.
#[derive(Copy, Clone, Debug)]
pub struct Limits {
    /// Core clock in Hz while running scalar integer code.
    pub clock_hz: f64,
    /// f32 FMA peak in GFLOP/s, with the ISA and chain count used.
    pub fma: Option<(f64, &'static str)>,
    /// Bytes per vector load of the active ISA (64 AVX-512, 32 AVX2, 8 scalar).
    pub vector_bytes: usize,
    /// The L1 load-port limit in GB/s: 2 × `vector_bytes` × clock.
    pub two_loads_gbs: f64,
    /// Measured read bandwidth of an L1-resident buffer in GB/s (cross-check
    /// of `two_loads_gbs`).
    pub l1_read_gbs: f64,
    /// Measured single-core read bandwidth from memory in GB/s.
    pub mem_read_gbs: f64,
    /// Size of the memory probe's buffer in bytes.
    pub mem_buffer: usize,
    /// Streams (1, 2 or 4) of the best memory-probe run.
    pub mem_streams: usize,
}

impl Limits {
    /// Runs every probe; `quick` shortens them (fewer repetitions).
    pub fn measure(quick: bool) -> Limits {
        // Many short runs for the compute probes: a run of a few ms often
        // fits between two scheduler ticks, so the best one is undisturbed.
        let reps = if quick { 3 } else { 5 };
        let clock_hz = clock_hz(8 * reps);
        let fma = fma_peak_gflops(8 * reps, 1_000_000);
        let isa = active_isa();
        let vector_bytes = match isa {
            Isa::Avx512 | Isa::Avx512Vnni => 64,
            Isa::Avx2 => 32,
            Isa::Scalar => 8,
        };
        let two_loads_gbs = 2.0 * vector_bytes as f64 * clock_hz / 1e9;
        // 16 KiB fits every L1d of the last decade (32-48 KiB) with room
        // to spare, so the loads never miss.
        let l1_read_gbs = read_bandwidth_gbs(16 << 10, 20_000, 1, 8 * reps);
        let mem_buffer = 512 << 20;
        let (mem_read_gbs, mem_streams) = [1, 2, 4]
            .into_iter()
            .map(|streams| (read_bandwidth_gbs(mem_buffer, 1, streams, reps), streams))
            .fold(
                (0.0, 1),
                |best, cur| if cur.0 > best.0 { cur } else { best },
            );
        Limits {
            clock_hz,
            fma,
            vector_bytes,
            two_loads_gbs,
            l1_read_gbs,
            mem_read_gbs,
            mem_buffer,
            mem_streams,
        }
    }

    /// Prints the limits as a short block.
    pub fn print(&self) {
        let line = |label: String, value: String| println!("  {label:<36}{value}");
        println!("Limits of one core (best of several runs):");
        line(
            "clock (dependent add chain)".into(),
            format!("{:8.3} GHz", self.clock_hz / 1e9),
        );
        match self.fma {
            Some((gflops, how)) => line(
                format!("f32 FMA peak ({how})"),
                format!(
                    "{gflops:8.1} GFLOP/s  ({:.1} FLOP/cycle at the add-chain clock)",
                    gflops * 1e9 / self.clock_hz
                ),
            ),
            None => line("f32 FMA peak".into(), "     n/a (no AVX2+FMA path)".into()),
        }
        line(
            format!("two loads/cycle (2 x {} B x clock)", self.vector_bytes),
            format!("{:8.1} GB/s", self.two_loads_gbs),
        );
        line(
            "L1 read, 16 KiB (cross-check)".into(),
            format!(
                "{:8.1} GB/s  ({:.0}% of two loads/cycle)",
                self.l1_read_gbs,
                100.0 * self.l1_read_gbs / self.two_loads_gbs
            ),
        );
        line(
            format!("memory read, {} MiB buffer", self.mem_buffer >> 20),
            format!(
                "{:8.1} GB/s  (best of 1, 2, 4 streams: {})",
                self.mem_read_gbs, self.mem_streams
            ),
        );
    }
}

/// Adds per iteration of [`add_chain`]; the loop's own `dec`/`jnz` run on
/// another dependency chain and hide under the adds.
const ADDS_PER_ITER: u64 = 64;

/// Runs `iters` iterations of [`ADDS_PER_ITER`] dependent `add` instructions.
/// Each add needs the previous result and has 1-cycle latency, so the loop
/// takes `iters * ADDS_PER_ITER` core cycles.
///
/// The addend is a register, not an immediate: Golden Cove and later Intel
/// cores fold `add reg, imm` chains in the renamer and retire several per
/// cycle (an immediate chain measured 16.9 "GHz" on Sapphire Rapids).
#[cfg(target_arch = "x86_64")]
#[inline(never)]
fn add_chain(iters: u64) -> u64 {
    let mut acc: u64 = 0;
    let mut n = iters.max(1);
    // SAFETY: pure register arithmetic; no memory or stack access.
    unsafe {
        core::arch::asm!(
            "2:",
            ".rept 64",
            "add {acc}, {one}",
            ".endr",
            "dec {n}",
            "jnz 2b",
            acc = inout(reg) acc,
            n = inout(reg) n,
            one = in(reg) black_box(1u64),
            options(nomem, nostack),
        );
    }
    black_box(n);
    acc
}

/// Portable stand-in: a black_box'd dependent add per iteration. It costs
/// more than one cycle per add, so the clock it reports is a lower bound.
#[cfg(not(target_arch = "x86_64"))]
#[inline(never)]
fn add_chain(iters: u64) -> u64 {
    let mut acc: u64 = 0;
    for _ in 0..iters * ADDS_PER_ITER {
        acc = black_box(acc + 1);
    }
    acc
}

/// Core clock in Hz: the fastest of `reps` runs of an 8-million-cycle
/// dependent add chain (about 3 ms), cycles divided by wall time.
pub fn clock_hz(reps: usize) -> f64 {
    const ITERS: u64 = 1 << 17;
    black_box(add_chain(8 * ITERS)); // wake the core up to its working clock
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            black_box(add_chain(black_box(ITERS)));
            (ITERS * ADDS_PER_ITER) as f64 / t.elapsed().as_secs_f64()
        })
        .fold(0.0, f64::max)
}

/// f32 FMA peak in GFLOP/s with the widest FMA the active ISA allows, and a
/// label naming what ran; `None` without AVX2+FMA.
pub fn fma_peak_gflops(reps: usize, iters: u64) -> Option<(f64, &'static str)> {
    #[cfg(target_arch = "x86_64")]
    {
        let isa = active_isa();
        let (run, flop_per_iter, label): (fn(u64) -> f32, u64, &'static str) = if isa >= Isa::Avx512
        {
            (fma::zmm16, 16 * 16 * 2, "AVX-512, 16 chains")
        } else if isa >= Isa::Avx2 {
            (fma::ymm12, 12 * 8 * 2, "AVX2, 12 chains")
        } else {
            return None;
        };
        black_box(run(iters));
        let best = (0..reps)
            .map(|_| {
                let t = Instant::now();
                black_box(run(black_box(iters)));
                (iters * flop_per_iter) as f64 / t.elapsed().as_secs_f64()
            })
            .fold(0.0, f64::max);
        Some((best / 1e9, label))
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (reps, iters);
        None
    }
}

#[cfg(target_arch = "x86_64")]
mod fma {
    //! FMA throughput loops. Each accumulator is its own dependency chain
    //! (`acc = acc * a + b`), so with enough chains the loop runs at the
    //! FMA ports' throughput, not their latency. `a` slightly below 1 keeps
    //! values finite and normal however long the loop runs.

    use core::arch::x86_64::*;
    use std::hint::black_box;

    /// 16 zmm chains: 16 FMAs per iteration, 32 FLOP each.
    pub fn zmm16(iters: u64) -> f32 {
        // SAFETY: only selected when the active ISA includes AVX-512F.
        unsafe { zmm16_impl(iters, black_box(0.999_999), black_box(1e-6)) }
    }

    #[target_feature(enable = "avx512f")]
    unsafe fn zmm16_impl(iters: u64, a: f32, b: f32) -> f32 {
        let va = _mm512_set1_ps(a);
        let vb = _mm512_set1_ps(b);
        let mut acc = [_mm512_set1_ps(1.0); 16];
        for _ in 0..iters {
            for v in acc.iter_mut() {
                *v = _mm512_fmadd_ps(*v, va, vb);
            }
        }
        let mut sum = _mm512_setzero_ps();
        for v in acc {
            sum = _mm512_add_ps(sum, v);
        }
        _mm512_reduce_add_ps(sum)
    }

    /// 12 ymm chains (AVX2 has 16 registers; two hold the constants).
    pub fn ymm12(iters: u64) -> f32 {
        // SAFETY: only selected when the active ISA includes AVX2 and FMA.
        unsafe { ymm12_impl(iters, black_box(0.999_999), black_box(1e-6)) }
    }

    #[target_feature(enable = "avx2,fma")]
    unsafe fn ymm12_impl(iters: u64, a: f32, b: f32) -> f32 {
        let va = _mm256_set1_ps(a);
        let vb = _mm256_set1_ps(b);
        let mut acc = [_mm256_set1_ps(1.0); 12];
        for _ in 0..iters {
            for v in acc.iter_mut() {
                *v = _mm256_fmadd_ps(*v, va, vb);
            }
        }
        let mut sum = _mm256_setzero_ps();
        for v in acc {
            sum = _mm256_add_ps(sum, v);
        }
        let mut lanes = [0f32; 8];
        _mm256_storeu_ps(lanes.as_mut_ptr(), sum);
        lanes.iter().sum()
    }
}

/// Read bandwidth in GB/s over a 64-byte aligned buffer of `bytes`, read
/// `passes` times per run as `streams` (1, 2 or 4) equal parts walked side
/// by side; the best of `reps` runs. The buffer is written once first so
/// every page is mapped before timing.
///
/// Several streams matter beyond the caches: a dot or axpy walks two or
/// three arrays at once, and one core's prefetchers then keep more misses
/// in flight than for one stream, so a one-stream probe would understate
/// the bandwidth those kernels can reach.
pub fn read_bandwidth_gbs(bytes: usize, passes: usize, streams: usize, reps: usize) -> f64 {
    let words = bytes / 8;
    let buf = simdkern::runtime::alloc::aligned_filled(words, 0x0101_0101_0101_0101u64);
    black_box(read::sum(&buf, 1, streams)); // warm-up: TLB, caches for small buffers
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            black_box(read::sum(black_box(&buf), passes, streams));
            (words * 8 * passes) as f64 / t.elapsed().as_secs_f64() / 1e9
        })
        .fold(0.0, f64::max)
}

mod read {
    //! Pure-read loops: 8 vector loads per iteration, each added into its
    //! own accumulator with a 1-cycle integer add so the adds never limit
    //! the load rate. The passes run inside the kernel and the accumulators
    //! are reduced once at the end, so a small (L1) buffer measures loads,
    //! not call and reduction overhead. With `S` streams the buffer is cut
    //! into `S` equal parts and each iteration loads `8 / S` vectors from
    //! each part; a remainder that does not fill an iteration is added in
    //! scalar code.

    use simdkern::runtime::{active_isa, Isa};

    /// Wrapping sum of the words over `passes` passes as `streams` streams,
    /// with the widest loads the active ISA allows.
    pub fn sum(buf: &[u64], passes: usize, streams: usize) -> u64 {
        #[cfg(target_arch = "x86_64")]
        {
            let isa = active_isa();
            // SAFETY (every arm): the ISA the kernel needs is active.
            unsafe {
                match (isa >= Isa::Avx512, isa >= Isa::Avx2, streams) {
                    (true, _, 4) => return x86::sum_zmm::<4>(buf, passes),
                    (true, _, 2) => return x86::sum_zmm::<2>(buf, passes),
                    (true, _, _) => return x86::sum_zmm::<1>(buf, passes),
                    (false, true, 4) => return x86::sum_ymm::<4>(buf, passes),
                    (false, true, 2) => return x86::sum_ymm::<2>(buf, passes),
                    (false, true, _) => return x86::sum_ymm::<1>(buf, passes),
                    _ => {}
                }
            }
        }
        let _ = streams;
        (0..passes).fold(0u64, |a, _| buf.iter().fold(a, |a, &w| a.wrapping_add(w)))
    }

    /// Words covered by the vector loop for `S` streams of `block` words
    /// per iteration each, and the length of one stream's part.
    fn split<const S: usize>(len: usize, block: usize) -> (usize, usize) {
        let part = len / S / block * block;
        (part * S, part)
    }

    #[cfg(target_arch = "x86_64")]
    mod x86 {
        use super::split;
        use core::arch::x86_64::*;

        #[target_feature(enable = "avx512f")]
        pub unsafe fn sum_zmm<const S: usize>(buf: &[u64], passes: usize) -> u64 {
            let per = 8 / S; // vectors per stream per iteration
            let (covered, part) = split::<S>(buf.len(), 8 * per);
            let p = buf.as_ptr();
            let mut acc = [_mm512_setzero_si512(); 8];
            for _ in 0..passes {
                let mut j = 0;
                while j < part {
                    for s in 0..S {
                        for k in 0..per {
                            let v = _mm512_loadu_si512(p.add(s * part + j + 8 * k).cast());
                            acc[s * per + k] = _mm512_add_epi64(acc[s * per + k], v);
                        }
                    }
                    j += 8 * per;
                }
            }
            let mut total = _mm512_setzero_si512();
            for a in acc {
                total = _mm512_add_epi64(total, a);
            }
            let tail = buf[covered..]
                .iter()
                .fold(0u64, |s, &w| s.wrapping_add(w))
                .wrapping_mul(passes as u64);
            (_mm512_reduce_add_epi64(total) as u64).wrapping_add(tail)
        }

        #[target_feature(enable = "avx2")]
        pub unsafe fn sum_ymm<const S: usize>(buf: &[u64], passes: usize) -> u64 {
            let per = 8 / S;
            let (covered, part) = split::<S>(buf.len(), 4 * per);
            let p = buf.as_ptr();
            let mut acc = [_mm256_setzero_si256(); 8];
            for _ in 0..passes {
                let mut j = 0;
                while j < part {
                    for s in 0..S {
                        for k in 0..per {
                            let v = _mm256_loadu_si256(p.add(s * part + j + 4 * k).cast());
                            acc[s * per + k] = _mm256_add_epi64(acc[s * per + k], v);
                        }
                    }
                    j += 4 * per;
                }
            }
            let mut total = _mm256_setzero_si256();
            for a in acc {
                total = _mm256_add_epi64(total, a);
            }
            let mut lanes = [0u64; 4];
            _mm256_storeu_si256(lanes.as_mut_ptr().cast(), total);
            let tail = buf[covered..]
                .iter()
                .fold(0u64, |s, &w| s.wrapping_add(w))
                .wrapping_mul(passes as u64);
            lanes.iter().fold(tail, |s, &w| s.wrapping_add(w))
        }
    }
}

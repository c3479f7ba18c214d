//! `simdkern bench`: measure this core's limits, then time every level-1
//! kernel at several sizes and report how close each gets to the limit
//! that bounds it.
//!
//! Which limit bounds a kernel depends on where its working set lives:
//! - L1 or L2: the two-loads-per-cycle limit of the load ports, compared
//!   with the bytes the kernel must *load* (writes use the store port).
//! - L3 or DRAM: the measured single-core memory read bandwidth, compared
//!   with every byte *moved* (reads plus writes; written lines are read
//!   into the cache first). L3 rows can exceed 100%: L3 is faster than DRAM.
//!
//! Bytes and FLOP are the nominal ones of the operation (a kernel that
//! reads its input twice still counts it once), so extra passes show up as
//! a lower percentage.
//!
//! GEMM is bound by arithmetic, not bytes: its rows (`bench_gemm.rs`)
//! compare GFLOP/s with the measured FMA peak of one core.

use crate::limits::{Caches, Limits};
use crate::timing::{fmt_time, Timer};
use simdkern::blas1::Real;
use simdkern::runtime::{active_isa, set_max_isa, Isa};
use std::hint::black_box;
use std::time::Instant;

/// Options of `simdkern bench`.
#[derive(Clone, Debug, Default)]
pub struct BenchOpts {
    /// Shorter batches, no 64M size and no n = 2048 GEMM (well under 30 s).
    pub quick: bool,
    /// Cap the ISA before measuring (as `SIMDKERN_MAX_ISA` would).
    pub isa: Option<Isa>,
    /// Only these kernels (names as printed); all when `None`.
    pub only: Option<Vec<String>>,
}

/// Every kernel the tool times, in print order.
pub const KERNELS: [&str; 24] = [
    "sdot",
    "ddot",
    "dot_u8s8",
    "saxpy",
    "daxpy",
    "sscal",
    "snrm2",
    "dnrm2",
    "sasum",
    "isamax",
    "sgemm",
    "dgemm",
    "gemm_u8s8s32",
    "qlinear",
    "qr",
    "svd",
    "rsvd",
    "spmv",
    "spmm",
    "spgemm",
    "rans_encode",
    "rans_decode",
    "qrans_gemv",
    "qrans_gemm",
];

/// The per-element work of one kernel call.
#[derive(Copy, Clone, Debug)]
struct Spec {
    name: &'static str,
    /// Bytes per element.
    elem: usize,
    /// Arrays read (each is also part of the working set).
    reads: usize,
    /// Arrays written (in place, so not extra working set).
    writes: usize,
    /// FLOP per element; `None` for kernels that do no arithmetic to speak of.
    flops: Option<f64>,
    /// One line on what is counted.
    what: &'static str,
}

/// The level-1 operations on floats.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Op {
    Dot,
    Axpy,
    Scal,
    Nrm2,
    Asum,
    Iamax,
}

impl Op {
    fn spec(self, name: &'static str, elem: usize) -> Spec {
        let (reads, writes, flops, what) = match self {
            Op::Dot => (2, 0, Some(2.0), "reads x, y; 2 FLOP/element"),
            Op::Axpy => (2, 1, Some(2.0), "reads x, y, writes y; 2 FLOP/element"),
            Op::Scal => (1, 1, Some(1.0), "reads x, writes x; 1 FLOP/element"),
            Op::Nrm2 => (1, 0, Some(2.0), "reads x once nominally; 2 FLOP/element"),
            Op::Asum => (1, 0, Some(1.0), "reads x; 1 FLOP/element (the add)"),
            Op::Iamax => (
                1,
                0,
                None,
                "reads x; largest element placed last (whole vector scanned)",
            ),
        };
        Spec {
            name,
            elem,
            reads,
            writes,
            flops,
            what,
        }
    }
}

/// One measured (kernel, n).
struct Row {
    n: usize,
    secs: f64,
    level: &'static str,
    gflops: Option<f64>,
    gbs: f64,
    pct: f64,
    limit: &'static str,
    extra: Option<String>,
}

/// What every table needs: the limits, cache sizes, sizes and timer.
struct Ctx {
    limits: Limits,
    caches: Caches,
    timer: Timer,
    sizes: Vec<usize>,
    only: Option<Vec<String>>,
}

impl Ctx {
    fn wants(&self, name: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|list| list.iter().any(|k| k == name))
    }

    fn row(&self, spec: &Spec, n: usize, secs: f64) -> Row {
        let nb = (n * spec.elem) as f64;
        let loaded = spec.reads as f64 * nb;
        let moved = (spec.reads + spec.writes) as f64 * nb;
        let level = self.caches.level(spec.reads * n * spec.elem);
        let (pct, limit) = match level {
            "L1" | "L2" => (
                100.0 * loaded / secs / 1e9 / self.limits.two_loads_gbs,
                "2 loads/cycle",
            ),
            _ => (
                100.0 * moved / secs / 1e9 / self.limits.mem_read_gbs,
                "memory read BW",
            ),
        };
        Row {
            n,
            secs,
            level,
            gflops: spec.flops.map(|f| f * n as f64 / secs / 1e9),
            gbs: moved / secs / 1e9,
            pct,
            limit,
            extra: None,
        }
    }
}

/// Runs the whole benchmark and prints the tables.
pub fn run(opts: &BenchOpts) -> Result<(), String> {
    let start = Instant::now();
    if let Some(isa) = opts.isa {
        set_max_isa(isa);
    }
    if let Some(only) = &opts.only {
        if let Some(bad) = only.iter().find(|k| !KERNELS.contains(&k.as_str())) {
            return Err(format!(
                "unknown kernel '{bad}' (known: {})",
                KERNELS.join(", ")
            ));
        }
    }
    println!(
        "simdkern {} bench{}: active ISA {}, one thread (level-1 kernels run on the caller; GEMM with a 1-thread pool)",
        env!("CARGO_PKG_VERSION"),
        if opts.quick { " --quick" } else { "" },
        active_isa().name()
    );
    let caches = Caches::detect();
    println!(
        "caches: L1d {} KiB, L2 {} KiB, L3 {} MiB{}",
        caches.l1d >> 10,
        caches.l2 >> 10,
        caches.l3 >> 20,
        if caches.detected {
            ""
        } else {
            " (guessed; sysfs unreadable)"
        }
    );
    println!();
    let limits = Limits::measure(opts.quick);
    limits.print();
    println!();
    println!(
        "Per kernel: median of 5 batches, each repeated to at least {} ms.",
        Timer::new(opts.quick).target.as_millis()
    );
    println!("% of limit: in L1/L2, bytes loaded vs two loads/cycle; in L3/DRAM, bytes moved");
    println!("(read + written) vs memory read bandwidth. GB/s counts bytes moved.");

    let mut sizes = vec![1 << 10, 4 << 10, 16 << 10, 64 << 10, 1 << 20];
    if !opts.quick {
        sizes.push(64 << 20);
    }
    let ctx = Ctx {
        limits,
        caches,
        timer: Timer::new(opts.quick),
        sizes,
        only: opts.only.clone(),
    };

    let f32_ops = [
        (Op::Dot, "sdot"),
        (Op::Axpy, "saxpy"),
        (Op::Scal, "sscal"),
        (Op::Nrm2, "snrm2"),
        (Op::Asum, "sasum"),
        (Op::Iamax, "isamax"),
    ];
    let sdot = float_tables::<f32>(&ctx, &f32_ops)?;
    float_tables::<f64>(
        &ctx,
        &[(Op::Dot, "ddot"), (Op::Axpy, "daxpy"), (Op::Nrm2, "dnrm2")],
    )?;
    u8s8_table(&ctx, &sdot)?;
    crate::bench_gemm::tables(&ctx.limits, &ctx.caches, ctx.timer, opts.quick, |k| {
        ctx.wants(k)
    })?;
    crate::bench_linalg::tables(ctx.timer, opts.quick, |k| ctx.wants(k));
    crate::bench_sparse::tables(&ctx.limits, ctx.timer, opts.quick, |k| ctx.wants(k));
    crate::bench_rans::tables(ctx.timer, opts.quick, |k| ctx.wants(k));
    println!();
    println!("total {:.1} s", start.elapsed().as_secs_f64());
    Ok(())
}

/// A 64-bit LCG step (Knuth's MMIX constants); no crate needed.
pub(crate) fn lcg(s: u64) -> u64 {
    s.wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407)
}

/// A 64-byte aligned vector of deterministic values in [-1, 1).
fn random_vec<T: Real>(n: usize, seed: u64) -> simdkern::runtime::alloc::AlignedVec<T> {
    let mut v = simdkern::runtime::alloc::aligned_filled(n, T::ZERO);
    let mut s = lcg(seed);
    for e in v.iter_mut() {
        s = lcg(s);
        *e = T::from_f64((s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0);
    }
    v
}

/// Times `ops` (all on element type `T`) at every size and prints one table
/// per kernel. Returns the dot rows' elements per second by n, for the
/// u8s8 comparison.
fn float_tables<T: Real>(
    ctx: &Ctx,
    ops: &[(Op, &'static str)],
) -> Result<Vec<(usize, f64)>, String> {
    let mut dot_rates = Vec::new();
    if !ops.iter().any(|(_, name)| ctx.wants(name)) {
        return Ok(dot_rates);
    }
    let max_n = *ctx.sizes.iter().max().expect("sizes");
    let elem = std::mem::size_of::<T>();
    let x = random_vec::<T>(max_n, 1);
    let mut y = random_vec::<T>(max_n, 2);
    let mut x_mut = x.clone();
    for &(op, name) in ops {
        if !ctx.wants(name) {
            continue;
        }
        let spec = op.spec(name, elem);
        let mut rows = Vec::new();
        for &n in &ctx.sizes {
            let (xs, ys) = (&x[..n], &mut y[..n]);
            let secs = match op {
                Op::Dot => {
                    simdkern::dot(xs, &*ys).map_err(|e| format!("{name}: {e}"))?;
                    ctx.timer.per_call(|| {
                        black_box(simdkern::dot(black_box(xs), black_box(&*ys)).ok());
                    })
                }
                Op::Axpy => {
                    // Tiny alpha: y stays bounded however many calls run.
                    let alpha = T::from_f64(1e-7);
                    simdkern::axpy(alpha, xs, &mut *ys).map_err(|e| format!("{name}: {e}"))?;
                    ctx.timer.per_call(|| {
                        black_box(simdkern::axpy(black_box(alpha), black_box(xs), &mut *ys).ok());
                    })
                }
                Op::Scal => {
                    // Alternate exact factors 2 and 1/2 so x neither
                    // overflows nor becomes subnormal.
                    let xm = &mut x_mut[..n];
                    let mut up = false;
                    ctx.timer.per_call(|| {
                        up = !up;
                        let alpha = T::from_f64(if up { 2.0 } else { 0.5 });
                        simdkern::scal(black_box(alpha), &mut *xm);
                        black_box(&mut *xm);
                    })
                }
                Op::Nrm2 => ctx.timer.per_call(|| {
                    black_box(simdkern::nrm2(black_box(xs)));
                }),
                Op::Asum => ctx.timer.per_call(|| {
                    black_box(simdkern::asum(black_box(xs)));
                }),
                Op::Iamax => {
                    let xm = &mut x_mut[..n];
                    let saved = xm[n - 1];
                    xm[n - 1] = T::from_f64(2.0);
                    let xs = &*xm;
                    let got = simdkern::iamax(xs);
                    if got != Some(n - 1) {
                        eprintln!(
                            "warning: {name} n={n} returned {got:?}, expected Some({})",
                            n - 1
                        );
                    }
                    let secs = ctx.timer.per_call(|| {
                        black_box(simdkern::iamax(black_box(xs)));
                    });
                    xm[n - 1] = saved;
                    secs
                }
            };
            if op == Op::Dot {
                dot_rates.push((n, n as f64 / secs));
            }
            rows.push(ctx.row(&spec, n, secs));
        }
        print_table(&spec, "GFLOP/s", &rows, None);
    }
    Ok(dot_rates)
}

/// Times `dot_u8s8` and compares its elements per second with sdot's.
fn u8s8_table(ctx: &Ctx, sdot: &[(usize, f64)]) -> Result<(), String> {
    const NAME: &str = "dot_u8s8";
    if !ctx.wants(NAME) {
        return Ok(());
    }
    let max_n = *ctx.sizes.iter().max().expect("sizes");
    let mut x = simdkern::runtime::alloc::aligned_filled(max_n, 0u8);
    let mut y = simdkern::runtime::alloc::aligned_filled(max_n, 0i8);
    let mut s: u32 = 12345;
    for (a, b) in x.iter_mut().zip(y.iter_mut()) {
        s = s.wrapping_mul(1664525).wrapping_add(1013904223);
        *a = (s >> 24) as u8;
        // Symmetric in [-127, 127]: mean 0, so even the 64M sum stays far
        // inside int32 (the API reports overflow as an error).
        *b = ((((s >> 8) & 0xffff) % 255) as i32 - 127) as i8;
    }
    let spec = Spec {
        name: NAME,
        elem: 1,
        reads: 2,
        writes: 0,
        flops: Some(1.0),
        what: "reads u8 x, i8 y; 1 element = 1 multiply-add (VPDPBUSD under VNNI)",
    };
    let mut rows = Vec::new();
    for &n in &ctx.sizes {
        let (xs, ys) = (&x[..n], &y[..n]);
        simdkern::dot_u8s8(xs, ys).map_err(|e| format!("{NAME}: {e}"))?;
        let secs = ctx.timer.per_call(|| {
            black_box(simdkern::dot_u8s8(black_box(xs), black_box(ys)).ok());
        });
        let mut row = ctx.row(&spec, n, secs);
        row.extra = sdot
            .iter()
            .find(|&&(m, _)| m == n)
            .map(|&(_, rate)| format!("{:.2}x", n as f64 / secs / rate));
        rows.push(row);
    }
    print_table(&spec, "Gelem/s", &rows, Some("vs sdot"));
    Ok(())
}

/// `1K`, `64K`, `64M` for powers of two; plain digits otherwise.
fn fmt_n(n: usize) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{}M", n >> 20)
    } else if n >= 1 << 10 && n.is_multiple_of(1 << 10) {
        format!("{}K", n >> 10)
    } else {
        n.to_string()
    }
}

fn print_table(spec: &Spec, rate: &str, rows: &[Row], extra: Option<&str>) {
    println!();
    println!(
        "{}  ({}-byte elements: {})",
        spec.name, spec.elem, spec.what
    );
    println!(
        "  {:>6}  {:<4}  {:>10}  {:>8}  {:>8}  {:>6}  {:<15}{}",
        "n",
        "fits",
        "time/call",
        rate,
        "GB/s",
        "%",
        "of limit",
        extra.map(|e| format!("  {e:>8}")).unwrap_or_default()
    );
    for r in rows {
        println!(
            "  {:>6}  {:<4}  {:>10}  {:>8}  {:>8.1}  {:>5.0}%  {:<15}{}",
            fmt_n(r.n),
            r.level,
            fmt_time(r.secs),
            r.gflops.map_or("-".to_string(), |g| format!("{g:.2}")),
            r.gbs,
            r.pct,
            r.limit,
            // A column the table has but this row lacks (sdot not run).
            r.extra
                .as_deref()
                .or(extra.map(|_| "-"))
                .map(|e| format!("  {e:>8}"))
                .unwrap_or_default()
        );
    }
}

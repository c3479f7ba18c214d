//! GEMM rows of `simdkern bench`: `sgemm` and `dgemm` through the safe Rust
//! API (`simdkern::gemm::gemm`) on square problems and the shapes of
//! transformer-style layers, against the measured FMA peak of one core.
//!
//! - Work: row-major `C = A B` (alpha 1, beta 0), counted as the nominal
//!   `2 m n k` FLOP; Strassen's rows count the same FLOP (an effective rate),
//!   so a Strassen speed-up shows as a rate above the classical one.
//! - Limit: the f32 FMA peak from the limits probe; f64 counts half of it
//!   (same FMA throughput, half the lanes).
//! - One thread (the library pool is set to 1 for the section and put back
//!   afterwards), so the rows compare with the one-core peak; the peer
//!   comparison `benches/peers/run_gemm.sh` covers 2 threads.
//! - Each result is spot-checked against f64 dot products at a few
//!   elements, with the tolerance of a length-k dot.

use crate::limits::{Caches, Limits};
use crate::timing::{fmt_time, Timer};
use simdkern::blas1::Real;
use simdkern::gemm::{gemm, gemm_strassen, MatMut, MatRef};
use simdkern::runtime::alloc::{aligned_filled, AlignedVec};
use std::hint::black_box;
use std::time::Instant;

/// The element types timed here. Calling `gemm` through concrete f32 and
/// f64 impls keeps this file independent of the library's own trait bound
/// on the element type.
trait Elem: Real {
    /// `C = A B` (alpha 1, beta 0) on row-major data, classical or Strassen.
    fn product(
        a: MatRef<Self>,
        b: MatRef<Self>,
        c: MatMut<Self>,
        strassen: bool,
    ) -> simdkern::Result<()>;
}

macro_rules! impl_elem {
    ($t:ty) => {
        impl Elem for $t {
            fn product(
                a: MatRef<$t>,
                b: MatRef<$t>,
                c: MatMut<$t>,
                strassen: bool,
            ) -> simdkern::Result<()> {
                if strassen {
                    gemm_strassen(1.0, a, b, 0.0, c)
                } else {
                    gemm(1.0, a, b, 0.0, c)
                }
            }
        }
    };
}
impl_elem!(f32);
impl_elem!(f64);

/// The kernel names this section answers to in `--only`.
pub const NAMES: [&str; 2] = ["sgemm", "dgemm"];

/// One problem: A is m x k, B is k x n.
#[derive(Copy, Clone, Debug)]
struct Shape {
    m: usize,
    k: usize,
    n: usize,
}

impl Shape {
    fn square(n: usize) -> Shape {
        Shape { m: n, k: n, n }
    }
    fn is_square(&self) -> bool {
        self.m == self.k && self.k == self.n
    }
    fn label(&self) -> String {
        if self.is_square() {
            format!("n={}", self.n)
        } else {
            format!("m={} k={} n={}", self.m, self.k, self.n)
        }
    }
    fn flop(&self) -> f64 {
        2.0 * self.m as f64 * self.n as f64 * self.k as f64
    }
}

/// The problems: squares, then m = 1, 8, 64 with (k, n) = (384, 1536) and
/// (1536, 384) (a 384-wide model's up- and down-projections).
fn shapes(quick: bool) -> Vec<Shape> {
    let mut v: Vec<Shape> = [64, 256, 1024].into_iter().map(Shape::square).collect();
    if !quick {
        v.push(Shape::square(2048));
    }
    for m in [1, 8, 64] {
        for (k, n) in [(384, 1536), (1536, 384)] {
            v.push(Shape { m, k, n });
        }
    }
    v
}

/// Calls longer than this are timed once instead of in calibrated batches
/// (a scalar fallback at n = 2048 would otherwise take minutes).
fn single_call_limit(quick: bool) -> f64 {
    if quick {
        0.25
    } else {
        1.0
    }
}

/// Deterministic values in [-1, 1) from a 64-bit LCG, 64-byte aligned.
fn random_mat<T: Real>(len: usize, seed: u64) -> AlignedVec<T> {
    let mut v = aligned_filled(len, T::ZERO);
    let mut s = seed;
    for e in v.iter_mut() {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *e = T::from_f64((s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0);
    }
    v
}

/// One measured row.
struct Row {
    shape: Shape,
    level: &'static str,
    secs: f64,
    batched: bool,
    strassen: Option<f64>,
}

/// Runs `sgemm` and `dgemm` (as `wants` allows) on one thread and prints
/// one table per type.
pub fn tables(
    limits: &Limits,
    caches: &Caches,
    timer: Timer,
    quick: bool,
    wants: impl Fn(&str) -> bool,
) -> Result<(), String> {
    if !NAMES.iter().any(|n| wants(n)) {
        return Ok(());
    }
    let before = simdkern::runtime::num_threads();
    simdkern::runtime::set_num_threads(1).map_err(|e| format!("gemm: {e}"))?;
    let result = (|| {
        let peak = limits.fma.map(|(g, _)| g);
        if wants("sgemm") {
            table::<f32>("sgemm", peak, caches, timer, quick)?;
        }
        if wants("dgemm") {
            table::<f64>("dgemm", peak.map(|g| g / 2.0), caches, timer, quick)?;
        }
        Ok(())
    })();
    simdkern::runtime::set_num_threads(before).map_err(|e| format!("gemm: {e}"))?;
    result
}

/// Seconds per call of `f`: calibrated batches and their median, or one
/// timed call when a call alone exceeds `limit` (then `false`).
fn time_call(timer: Timer, limit: f64, mut f: impl FnMut()) -> (f64, bool) {
    let t = Instant::now();
    f(); // warm-up: packing buffers, pages of C, dispatch
    let first = t.elapsed().as_secs_f64();
    if first > limit {
        let t = Instant::now();
        f();
        return (t.elapsed().as_secs_f64(), false);
    }
    (timer.per_call(f), true)
}

fn table<T: Elem>(
    name: &str,
    peak: Option<f64>,
    caches: &Caches,
    timer: Timer,
    quick: bool,
) -> Result<(), String> {
    let elem = std::mem::size_of::<T>();
    let mut rows = Vec::new();
    for shape in shapes(quick) {
        let Shape { m, k, n } = shape;
        let a = random_mat::<T>(m * k, 1 + m as u64);
        let b = random_mat::<T>(k * n, 2 + n as u64);
        let mut c = aligned_filled(m * n, T::ZERO);
        let err = |e: simdkern::Error| format!("{name} {}: {e}", shape.label());
        let run = |c: &mut [T], strassen: bool| -> simdkern::Result<()> {
            let av = MatRef::row_major(&a, m, k)?;
            let bv = MatRef::row_major(&b, k, n)?;
            let cv = MatMut::row_major(c, m, n)?;
            T::product(av, bv, cv, strassen)
        };
        run(&mut c, false).map_err(err)?;
        spot_check(name, shape, &a, &b, &c, false);
        let limit = single_call_limit(quick);
        let (secs, batched) = time_call(timer, limit, || {
            black_box(run(black_box(&mut c), false).ok());
        });
        let strassen = if shape.is_square() && n >= 1024 {
            run(&mut c, true).map_err(err)?;
            spot_check(name, shape, &a, &b, &c, true);
            Some(
                time_call(timer, limit, || {
                    black_box(run(black_box(&mut c), true).ok());
                })
                .0,
            )
        } else {
            None
        };
        rows.push(Row {
            shape,
            level: caches.level((m * k + k * n + m * n) * elem),
            secs,
            batched,
            strassen,
        });
    }
    print_table(name, elem, peak, &rows);
    Ok(())
}

/// Compares 16 elements of C (corners and pseudo-random ones) with f64 dot
/// products; warns past 2 k eps |a_i| |b_j| (4 k eps for Strassen, whose
/// bound is looser), the tolerance of a length-k dot in `T`.
fn spot_check<T: Real>(name: &str, s: Shape, a: &[T], b: &[T], c: &[T], strassen: bool) {
    if s.m == 0 || s.n == 0 {
        return;
    }
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut worst = 0.0f64;
    for t in 0..16 {
        let (i, j) = match t {
            0 => (0, 0),
            1 => (s.m - 1, s.n - 1),
            2 => (0, s.n - 1),
            3 => (s.m - 1, 0),
            _ => {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (
                    (seed % s.m as u64) as usize,
                    ((seed >> 32) % s.n as u64) as usize,
                )
            }
        };
        let (mut dot, mut na, mut nb) = (0.0f64, 0.0f64, 0.0f64);
        for p in 0..s.k {
            let (x, y) = (a[i * s.k + p].to_f64(), b[p * s.n + j].to_f64());
            dot += x * y;
            na += x * x;
            nb += y * y;
        }
        let scale = (na * nb).sqrt().max(f64::MIN_POSITIVE);
        let diff = (c[i * s.n + j].to_f64() - dot).abs() / scale;
        worst = if diff.is_nan() {
            f64::INFINITY
        } else {
            worst.max(diff)
        };
    }
    let tol = (if strassen { 4.0 } else { 2.0 }) * s.k.max(1) as f64 * T::EPSILON.to_f64();
    if worst > tol {
        eprintln!(
            "warning: {name}{} {}: |C - exact| / (|a_i| |b_j|) = {worst:.3e} > {tol:.3e}",
            if strassen { " (Strassen)" } else { "" },
            s.label()
        );
    }
}

fn print_table(name: &str, elem: usize, peak: Option<f64>, rows: &[Row]) {
    println!();
    println!(
        "{name}  ({elem}-byte elements: row-major C = A B, 2mnk FLOP, 1 thread; {})",
        match peak {
            Some(p) => format!("peak {p:.1} GFLOP/s"),
            None => "no FMA peak measured".to_string(),
        }
    );
    println!(
        "  {:<20}  {:<4}  {:>10}  {:>8}  {:>6}  {:>9}  {:>6}",
        "problem", "fits", "time/call", "GFLOP/s", "% peak", "strassen", "str/cl"
    );
    for r in rows {
        let gflops = r.shape.flop() / r.secs / 1e9;
        let (str_rate, str_ratio) = match r.strassen {
            Some(s) => (
                format!("{:.1}", r.shape.flop() / s / 1e9),
                format!("{:.2}", r.secs / s),
            ),
            None => ("-".to_string(), "-".to_string()),
        };
        println!(
            "  {:<20}  {:<4}  {:>10}  {:>8.1}  {:>6}  {:>9}  {:>6}{}",
            r.shape.label(),
            r.level,
            fmt_time(r.secs),
            gflops,
            peak.map_or("-".to_string(), |p| format!("{:.0}%", 100.0 * gflops / p)),
            str_rate,
            str_ratio,
            if r.batched { "" } else { "  (one call)" }
        );
    }
}

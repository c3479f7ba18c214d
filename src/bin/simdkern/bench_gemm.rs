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
//!
//! Then the int8 rows: `gemm_u8s8s32` (uint8 A x int8 B -> exact int32 C)
//! on squares, counted as `2 m n k` integer ops, and `qlinear` (a
//! [`QLinear`] layer, `y = x W^T + bias` on int8 weights packed once, x
//! quantized per call) at batch 1, 384 -> 1536, counted as the `2 batch in
//! out` FLOP of the f32 product it replaces. Both are compared with the
//! sgemm row of the same problem (timed here when sgemm's table did not
//! run); `gemm_u8s8s32` is checked exactly at a few elements, `qlinear`'s
//! relative error is printed.

use crate::limits::{Caches, Limits};
use crate::timing::{fmt_time, Timer};
use simdkern::blas1::Real;
use simdkern::gemm::int8::{gemm_u8s8s32, QLinear};
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
pub const NAMES: [&str; 4] = ["sgemm", "dgemm", "gemm_u8s8s32", "qlinear"];

/// One problem: A is m x k, B is k x n.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
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
pub(crate) fn random_mat<T: Real>(len: usize, seed: u64) -> AlignedVec<T> {
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

/// Runs `sgemm`, `dgemm`, `gemm_u8s8s32` and `qlinear` (as `wants` allows)
/// on one thread and prints one table per kernel.
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
        let mut sgemm = Vec::new();
        if wants("sgemm") {
            sgemm = table::<f32>("sgemm", peak, caches, timer, quick)?;
        }
        if wants("dgemm") {
            table::<f64>("dgemm", peak.map(|g| g / 2.0), caches, timer, quick)?;
        }
        if wants("gemm_u8s8s32") {
            int8_table(&sgemm, caches, timer, quick)?;
        }
        if wants("qlinear") {
            qlinear_table(&sgemm, caches, timer, quick)?;
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

/// Times `T`'s GEMM on every shape, prints the table and returns its rows.
fn table<T: Elem>(
    name: &str,
    peak: Option<f64>,
    caches: &Caches,
    timer: Timer,
    quick: bool,
) -> Result<Vec<Row>, String> {
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
    Ok(rows)
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

/// Seconds per sgemm call on `shape`: the sgemm table's row when it ran,
/// else timed here (same data, same timing).
fn sgemm_secs(sgemm: &[Row], shape: Shape, timer: Timer, quick: bool) -> Result<f64, String> {
    if let Some(r) = sgemm.iter().find(|r| r.shape == shape) {
        return Ok(r.secs);
    }
    let Shape { m, k, n } = shape;
    let a = random_mat::<f32>(m * k, 1 + m as u64);
    let b = random_mat::<f32>(k * n, 2 + n as u64);
    let mut c = aligned_filled(m * n, 0.0f32);
    let run = |c: &mut [f32]| -> simdkern::Result<()> {
        let av = MatRef::row_major(&a, m, k)?;
        let bv = MatRef::row_major(&b, k, n)?;
        f32::product(av, bv, MatMut::row_major(c, m, n)?, false)
    };
    run(&mut c).map_err(|e| format!("sgemm {}: {e}", shape.label()))?;
    Ok(time_call(timer, single_call_limit(quick), || {
        black_box(run(black_box(&mut c)).ok());
    })
    .0)
}

/// Deterministic bytes from a 64-bit LCG (its top 8 bits), 64-byte aligned.
fn random_bytes(len: usize, seed: u64) -> AlignedVec<u8> {
    let mut v = aligned_filled(len, 0u8);
    let mut s = seed;
    for e in v.iter_mut() {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *e = (s >> 56) as u8;
    }
    v
}

/// One int8 row: an integer kernel against the sgemm row of its problem.
struct IntRow {
    label: String,
    level: &'static str,
    /// Nominal work: 2 m n k.
    ops: f64,
    secs: f64,
    batched: bool,
    sgemm_secs: f64,
    /// Relative Frobenius error (qlinear); None for exact results.
    err: Option<f64>,
}

/// `gemm_u8s8s32` on n = 256 and 1024: uint8 A (0..255), int8 B
/// (-128..127), beta 0; 16 elements checked exactly against i64 dots.
fn int8_table(sgemm: &[Row], caches: &Caches, timer: Timer, quick: bool) -> Result<(), String> {
    const NAME: &str = "gemm_u8s8s32";
    let mut rows = Vec::new();
    for n in [256, 1024] {
        let shape = Shape::square(n);
        let Shape { m, k, .. } = shape;
        let a = random_bytes(m * k, 3 + n as u64);
        let b8 = random_bytes(k * n, 4 + n as u64);
        let b: Vec<i8> = b8.iter().map(|&v| v as i8).collect();
        let mut c = aligned_filled(m * n, 0i32);
        let err = |e: simdkern::Error| format!("{NAME} {}: {e}", shape.label());
        let run = |c: &mut [i32]| -> simdkern::Result<()> {
            let av = MatRef::row_major(&a, m, k)?;
            let bv = MatRef::row_major(&b, k, n)?;
            gemm_u8s8s32(av, bv, 0, MatMut::row_major(c, m, n)?)
        };
        run(&mut c).map_err(err)?;
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut bad = 0;
        for _ in 0..16 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let (i, j) = (
                (seed % m as u64) as usize,
                ((seed >> 32) % n as u64) as usize,
            );
            let exact: i64 = (0..k)
                .map(|p| a[i * k + p] as i64 * b[p * n + j] as i64)
                .sum();
            bad += usize::from(c[i * n + j] as i64 != exact);
        }
        if bad > 0 {
            eprintln!(
                "warning: {NAME} {}: {bad} of 16 checked elements differ from the exact product",
                shape.label()
            );
        }
        let (secs, batched) = time_call(timer, single_call_limit(quick), || {
            black_box(run(black_box(&mut c)).ok());
        });
        rows.push(IntRow {
            label: shape.label(),
            level: caches.level(m * k + k * n + 4 * m * n),
            ops: shape.flop(),
            secs,
            batched,
            sgemm_secs: sgemm_secs(sgemm, shape, timer, quick)?,
            err: None,
        });
    }
    print_int_table(
        "gemm_u8s8s32  (u8 A x s8 B -> exact s32 C, row-major, beta 0: 2mnk ops, 1 thread)",
        "GOP/s",
        &rows,
    );
    Ok(())
}

/// `QLinear` at batch 1, 384 -> 1536 (weights out x in, with a bias): one
/// forward call, against the sgemm row m=1 k=384 n=1536. Relative error:
/// |y - bias - x W^T|_F / |x W^T|_F with x W^T in f64.
fn qlinear_table(sgemm: &[Row], caches: &Caches, timer: Timer, quick: bool) -> Result<(), String> {
    const NAME: &str = "qlinear";
    let (batch, fan_in, fan_out) = (1, 384, 1536);
    let shape = Shape {
        m: batch,
        k: fan_in,
        n: fan_out,
    };
    let label = format!("batch={batch} {fan_in}->{fan_out}");
    let err = |e: simdkern::Error| format!("{NAME} {label}: {e}");
    let w = random_mat::<f32>(fan_out * fan_in, 5);
    let bias = random_mat::<f32>(fan_out, 6);
    let x = random_mat::<f32>(batch * fan_in, 7);
    let mut y = aligned_filled(batch * fan_out, 0.0f32);
    let layer = MatRef::row_major(&w, fan_out, fan_in)
        .and_then(|wv| QLinear::new(wv, Some(&bias)))
        .map_err(err)?;
    let run = |y: &mut [f32]| -> simdkern::Result<()> {
        let xv = MatRef::row_major(&x, batch, fan_in)?;
        layer.forward(xv, MatMut::row_major(y, batch, fan_out)?)
    };
    run(&mut y).map_err(err)?;
    let (mut num, mut den) = (0.0f64, 0.0f64);
    for i in 0..batch {
        for o in 0..fan_out {
            let exact: f64 = (0..fan_in)
                .map(|p| x[i * fan_in + p] as f64 * w[o * fan_in + p] as f64)
                .sum();
            let d = y[i * fan_out + o] as f64 - bias[o] as f64 - exact;
            num += d * d;
            den += exact * exact;
        }
    }
    let rel = (num / den.max(f64::MIN_POSITIVE)).sqrt();
    if rel.is_nan() || rel >= 0.02 {
        eprintln!("warning: {NAME} {label}: relative error {rel:.3e} against the f32 product");
    }
    let (secs, batched) = time_call(timer, single_call_limit(quick), || {
        black_box(run(black_box(&mut y)).ok());
    });
    let rows = [IntRow {
        label,
        level: caches.level(fan_out * fan_in + 4 * batch * (fan_in + fan_out)),
        ops: shape.flop(),
        secs,
        batched,
        sgemm_secs: sgemm_secs(sgemm, shape, timer, quick)?,
        err: Some(rel),
    }];
    print_int_table(
        "qlinear  (y = x W^T + bias: int8 weights per output row packed once, x quantized to u8 \
         per call;\n  2 batch in out FLOP-equivalent, 1 thread; rel err: |y - bias - x W^T|_F / \
         |x W^T|_F, x W^T in f64)",
        "GFLOP/s",
        &rows,
    );
    Ok(())
}

/// An int8 table: rate, sgemm's rate on the same problem and their ratio.
fn print_int_table(title: &str, rate: &str, rows: &[IntRow]) {
    println!();
    println!("{title}");
    let with_err = rows.iter().any(|r| r.err.is_some());
    println!(
        "  {:<20}  {:<4}  {:>10}  {:>8}  {:>8}  {:>8}{}",
        "problem",
        "fits",
        "time/call",
        rate,
        "sgemm",
        "vs sgemm",
        if with_err {
            format!("  {:>8}", "rel err")
        } else {
            String::new()
        }
    );
    for r in rows {
        let sgemm = r.ops / r.sgemm_secs / 1e9;
        println!(
            "  {:<20}  {:<4}  {:>10}  {:>8.1}  {:>8.1}  {:>7.2}x{}{}",
            r.label,
            r.level,
            fmt_time(r.secs),
            r.ops / r.secs / 1e9,
            sgemm,
            r.sgemm_secs / r.secs,
            r.err.map_or(String::new(), |e| format!("  {e:>8.2e}")),
            if r.batched { "" } else { "  (one call)" }
        );
    }
}

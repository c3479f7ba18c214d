//! Criterion benches of the level-1 kernels through the safe Rust API:
//! sdot, ddot, dot_u8s8, saxpy and dnrm2 at sizes from L1-resident to
//! beyond L2, with throughput in elements so criterion reports elem/s.
//!
//! `cargo bench --bench blas1` (add `-- --quick` for a short run). The
//! `simdkern bench` command reports the same kernels against measured
//! machine limits; this file gives criterion's statistics and history.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use simdkern::runtime::alloc::{aligned_filled, AlignedVec};
use std::hint::black_box;

/// 1K and 4K fit L1, 64K fits L2, 1M (4-8 MiB per vector) does not.
const SIZES: [usize; 4] = [1 << 10, 4 << 10, 64 << 10, 1 << 20];

/// Deterministic values in [-1, 1) from a 64-bit LCG.
fn values(n: usize, seed: u64) -> impl Iterator<Item = f64> {
    let mut s = seed;
    (0..n).map(move |_| {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    })
}

fn vec_f32(n: usize, seed: u64) -> AlignedVec<f32> {
    let mut v = aligned_filled(n, 0f32);
    for (e, x) in v.iter_mut().zip(values(n, seed)) {
        *e = x as f32;
    }
    v
}

fn vec_f64(n: usize, seed: u64) -> AlignedVec<f64> {
    let mut v = aligned_filled(n, 0f64);
    for (e, x) in v.iter_mut().zip(values(n, seed)) {
        *e = x;
    }
    v
}

fn dot(c: &mut Criterion) {
    let mut g = c.benchmark_group("sdot");
    for n in SIZES {
        let (x, y) = (vec_f32(n, 1), vec_f32(n, 2));
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| simdkern::dot(black_box(&x[..]), black_box(&y[..])).unwrap())
        });
    }
    g.finish();

    let mut g = c.benchmark_group("ddot");
    for n in SIZES {
        let (x, y) = (vec_f64(n, 1), vec_f64(n, 2));
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| simdkern::dot(black_box(&x[..]), black_box(&y[..])).unwrap())
        });
    }
    g.finish();
}

fn dot_u8s8(c: &mut Criterion) {
    let mut g = c.benchmark_group("dot_u8s8");
    for n in SIZES {
        let mut x = aligned_filled(n, 0u8);
        let mut y = aligned_filled(n, 0i8);
        // Independent streams with y symmetric about 0, so the exact sum
        // stays far inside int32 (the API reports overflow as an error).
        for (a, v) in x.iter_mut().zip(values(n, 3)) {
            *a = ((v + 1.0) * 127.5) as u8;
        }
        for (b, v) in y.iter_mut().zip(values(n, 4)) {
            *b = (v * 127.0).round() as i8;
        }
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| simdkern::dot_u8s8(black_box(&x[..]), black_box(&y[..])).unwrap())
        });
    }
    g.finish();
}

fn saxpy(c: &mut Criterion) {
    let mut g = c.benchmark_group("saxpy");
    for n in SIZES {
        let x = vec_f32(n, 1);
        let mut y = vec_f32(n, 2);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            // A tiny alpha keeps y bounded over millions of calls.
            b.iter(|| simdkern::axpy(black_box(1e-7f32), black_box(&x[..]), &mut y[..]).unwrap())
        });
    }
    g.finish();
}

fn dnrm2(c: &mut Criterion) {
    let mut g = c.benchmark_group("dnrm2");
    for n in SIZES {
        let x = vec_f64(n, 1);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| simdkern::nrm2(black_box(&x[..])))
        });
    }
    g.finish();
}

criterion_group!(benches, dot, dot_u8s8, saxpy, dnrm2);
criterion_main!(benches);

//! Criterion benches of dense GEMM through the safe Rust API: sgemm and
//! dgemm, row-major `C = A B` (alpha 1, beta 0) at n = 64, 256 and 1024.
//! Throughput is reported in "elements" that are FLOP (2 n^3 per call), so
//! criterion's elem/s reads as FLOP/s.
//!
//! `cargo bench --bench gemm` (add `-- --quick` for a short run). The pool
//! runs one thread, as `simdkern bench` does, so the figures compare with
//! one core's FMA peak; set `SIMDKERN_BENCH_THREADS=N` for N threads (0 =
//! one per core). `benches/peers/run_gemm.sh` compares with OpenBLAS, BLIS
//! and oneDNN.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use simdkern::gemm::{gemm, MatMut, MatRef};
use simdkern::runtime::alloc::{aligned_filled, AlignedVec};
use std::hint::black_box;
use std::time::Duration;

const SIZES: [usize; 3] = [64, 256, 1024];

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

fn threads() {
    let n = std::env::var("SIMDKERN_BENCH_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(1);
    simdkern::runtime::set_num_threads(n).expect("set_num_threads");
}

/// One group per element type `$t`.
macro_rules! gemm_group {
    ($fn_name:ident, $group:literal, $t:ty) => {
        fn $fn_name(c: &mut Criterion) {
            threads();
            let mut g = c.benchmark_group($group);
            for n in SIZES {
                let mut a: AlignedVec<$t> = aligned_filled(n * n, 0.0);
                let mut b: AlignedVec<$t> = aligned_filled(n * n, 0.0);
                let mut out: AlignedVec<$t> = aligned_filled(n * n, 0.0);
                for (e, v) in a.iter_mut().zip(values(n * n, 1)) {
                    *e = v as $t;
                }
                for (e, v) in b.iter_mut().zip(values(n * n, 2)) {
                    *e = v as $t;
                }
                // Large products take tens of ms per call: fewer samples.
                if n >= 1024 {
                    g.sample_size(10).measurement_time(Duration::from_secs(3));
                }
                g.throughput(Throughput::Elements(2 * (n as u64).pow(3)));
                g.bench_with_input(BenchmarkId::from_parameter(n), &n, |bench, &n| {
                    bench.iter(|| {
                        let av = MatRef::row_major(black_box(&a[..]), n, n).unwrap();
                        let bv = MatRef::row_major(black_box(&b[..]), n, n).unwrap();
                        let cv = MatMut::row_major(&mut out[..], n, n).unwrap();
                        gemm(1.0, av, bv, 0.0, cv).unwrap();
                        black_box(&mut out[..]);
                    })
                });
            }
            g.finish();
        }
    };
}

gemm_group!(sgemm, "sgemm", f32);
gemm_group!(dgemm, "dgemm", f64);

criterion_group!(benches, sgemm, dgemm);
criterion_main!(benches);

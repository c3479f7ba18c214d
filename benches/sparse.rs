//! Criterion benches of the sparse family through the safe Rust API: SpMV
//! and SpMM (32 columns) on a 200k x 200k matrix with 16 random entries per
//! row, and SpGEMM `A A` on 20k x 20k with 10 per row. Throughput is in
//! stored entries (SpMV, SpGEMM's A) or multiply-adds (SpMM).
//!
//! `cargo bench --bench sparse` (add `-- --quick` for a short run). One
//! thread, as `simdkern bench` does; `benches/peers/run_sparse.sh`
//! compares with scipy.sparse at the sizes.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use simdkern::gemm::{MatMut, MatRef};
use simdkern::sparse::{spgemm, spmm, spmv, Csr};
use std::hint::black_box;

/// `n x n` with `per_row` LCG-random columns per row, values in [-1, 1).
fn random(n: usize, per_row: usize) -> Csr<f64> {
    let mut s = 7u64;
    let mut next = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        s >> 11
    };
    let (mut indptr, mut indices, mut values) = (vec![0i64], Vec::new(), Vec::new());
    for _ in 0..n {
        for _ in 0..per_row {
            indices.push((next() % n as u64) as i32);
            values.push(next() as f64 / (1u64 << 53) as f64 * 2.0 - 1.0);
        }
        indptr.push(indices.len() as i64);
    }
    Csr::new(n, n, &indptr, &indices, &values).expect("valid CSR")
}

fn sparse(c: &mut Criterion) {
    simdkern::runtime::set_num_threads(1).expect("set_num_threads");
    let n = 200_000;
    let a = random(n, 16);
    let x = vec![0.5; n];
    let mut y = vec![0.0; n];
    let mut g = c.benchmark_group("sparse");
    g.throughput(Throughput::Elements(a.nnz() as u64));
    g.bench_function("spmv_f64_200k_16", |bch| {
        bch.iter(|| spmv(&a, 1.0, black_box(&x), 0.0, &mut y).unwrap())
    });
    let cols = 32;
    let b = vec![0.25; n * cols];
    let mut out = vec![0.0; n * cols];
    g.throughput(Throughput::Elements((a.nnz() * cols) as u64));
    g.bench_function("spmm_f64_200k_16_x32", |bch| {
        bch.iter(|| {
            spmm(
                &a,
                1.0,
                MatRef::row_major(black_box(&b), n, cols).unwrap(),
                0.0,
                MatMut::row_major(&mut out, n, cols).unwrap(),
            )
            .unwrap()
        })
    });
    let s = random(20_000, 10);
    g.throughput(Throughput::Elements(s.nnz() as u64));
    g.bench_function("spgemm_f64_20k_10", |bch| {
        bch.iter(|| spgemm(black_box(&s), &s).unwrap())
    });
    g.finish();
}

criterion_group!(benches, sparse);
criterion_main!(benches);

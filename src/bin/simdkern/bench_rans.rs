//! rANS rows of `simdkern bench`: encode, open (every checksum), decode
//! and the fused GEMV on a 4096 x 4096 int8 matrix of bell-shaped weights
//! (1024 x 1024 with --quick), one thread like the other sections; the
//! GEMV row also times decode-then-GEMV and the int8 GEMV on the
//! uncompressed weights.

use crate::bench::lcg;
use crate::timing::{fmt_time, Timer};
use simdkern::codec::rans::{encode_bound, encode_s8, gemv_s8_f32, RansParams, RansReader};
use simdkern::gemm::{MatMut, MatRef};

/// The kernel names this section answers to in `--only`.
pub const NAMES: [&str; 4] = ["rans_encode", "rans_decode", "qrans_gemv", "qrans_gemm"];

/// Int8 weights: a sum of four uniforms, clamped (about 6.5 bits each).
fn weights(n: usize) -> Vec<i8> {
    let mut s = 7u64;
    (0..n)
        .map(|_| {
            let mut v = 0i32;
            for _ in 0..4 {
                s = lcg(s);
                v += (s >> 58) as i32 - 32;
            }
            v.clamp(-128, 127) as i8
        })
        .collect()
}

/// Prints the rANS table.
pub fn tables(timer: Timer, quick: bool, wants: impl Fn(&str) -> bool) {
    if !NAMES.iter().any(|k| wants(k)) {
        return;
    }
    let before = simdkern::runtime::num_threads();
    simdkern::runtime::set_num_threads(1).expect("one thread is always valid");
    let n = if quick { 1024 } else { 4096 };
    let w = weights(n * n);
    let p = RansParams::default();
    let mut dst = vec![0u8; encode_bound(n, n, &p).expect("bound")];
    let wm = || MatRef::row_major(&w, n, n).expect("shape");
    let len = encode_s8(wm(), &p, &mut dst).expect("encode");
    let mb = (n * n) as f64 / 1e6;
    println!();
    println!("rANS int8 codec, default parameters (one thread):");
    println!("| kernel | shape | time | rate |");
    println!("|---|---|---|---|");
    let shape = format!(
        "{n}x{n}, {:.3} bits/weight",
        len as f64 * 8.0 / (n * n) as f64
    );
    if wants("rans_encode") {
        let secs = timer.per_call(|| {
            encode_s8(wm(), &p, &mut dst).expect("encode");
        });
        println!(
            "| rans_encode_s8 | {shape} | {} | {:.0} MB/s |",
            fmt_time(secs),
            mb / secs
        );
    }
    let r = RansReader::open(&dst[..len]).expect("open");
    if wants("rans_decode") {
        let secs = timer.per_call(|| drop(RansReader::open(&dst[..len]).expect("open")));
        println!(
            "| rans_open (all checksums) | {shape} | {} | {:.0} MB/s |",
            fmt_time(secs),
            mb / secs
        );
        let mut out = vec![0i8; n * n];
        let secs = timer.per_call(|| {
            r.decode_s8(MatMut::row_major(&mut out, n, n).expect("shape"))
                .expect("decode")
        });
        println!(
            "| rans_decode_s8 | {shape} | {} | {:.0} MB/s |",
            fmt_time(secs),
            mb / secs
        );
    }
    if wants("qrans_gemv") {
        let x: Vec<f32> = (0..n).map(|j| (j % 13) as f32 - 6.0).collect();
        let mut y = vec![0f32; n];
        let fused = timer.per_call(|| r.gemv_f32(&x, &mut y).expect("gemv"));
        let mut out = vec![0i8; n * n];
        let unfused = timer.per_call(|| {
            r.decode_s8(MatMut::row_major(&mut out, n, n).expect("shape"))
                .expect("decode");
            gemv_s8_f32(
                MatRef::row_major(&out, n, n).expect("shape"),
                None,
                &x,
                &mut y,
            )
            .expect("gemv")
        });
        let plain = timer.per_call(|| gemv_s8_f32(wm(), None, &x, &mut y).expect("gemv"));
        println!(
            "| qrans_gemv_f32 (fused) | {n}x{n} | {} | {:.2}x decode-then-GEMV ({}), {:.2}x the int8 GEMV on uncompressed weights ({}) |",
            fmt_time(fused),
            unfused / fused,
            fmt_time(unfused),
            plain / fused,
            fmt_time(plain)
        );
    }
    if wants("qrans_gemm") {
        const BATCH: usize = 8;
        let x: Vec<f32> = (0..BATCH * n).map(|j| (j % 17) as f32 - 8.0).collect();
        let xm = || MatRef::row_major(&x, BATCH, n).expect("shape");
        let mut y = vec![0f32; BATCH * n];
        let fused = timer.per_call(|| {
            r.gemm_f32(xm(), MatMut::row_major(&mut y, BATCH, n).expect("shape"))
                .expect("gemm")
        });
        let rows = timer.per_call(|| {
            for (xb, yb) in x.chunks_exact(n).zip(y.chunks_exact_mut(n)) {
                r.gemv_f32(xb, yb).expect("gemv");
            }
        });
        let wf: Vec<f32> = w.iter().map(|&q| q as f32).collect();
        let dense = timer.per_call(|| {
            simdkern::gemm::gemm(
                1.0,
                xm(),
                MatRef::row_major(&wf, n, n).expect("shape").t(),
                0.0,
                MatMut::row_major(&mut y, BATCH, n).expect("shape"),
            )
            .expect("sgemm")
        });
        println!(
            "| qrans_gemm_f32 (batch {BATCH}) | {n}x{n} | {} | {:.2}x {BATCH} GEMVs ({}), {:.2}x sgemm on uncompressed f32 weights ({}) |",
            fmt_time(fused),
            rows / fused,
            fmt_time(rows),
            dense / fused,
            fmt_time(dense)
        );
    }
    simdkern::runtime::set_num_threads(before).expect("the previous count was valid");
}

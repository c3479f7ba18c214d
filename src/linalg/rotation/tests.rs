//! Property tests: every ISA path this CPU has against `reference.rs` on
//! random rotation sequences (counts 0..40, lengths 0..300 with every strip
//! and mask edge, padded strides, both directions), untouched padding,
//! `dlasr`'s identity skip, results independent of the column split and the
//! thread count, and inversion by the transposed sequence.

use super::*;
use crate::testutil::{for_each_isa, Rng};

/// Lengths that hit every strip and mask edge of both ISAs and element
/// types, then random ones.
const EDGE_LENS: [usize; 16] = [
    0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 129, 257,
];

const DIRS: [Direction; 2] = [Direction::Forward, Direction::Backward];

/// A random rotation: mostly `(cos t, sin t)`, sometimes the identity
/// (skipped by `dlasr`), a swap or a negated identity.
fn rotation<T: Real>(rng: &mut Rng) -> (T, T) {
    match rng.below(16) {
        0 | 1 => (T::ONE, T::ZERO),
        2 => (T::ZERO, T::ONE),
        3 => (T::from_f64(-1.0), T::ZERO),
        _ => {
            let t = rng.signed_unit() * std::f64::consts::PI;
            (T::from_f64(t.cos()), T::from_f64(t.sin()))
        }
    }
}

fn rotations<T: Real>(rng: &mut Rng, count: usize) -> (Vec<T>, Vec<T>) {
    (0..count).map(|_| rotation::<T>(rng)).unzip()
}

/// A block of `count + 1` rows of `len` O(1) values with stride `ld`,
/// then `extra` more elements. The padding past `len` in each row and past
/// the last row holds distinct finite sentinels (about 1000), which any
/// rotation would change: a kernel that wrote there would show, even
/// storing back what it had read, since the rotation mixes two rows.
fn block<T: Real>(rng: &mut Rng, count: usize, ld: usize, len: usize, extra: usize) -> Vec<T> {
    let mut v: Vec<T> = (0..count * ld + len + extra)
        .map(|_| T::from_f64(1000.0 + 100.0 * rng.signed_unit()))
        .collect();
    for r in 0..=count {
        for x in &mut v[r * ld..r * ld + len] {
            *x = T::from_f64(rng.signed_unit());
        }
    }
    v
}

fn bits<T: Real>(v: &[T]) -> Vec<u64> {
    v.iter().map(|x| x.to_f64().to_bits()).collect()
}

/// Checks `got` against `want` (both from `before`): every used element
/// within `tol_ulps * (count + 1) * eps * |column|`, everything else
/// bitwise unchanged.
#[allow(clippy::too_many_arguments)]
fn check_block<T: Real>(
    what: &str,
    before: &[T],
    got: &[T],
    want: &[T],
    count: usize,
    ld: usize,
    len: usize,
    tol_ulps: f64,
) {
    let eps = T::EPSILON.to_f64();
    let used = |k: usize| k < count * ld + len && k % ld.max(1) < len;
    for i in 0..len {
        let norm = (0..=count)
            .map(|r| before[r * ld + i].to_f64().powi(2))
            .sum::<f64>()
            .sqrt();
        let tol = tol_ulps * (count as f64 + 1.0) * eps * norm;
        for r in 0..=count {
            let k = r * ld + i;
            let (g, w) = (got[k].to_f64(), want[k].to_f64());
            assert!(
                (g - w).abs() <= tol,
                "{what}: count={count} ld={ld} len={len} row {r} col {i}: got {g:e} want {w:e}"
            );
        }
    }
    for k in (0..got.len()).filter(|&k| !used(k)) {
        assert_eq!(
            got[k].to_f64().to_bits(),
            before[k].to_f64().to_bits(),
            "{what}: count={count} ld={ld} len={len}: wrote padding at {k}"
        );
    }
}

/// The (count, ld, len, extra) cases: every edge length with a few counts,
/// then random shapes.
fn shapes(rng: &mut Rng) -> Vec<(usize, usize, usize, usize)> {
    let mut v = Vec::new();
    for len in EDGE_LENS {
        for count in [0, 1, 2, 5, 39] {
            let ld = len + [0, 1, 16][rng.below(3)];
            v.push((count, ld, len, rng.below(2) * 8));
        }
    }
    for _ in 0..150 {
        let (count, len) = (rng.below(40), rng.below(300));
        let ld = if rng.below(2) == 0 {
            len
        } else {
            len + 1 + rng.below(20)
        };
        v.push((count, ld, len, rng.below(2) * 8));
    }
    v
}

macro_rules! rotation_property_tests {
    ($t:ident) => {
        mod $t {
            use super::*;
            type T = $t;

            #[test]
            fn matches_reference() {
                let mut rng = Rng::new(21);
                let cases = shapes(&mut rng);
                for_each_isa("rotate_rows", |isa| {
                    for &(count, ld, len, extra) in &cases {
                        for dir in DIRS {
                            let (c, s) = rotations::<T>(&mut rng, count);
                            let before = block::<T>(&mut rng, count, ld, len, extra);
                            let mut want = before.clone();
                            reference::rotate_rows(dir, &c, &s, &mut want, ld, len);
                            let mut got = before.clone();
                            rotate_rows_on(isa, dir, &c, &s, &mut got, ld, len);
                            let what = format!("{isa:?} {dir:?}");
                            check_block(&what, &before, &got, &want, count, ld, len, 8.0);
                        }
                    }
                });
            }

            /// Identity rotations are skipped, as in `dlasr`: infinities,
            /// NaNs and signed zeros pass through them bit for bit.
            #[test]
            fn identity_rotations_are_skipped() {
                let mut rng = Rng::new(22);
                let specials = [f64::INFINITY, f64::NEG_INFINITY, f64::NAN, -0.0, 0.0, 1.5];
                for_each_isa("rotate_rows identity", |isa| {
                    for (count, len) in [(1, 1), (3, 17), (12, 70), (39, 257)] {
                        for dir in DIRS {
                            let mut rows = block::<T>(&mut rng, count, len, len, 0);
                            for x in rows.iter_mut() {
                                if rng.below(3) == 0 {
                                    *x = T::from_f64(specials[rng.below(specials.len())]);
                                }
                            }
                            let before = bits(&rows);
                            let c = vec![T::ONE; count];
                            let s = vec![
                                T::from_f64(if rng.below(2) == 0 { 0.0 } else { -0.0 });
                                count
                            ];
                            rotate_rows_on(isa, dir, &c, &s, &mut rows, len, len);
                            assert_eq!(
                                bits(&rows),
                                before,
                                "{isa:?} {dir:?} count={count} len={len}"
                            );
                        }
                    }
                });
            }

            /// Any split of the columns gives the same bits: the kernels
            /// treat every column alike wherever it sits in a strip.
            #[test]
            fn column_split_is_bitwise_invisible() {
                let mut rng = Rng::new(23);
                for_each_isa("rotate_rows split", |isa| {
                    for len in [1, 9, 100, 128, 129, 255, 256, 300, 513, 1000] {
                        for count in [1, 5, 37] {
                            for dir in DIRS {
                                let (c, s) = rotations::<T>(&mut rng, count);
                                let ld = len + rng.below(3);
                                let before = block::<T>(&mut rng, count, ld, len, 0);
                                let mut whole = before.clone();
                                rotate_rows_split(isa, 1, dir, &c, &s, &mut whole, ld, len);
                                let whole = bits(&whole);
                                for parts in [2, 3, 4, 7] {
                                    let mut got = before.clone();
                                    rotate_rows_split(isa, parts, dir, &c, &s, &mut got, ld, len);
                                    assert_eq!(bits(&got), whole, "{isa:?} {dir:?} parts={parts}");
                                }
                                // Arbitrary (unaligned) splits through the kernel directly.
                                let table = T::rotation_kernels(isa);
                                let kernel = match dir {
                                    Direction::Forward => table.forward,
                                    Direction::Backward => table.backward,
                                };
                                for _ in 0..3 {
                                    let cut = rng.below(len + 1);
                                    let mut got = before.clone();
                                    let p = got.as_mut_ptr();
                                    // SAFETY: both calls stay inside the block.
                                    unsafe {
                                        kernel(&c, &s, p, ld, cut);
                                        kernel(&c, &s, p.add(cut), ld, len - cut);
                                    }
                                    assert_eq!(bits(&got), whole, "{isa:?} {dir:?} cut={cut}");
                                }
                            }
                        }
                    }
                });
            }

            /// Forward with `(c, s)` then backward with `(c, -s)` (the
            /// inverse rotations in reverse order) restores the block, and
            /// the other way round.
            #[test]
            fn inverse_sequence_restores_input() {
                let mut rng = Rng::new(24);
                for_each_isa("rotate_rows inverse", |isa| {
                    for (count, len) in [(1, 5), (7, 33), (39, 299), (200, 64)] {
                        for (first, second) in [
                            (Direction::Forward, Direction::Backward),
                            (Direction::Backward, Direction::Forward),
                        ] {
                            let (c, s) = rotations::<T>(&mut rng, count);
                            let neg: Vec<T> = s.iter().map(|&v| T::ZERO - v).collect();
                            let before = block::<T>(&mut rng, count, len, len, 0);
                            let mut rows = before.clone();
                            rotate_rows_on(isa, first, &c, &s, &mut rows, len, len);
                            rotate_rows_on(isa, second, &c, &neg, &mut rows, len, len);
                            let what = format!("{isa:?} {first:?} then {second:?}");
                            check_block(&what, &before, &rows, &before, count, len, len, 8.0);
                        }
                    }
                });
            }
        }
    };
}

rotation_property_tests!(f32);
rotation_property_tests!(f64);

/// Bitwise identical results through the public entry point for 1, 2 and
/// 3 pool threads, on a block large enough to be split.
#[test]
fn results_do_not_depend_on_thread_count() {
    let mut rng = Rng::new(25);
    let (count, len, ld) = (70, 1100, 1103);
    let (c, s) = rotations::<f64>(&mut rng, count);
    let before = block::<f64>(&mut rng, count, ld, len, 0);
    let (cf, sf): (Vec<f32>, Vec<f32>) = c
        .iter()
        .zip(&s)
        .map(|(&a, &b)| (a as f32, b as f32))
        .unzip();
    let before_f: Vec<f32> = before.iter().map(|&v| v as f32).collect();
    let mut first: Option<Vec<u64>> = None;
    for threads in [1, 2, 3] {
        crate::runtime::set_num_threads(threads).unwrap();
        let mut all = Vec::new();
        for dir in DIRS {
            let mut rows = before.clone();
            rotate_rows(dir, &c, &s, &mut rows, ld, len);
            all.extend(bits(&rows));
            let mut rows = before_f.clone();
            rotate_rows(dir, &cf, &sf, &mut rows, ld, len);
            all.extend(bits(&rows));
        }
        assert_eq!(
            first.get_or_insert_with(|| all.clone()),
            &all,
            "{threads} threads"
        );
    }
    crate::runtime::set_num_threads(0).unwrap();
}

#[test]
fn empty_calls_do_nothing() {
    let mut rows: [f64; 0] = [];
    rotate_rows(Direction::Forward, &[], &[], &mut rows, 0, 0);
    rotate_rows(Direction::Backward, &[0.6], &[0.8], &mut rows, 0, 0);
    let mut one = [2.0f32, 3.0];
    rotate_rows(Direction::Forward, &[], &[], &mut one, 0, 2);
    assert_eq!(one, [2.0, 3.0]);
}

#[test]
#[should_panic(expected = "sines")]
fn mismatched_cosines_and_sines_panic() {
    let mut rows = [0.0f64; 8];
    rotate_rows(Direction::Forward, &[1.0, 0.0], &[0.0], &mut rows, 4, 4);
}

#[test]
#[should_panic(expected = "need 9 elements")]
fn short_block_panics() {
    let mut rows = [0.0f32; 8];
    rotate_rows(Direction::Backward, &[0.6], &[0.8], &mut rows, 5, 4);
}

#[test]
#[should_panic(expected = "ld = 3 < len = 4")]
fn short_stride_panics() {
    let mut rows = [0.0f64; 16];
    rotate_rows(Direction::Forward, &[0.6], &[0.8], &mut rows, 3, 4);
}

/// Throughput of the fused kernels against one rotation at a time (the
/// same ISA's kernel called per row pair) and the scalar reference, on
/// one thread, then the threaded entry point. 6 flops per element per
/// rotation. Run with
/// `cargo test --release --lib linalg::rotation::tests::throughput -- --ignored --nocapture`.
#[test]
#[ignore]
fn throughput() {
    fn bench<T: Rotate>(name: &str) {
        // ROT_BENCH="count,len,ld" overrides the shape.
        let shape: Vec<usize> = std::env::var("ROT_BENCH")
            .map(|v| v.split(',').map(|x| x.trim().parse().unwrap()).collect())
            .unwrap_or_else(|_| vec![511, 512, 512]);
        let (count, len, ld) = (shape[0], shape[1], shape[2]);
        let mut rng = Rng::new(26);
        let (c, s): (Vec<T>, Vec<T>) = (0..count)
            .map(|_| {
                let t = rng.signed_unit() * std::f64::consts::PI;
                (T::from_f64(t.cos()), T::from_f64(t.sin()))
            })
            .unzip();
        let mut rows = block::<T>(&mut rng, count, ld, len, 0);
        let flops = 6.0 * (count * len) as f64;
        let time = |f: &mut dyn FnMut()| {
            f();
            let mut best = f64::INFINITY;
            for _ in 0..5 {
                let mut reps = 0;
                let t0 = std::time::Instant::now();
                while t0.elapsed().as_secs_f64() < 0.1 {
                    f();
                    reps += 1;
                }
                best = best.min(t0.elapsed().as_secs_f64() / reps as f64);
            }
            flops / best / 1e9
        };
        for isa in Isa::ALL {
            if !isa.is_supported() {
                println!(
                    "{name} {isa:?}: skipped: CPU lacks {}",
                    isa.missing_features().join(", ")
                );
                continue;
            }
            let table = T::rotation_kernels(isa);
            let p = rows.as_mut_ptr();
            // SAFETY: every call stays inside `rows`.
            let fwd = time(&mut || unsafe { (table.forward)(&c, &s, p, ld, len) });
            let bwd = time(&mut || unsafe { (table.backward)(&c, &s, p, ld, len) });
            let pairs = time(&mut || unsafe {
                for j in 0..count {
                    (table.forward)(&c[j..j + 1], &s[j..j + 1], p.add(j * ld), ld, len);
                }
            });
            let threaded =
                time(&mut || rotate_rows_on(isa, Direction::Forward, &c, &s, &mut rows, ld, len));
            println!(
                "{name} {isa:?} count={count} len={len} ld={ld}: fused fwd {fwd:6.1} bwd {bwd:6.1} \
                 | pair-at-a-time {pairs:6.1} | threaded({}) {threaded:6.1} GFLOP/s",
                crate::runtime::num_threads()
            );
        }
        let mut r2 = rows.clone();
        let reference =
            time(&mut || reference::rotate_rows(Direction::Forward, &c, &s, &mut r2, ld, len));
        println!("{name} reference (safe slices): {reference:6.1} GFLOP/s");
    }
    bench::<f64>("f64");
    bench::<f32>("f32");
}

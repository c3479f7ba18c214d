//! Property tests of the integer GEMM: every ISA path against the scalar
//! oracle, exactly, over random shapes, every stride layout, beta 0 and 1,
//! extreme values and k at the documented limit.

use super::pack::{pack_generic, pack_panel, Format};
use super::{reference, run, shift_back, MAX_K};
use crate::gemm::tests::{Layout, Matrix, LAYOUTS};
use crate::runtime::Isa;
use crate::testutil::{for_each_isa, Rng};

/// Random bytes, a quarter of them the extremes of their type.
fn byte(rng: &mut Rng, extremes: [u8; 2]) -> u8 {
    match rng.below(8) {
        0 => extremes[0],
        1 => extremes[1],
        _ => rng.next_u64() as u8,
    }
}

/// One product on `isa` against the oracle; `signed_a` runs s8s8.
fn run_case(
    rng: &mut Rng,
    isa: Isa,
    (m, n, k): (usize, usize, usize),
    (la, lb, lc): (Layout, Layout, Layout),
    beta: i32,
    signed_a: bool,
) {
    let a = Matrix::<u8>::generate(rng, la, m, k, |r| byte(r, [0, 255]));
    let b = Matrix::<i8>::generate(rng, lb, k, n, |r| byte(r, [0x80, 0x7f]) as i8);
    let mut got = Matrix::<i32>::generate(rng, lc, m, n, |r| r.next_u64() as i32);
    let mut want = got.duplicate();
    if signed_a {
        run(isa, a.view(), 0x80, b.view(), beta, &mut got.view_mut());
        shift_back(b.view(), &mut got.view_mut());
        reference::gemm(
            a.view(),
            |x| x as i8 as i32,
            b.view(),
            beta,
            &mut want.view_mut(),
        );
    } else {
        run(isa, a.view(), 0, b.view(), beta, &mut got.view_mut());
        reference::gemm(a.view(), |x| x as i32, b.view(), beta, &mut want.view_mut());
    }
    assert!(
        got.data == want.data,
        "{isa:?} {m}x{n}x{k} {la:?}/{lb:?}/{lc:?} beta {beta} signed {signed_a}"
    );
}

#[test]
fn integer_gemm_matches_reference_on_every_path() {
    let mut rng = Rng::new(41);
    let dims = [
        0usize, 1, 2, 3, 4, 5, 7, 13, 16, 17, 31, 32, 33, 64, 97, 131, 257,
    ];
    for_each_isa("gemm_u8s8s32", |isa| {
        for case in 0..100 {
            let mut pick = || {
                if rng.below(3) == 0 {
                    rng.below(300)
                } else {
                    dims[rng.below(dims.len())]
                }
            };
            let (m, n, k) = (pick(), pick(), pick());
            let layouts = (
                LAYOUTS[rng.below(5)],
                LAYOUTS[rng.below(5)],
                LAYOUTS[rng.below(5)],
            );
            run_case(&mut rng, isa, (m, n, k), layouts, case % 2, case % 3 == 0);
        }
    });
}

/// Past every cache block (kc, mc, nc) and over the thread split, both
/// orientations of C.
#[test]
fn large_integer_products_cross_every_block() {
    let mut rng = Rng::new(42);
    for_each_isa("gemm_u8s8s32 large", |isa| {
        for lc in [Layout::ColMajor, Layout::RowMajor] {
            let layouts = (Layout::RowMajor, Layout::RowMajor, lc);
            run_case(&mut rng, isa, (530, 4130, 70), layouts, 1, false);
            run_case(&mut rng, isa, (700, 40, 2600), layouts, 0, true);
        }
    });
}

/// The extreme products summed over k = MAX_K land exactly on the int32
/// values the docs promise (no overflow on any path).
#[test]
fn k_at_the_limit_is_exact() {
    let k = MAX_K;
    for_each_isa("gemm_u8s8s32 k limit", |isa| {
        for (a_val, b_val, signed_a) in [
            (255u8, -128i8, false),
            (255, 127, false),
            (0x80, -128, true),
        ] {
            let (m, n) = (3, 2);
            let a = vec![a_val; m * k];
            let b = vec![b_val; k * n];
            let a = crate::gemm::MatRef::row_major(&a, m, k).unwrap();
            let b = crate::gemm::MatRef::row_major(&b, k, n).unwrap();
            let mut c = vec![7i32; m * n];
            let mut cv = crate::gemm::MatMut::row_major(&mut c, m, n).unwrap();
            run(isa, a, if signed_a { 0x80 } else { 0 }, b, 0, &mut cv);
            if signed_a {
                shift_back(b, &mut cv);
            }
            let a_int = if signed_a {
                a_val as i8 as i64
            } else {
                a_val as i64
            };
            let want = a_int * b_val as i64 * k as i64;
            assert!(want.abs() <= i32::MAX as i64 + 1);
            assert!(
                c.iter().all(|&x| x as i64 == want),
                "{isa:?} {a_val} {b_val}: {c:?} want {want}"
            );
        }
    });
}

/// The vector byte packers against the one-value-at-a-time packer.
#[test]
fn byte_packing_matches_the_generic_packer() {
    let src: Vec<u8> = (0..90 * 90).map(|i| (i * 37 + 11) as u8).collect();
    for width in [4, 12, 16, 32] {
        for rows in 0..=width {
            for kc in [0, 1, 3, 4, 5, 8, 17, 40] {
                for (rs, cs) in [(1, 90), (90, 1), (1, -90), (2, 91)] {
                    for (signed, flip, group) in [
                        (false, 0, 4),
                        (true, 0, 4),
                        (false, 0x80, 4),
                        (true, 0, 2),
                        (false, 0x80, 2),
                    ] {
                        let fmt = Format {
                            group,
                            signed,
                            flip,
                        };
                        let len = fmt.steps(kc) * width * 4;
                        let (mut want, mut got) = (vec![0xEEu8; len], vec![0xDDu8; len]);
                        // Reversed columns start at the last one.
                        let origin = if cs < 0 { 39 * 90 } else { 0 };
                        // SAFETY: every (i < rows <= 32, p < kc <= 40) index is
                        // inside the 8100-byte source for these strides.
                        unsafe {
                            let s = src.as_ptr().add(origin);
                            pack_generic(s, rs, cs, rows, kc, width, fmt, want.as_mut_ptr());
                            pack_panel(s, rs, cs, rows, kc, width, fmt, got.as_mut_ptr());
                        }
                        assert_eq!(
                            want, got,
                            "{fmt:?} width {width} rows {rows} kc {kc} rs {rs} cs {cs}"
                        );
                    }
                }
            }
        }
    }
}

/// Integer results are exact, so any thread count gives the same bits;
/// this holds the split itself to that (each slice covered once).
#[test]
fn results_do_not_depend_on_thread_count() {
    let mut rng = Rng::new(43);
    let isa = crate::runtime::active_isa();
    for threads in [1, 2, 3] {
        crate::runtime::set_num_threads(threads).unwrap();
        for lc in [Layout::ColMajor, Layout::RowMajor] {
            run_case(
                &mut rng,
                isa,
                (300, 260, 500),
                (Layout::RowMajor, Layout::ColMajor, lc),
                1,
                false,
            );
            run_case(
                &mut rng,
                isa,
                (70, 900, 300),
                (Layout::ColMajor, Layout::RowMajor, lc),
                0,
                true,
            );
        }
    }
    crate::runtime::set_num_threads(0).unwrap();
}

/// What the layer promises, computed independently: quantize x and W
/// with the quant functions, exact integer sums in i64, then the f32
/// epilogue.
fn qlinear_expected(
    w: &[f32],
    bias: &[f32],
    x: &[f32],
    (batch, inp, out): (usize, usize, usize),
) -> Vec<f32> {
    use crate::quant::{params_u8, quantize_rows_s8, quantize_u8};
    let mut wq = vec![0i8; out * inp];
    let mut scales = vec![0.0f32; out];
    quantize_rows_s8(
        MatRef::row_major(w, out, inp).unwrap(),
        MatMut::row_major(&mut wq, out, inp).unwrap(),
        &mut scales,
    )
    .unwrap();
    let p = params_u8(MatRef::row_major(x, batch, inp).unwrap()).unwrap();
    let mut xq = vec![0u8; batch * inp];
    quantize_u8(
        MatRef::row_major(x, batch, inp).unwrap(),
        p,
        MatMut::row_major(&mut xq, batch, inp).unwrap(),
    )
    .unwrap();
    let mut y = vec![0.0f32; batch * out];
    for b in 0..batch {
        for o in 0..out {
            let acc: i64 = (0..inp)
                .map(|i| (xq[b * inp + i] as i64 - p.zero_point as i64) * wq[o * inp + i] as i64)
                .sum();
            y[b * out + o] = p.scale * scales[o] * acc as f32 + bias[o];
        }
    }
    y
}

use crate::gemm::int8::QLinear;
use crate::gemm::{MatMut, MatRef};

#[test]
fn qlinear_matches_its_definition_on_every_path() {
    let mut rng = Rng::new(44);
    for_each_isa("qlinear", |isa| {
        for (batch, inp, out) in [
            (1, 384, 96),
            (2, 37, 45),
            (3, 64, 33),
            (4, 5, 1),
            (5, 100, 64),
            (12, 16, 32),
            (13, 77, 70),
            (250, 40, 50),
            (0, 8, 8),
        ] {
            let w: Vec<f32> = (0..out * inp).map(|_| rng.signed_unit() as f32).collect();
            let bias: Vec<f32> = (0..out).map(|_| rng.signed_unit() as f32).collect();
            let x: Vec<f32> = (0..batch * inp)
                .map(|_| rng.signed_unit() as f32 * 3.0 + 0.5)
                .collect();
            let layer =
                QLinear::with_isa(isa, MatRef::row_major(&w, out, inp).unwrap(), Some(&bias))
                    .unwrap();
            let want = qlinear_expected(&w, &bias, &x, (batch, inp, out));
            // y column-major (batch x out): a strided output.
            let mut y = vec![f32::NAN; batch.max(1) * out];
            let yv = MatMut::new(&mut y, 0, batch, out, 1, batch.max(1) as isize).unwrap();
            layer
                .forward(MatRef::row_major(&x, batch, inp).unwrap(), yv)
                .unwrap();
            for b in 0..batch {
                for o in 0..out {
                    let (g, e) = (y[o * batch + b], want[b * out + o]);
                    assert!(
                        (g - e).abs() <= 1e-5 * (1.0 + e.abs()),
                        "{isa:?} {batch}x{inp}->{out} ({b},{o}): {g} vs {e}"
                    );
                }
            }
        }
    });
}

/// The layer's error against the f32 product on realistic weights;
/// prints the figures (`cargo test --release qlinear_error -- --nocapture`).
#[test]
fn qlinear_error_against_f32_on_realistic_weights() {
    let mut rng = Rng::new(45);
    let mut gauss = move || {
        // Box-Muller from two uniforms.
        let (u, v) = (rng.signed_unit() * 0.5 + 0.5, rng.signed_unit() * 0.5 + 0.5);
        ((-2.0 * (u.max(1e-300)).ln()).sqrt() * (std::f64::consts::TAU * v).cos()) as f32
    };
    for (name, inp, out) in [
        ("gaussian", 384, 1536),
        ("student-t3", 1536, 384),
        ("row-scaled", 384, 1536),
    ] {
        let mut w = vec![0.0f32; out * inp];
        for o in 0..out {
            let row_scale = if name == "row-scaled" {
                10f32.powf((o % 7) as f32 * 0.5 - 1.5)
            } else {
                0.05
            };
            for i in 0..inp {
                let z = gauss();
                let v = if name == "student-t3" {
                    // t with 3 degrees of freedom: z / sqrt(chi2_3 / 3).
                    let chi: f32 = (0..3).map(|_| gauss().powi(2)).sum();
                    z / (chi / 3.0).sqrt()
                } else {
                    z
                };
                w[o * inp + i] = v * row_scale;
            }
        }
        let x: Vec<f32> = (0..4 * inp).map(|_| gauss().max(0.0)).collect(); // ReLU-like activations
        let layer = QLinear::new(MatRef::row_major(&w, out, inp).unwrap(), None).unwrap();
        let mut y = vec![0.0f32; 4 * out];
        layer
            .forward(
                MatRef::row_major(&x, 4, inp).unwrap(),
                MatMut::row_major(&mut y, 4, out).unwrap(),
            )
            .unwrap();
        let (mut num, mut den) = (0.0f64, 0.0f64);
        for b in 0..4 {
            for o in 0..out {
                let exact: f64 = (0..inp)
                    .map(|i| x[b * inp + i] as f64 * w[o * inp + i] as f64)
                    .sum();
                num += (y[b * out + o] as f64 - exact).powi(2);
                den += exact.powi(2);
            }
        }
        let rel = (num / den).sqrt();
        println!("qlinear {name} {inp}->{out}: relative Frobenius error {rel:.2e}");
        // Per-row int8 gives about 1% on Gaussian rows; the heavy tails of
        // a Student-t row stretch its scale, so its bound is looser.
        let bound = if name == "student-t3" { 0.06 } else { 0.02 };
        assert!(rel < bound, "{name}: relative error {rel}");
    }
}

#[test]
fn qlinear_refuses_bad_input() {
    let w = vec![0.5f32; 8 * 4];
    let layer = QLinear::new(MatRef::row_major(&w, 8, 4).unwrap(), None).unwrap();
    let mut x = vec![1.0f32; 2 * 4];
    let mut y = vec![7.0f32; 2 * 8];
    x[5] = f32::NAN;
    let e = layer
        .forward(
            MatRef::row_major(&x, 2, 4).unwrap(),
            MatMut::row_major(&mut y, 2, 8).unwrap(),
        )
        .unwrap_err();
    assert_eq!(e.kind(), crate::error::ErrorKind::InvalidArgument);
    assert!(y.iter().all(|&v| v == 7.0), "y untouched on failure");
    let e = layer
        .forward(
            MatRef::row_major(&x, 2, 4).unwrap(),
            MatMut::row_major(&mut y, 2, 7).unwrap(),
        )
        .unwrap_err();
    assert_eq!(e.kind(), crate::error::ErrorKind::DimensionMismatch);
    let mut bad_w = w.clone();
    bad_w[3] = f32::INFINITY;
    assert!(QLinear::new(MatRef::row_major(&bad_w, 8, 4).unwrap(), None).is_err());
    assert!(QLinear::new(MatRef::row_major(&w, 8, 4).unwrap(), Some(&[0.0; 7])).is_err());
}

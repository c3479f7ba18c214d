//! Quantization round trips, edge rows and refused inputs.

use super::*;
use crate::testutil::Rng;

fn rows(data: &[f32], r: usize, c: usize) -> MatRef<'_, f32> {
    MatRef::row_major(data, r, c).unwrap()
}

#[test]
fn per_row_int8_round_trips_within_half_a_step() {
    let mut rng = Rng::new(51);
    let (r, c) = (7, 33);
    let mut x: Vec<f32> = (0..r * c).map(|_| rng.signed_unit() as f32).collect();
    // Row scales spread over 12 orders of magnitude; row 3 all zero.
    for i in 0..r {
        let s = 10f32.powi(i as i32 * 2 - 6);
        x[i * c..(i + 1) * c].iter_mut().for_each(|v| *v *= s);
    }
    x[3 * c..4 * c].fill(0.0);
    let (mut q, mut scales, mut back) = (vec![0i8; r * c], vec![0.0; r], vec![0.0f32; r * c]);
    quantize_rows_s8(
        rows(&x, r, c),
        MatMut::row_major(&mut q, r, c).unwrap(),
        &mut scales,
    )
    .unwrap();
    dequantize_rows_s8(
        MatRef::row_major(&q, r, c).unwrap(),
        &scales,
        MatMut::row_major(&mut back, r, c).unwrap(),
    )
    .unwrap();
    assert_eq!(scales[3], 1.0, "an all-zero row gets scale 1");
    for i in 0..r {
        let row = &q[i * c..(i + 1) * c];
        assert!(row.iter().all(|&v| v >= -127));
        if i != 3 {
            assert!(
                row.iter().any(|&v| v.abs() == 127),
                "row {i}: its largest value maps to ±127"
            );
        }
        for j in 0..c {
            let err = (back[i * c + j] - x[i * c + j]).abs();
            assert!(
                err <= 0.5 * scales[i] * (1.0 + 1e-5),
                "({i},{j}) err {err} scale {}",
                scales[i]
            );
        }
    }
}

#[test]
fn uint8_tensor_round_trips_and_keeps_zero_exact() {
    let mut rng = Rng::new(52);
    for (lo, hi) in [
        (-1.0f32, 3.0f32),
        (0.5, 2.0),
        (-4.0, -1.0),
        (-3e38, 3e38),
        (0.0, 0.0),
    ] {
        let mut x: Vec<f32> = (0..200)
            .map(|_| {
                let t = rng.signed_unit() as f32 * 0.5 + 0.5;
                lo * (1.0 - t) + hi * t
            })
            .collect();
        x[0] = 0.0;
        x[1] = lo;
        x[2] = hi;
        let p = params_u8(rows(&x, 10, 20)).unwrap();
        assert!(p.scale.is_finite() && p.scale > 0.0, "{lo}..{hi}: {p:?}");
        let (mut q, mut back) = (vec![0u8; 200], vec![0.0f32; 200]);
        quantize_u8(
            rows(&x, 10, 20),
            p,
            MatMut::row_major(&mut q, 10, 20).unwrap(),
        )
        .unwrap();
        dequantize_u8(
            MatRef::row_major(&q, 10, 20).unwrap(),
            p,
            MatMut::row_major(&mut back, 10, 20).unwrap(),
        )
        .unwrap();
        assert_eq!(back[0], 0.0, "{lo}..{hi}: zero is a code");
        for (v, b) in x.iter().zip(&back) {
            assert!(
                (v - b).abs() <= 0.5 * p.scale * 1.001 + 1e-30,
                "{lo}..{hi}: {v} -> {b} ({p:?})"
            );
        }
    }
    let zeros = [0.0f32; 6];
    assert_eq!(
        params_u8(rows(&zeros, 2, 3)).unwrap(),
        U8Params {
            scale: 1.0,
            zero_point: 0
        }
    );
}

#[test]
fn non_finite_values_are_refused_and_outputs_untouched() {
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let mut x = vec![1.0f32; 12];
        x[7] = bad;
        let (mut q, mut scales) = (vec![5i8; 12], vec![9.0f32; 3]);
        let e = quantize_rows_s8(
            rows(&x, 3, 4),
            MatMut::row_major(&mut q, 3, 4).unwrap(),
            &mut scales,
        )
        .unwrap_err();
        assert_eq!(e.kind(), crate::error::ErrorKind::InvalidArgument);
        assert!(e.message().contains("(1, 3)"), "{}", e.message());
        assert!(q.iter().all(|&v| v == 5) && scales.iter().all(|&s| s == 9.0));
        assert!(params_u8(rows(&x, 3, 4)).is_err());
        let mut qu = vec![5u8; 12];
        let p = U8Params {
            scale: 0.1,
            zero_point: 3,
        };
        assert!(quantize_u8(rows(&x, 3, 4), p, MatMut::row_major(&mut qu, 3, 4).unwrap()).is_err());
    }
    let x = [1.0f32; 4];
    let mut q = [0u8; 4];
    let bad = U8Params {
        scale: 0.0,
        zero_point: 0,
    };
    assert!(quantize_u8(
        rows(&x, 2, 2),
        bad,
        MatMut::row_major(&mut q, 2, 2).unwrap()
    )
    .is_err());
}

/// The row loops work in chunks of 16 lanes and a tail: a non-finite value
/// anywhere (first lane, inside a chunk, in the tail) is found and named,
/// rows stored with gaps go the element-wise way, and nothing is written.
#[test]
fn non_finite_values_are_found_in_every_lane_and_layout() {
    let (r, c) = (3, 37);
    for at in [0, 15, 16, 31, 32, 36] {
        for bad in [f32::NAN, f32::INFINITY] {
            let mut x: Vec<f32> = (0..r * c).map(|i| (i as f32 * 0.37).sin()).collect();
            x[c + at] = bad;
            let want = format!("(1, {at})");
            let e = params_u8(rows(&x, r, c)).unwrap_err();
            assert!(e.message().contains(&want), "{}", e.message());
            let mut q = vec![7u8; r * c];
            let p = U8Params {
                scale: 0.01,
                zero_point: 100,
            };
            let e = quantize_u8(rows(&x, r, c), p, MatMut::row_major(&mut q, r, c).unwrap())
                .unwrap_err();
            assert!(e.message().contains(&want), "{}", e.message());
            assert!(q.iter().all(|&v| v == 7));
            // Column-major view of the transpose: no contiguous rows.
            let xt = MatRef::new(&x, 0, c, r, 1, c as isize).unwrap();
            let e = params_u8(xt).unwrap_err();
            assert!(
                e.message().contains(&format!("({at}, 1)")),
                "{}",
                e.message()
            );
        }
    }
}

/// The vectorized row loops give the same codes as the definition.
#[test]
fn uint8_codes_match_the_definition() {
    let (r, c) = (4, 53);
    let x: Vec<f32> = (0..r * c)
        .map(|i| (i as f32 * 0.71).sin() * 3.0 - 0.5)
        .collect();
    let p = params_u8(rows(&x, r, c)).unwrap();
    let lo = x.iter().fold(0.0f32, |a, &b| a.min(b));
    let hi = x.iter().fold(0.0f32, |a, &b| a.max(b));
    assert_eq!(p.scale, (hi / 255.0 - lo / 255.0).max(f32::MIN_POSITIVE));
    let mut q = vec![0u8; r * c];
    quantize_u8(rows(&x, r, c), p, MatMut::row_major(&mut q, r, c).unwrap()).unwrap();
    for (i, (&v, &code)) in x.iter().zip(&q).enumerate() {
        let want = ((v / p.scale).round_ties_even() + p.zero_point as f32).clamp(0.0, 255.0);
        // x * (1 / scale) may round a hair differently from x / scale
        // next to a tie: a one-code difference is allowed only there.
        let t = v * (1.0 / p.scale);
        let near_tie = (t - t.floor() - 0.5).abs() < 1e-3;
        assert!(
            code as f32 == want || (near_tie && (code as f32 - want).abs() == 1.0),
            "element {i}: {v} -> {code}, want {want}"
        );
    }
}

/// Dynamic quantization in one checked pass gives what the two public
/// steps give, and refuses NaN/Inf without writing.
#[test]
fn tensor_quantization_matches_its_two_steps() {
    let (r, c) = (5, 41);
    let mut x: Vec<f32> = (0..r * c)
        .map(|i| (i as f32 * 1.3).cos() * 2.0 + 0.3)
        .collect();
    let p = params_u8(rows(&x, r, c)).unwrap();
    let mut want = vec![0u8; r * c];
    quantize_u8(
        rows(&x, r, c),
        p,
        MatMut::row_major(&mut want, r, c).unwrap(),
    )
    .unwrap();
    let mut got = vec![0u8; r * c];
    let q = quantize_tensor_u8(rows(&x, r, c), MatMut::row_major(&mut got, r, c).unwrap());
    assert_eq!(q.unwrap(), p);
    assert_eq!(got, want);
    x[3 * c + 17] = f32::NAN;
    let mut untouched = vec![9u8; r * c];
    let e = quantize_tensor_u8(
        rows(&x, r, c),
        MatMut::row_major(&mut untouched, r, c).unwrap(),
    )
    .unwrap_err();
    assert!(e.message().contains("(3, 17)"), "{}", e.message());
    assert!(untouched.iter().all(|&v| v == 9));
}

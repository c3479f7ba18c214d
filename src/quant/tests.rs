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

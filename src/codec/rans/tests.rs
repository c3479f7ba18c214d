//! Round trips, every ISA path against the scalar decoder, sizes against
//! the entropy, and corruption of every kind.

use super::*;
use crate::error::ErrorKind;
use crate::runtime::Isa;
use crate::testutil::{for_each_isa, Rng};

fn params(tile_rows: u32, tile_cols: u32, prob_bits: u32, lanes: u32) -> RansParams {
    RansParams {
        tile_rows,
        tile_cols,
        prob_bits,
        lanes,
    }
}

fn encode_vec(w: &[i8], rows: usize, cols: usize, p: &RansParams) -> Vec<u8> {
    let mut dst = vec![0u8; encode_bound(rows, cols, p).unwrap()];
    let n = encode_s8(MatRef::row_major(w, rows, cols).unwrap(), p, &mut dst).unwrap();
    dst.truncate(n);
    dst
}

/// A standard normal sample (Box-Muller).
fn gauss(rng: &mut Rng) -> f64 {
    let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 + 1e-300;
    let v = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

fn clamp8(v: f64) -> i8 {
    v.round().clamp(-128.0, 127.0) as i8
}

/// Int8 weights of several shapes of distribution.
fn weights(kind: &str, n: usize, seed: u64) -> Vec<i8> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| match kind {
            "gauss" => clamp8(20.0 * gauss(&mut rng)),
            "laplace" => {
                let u = rng.signed_unit() * 0.999_999;
                clamp8(-12.0 * u.signum() * (1.0 - u.abs()).ln())
            }
            // Student-t with 3 degrees of freedom: heavy tails that hit
            // both ends of the int8 range.
            "student" => {
                let z = gauss(&mut rng);
                let chi: f64 = (0..3).map(|_| gauss(&mut rng).powi(2)).sum();
                clamp8(10.0 * z / (chi / 3.0).sqrt())
            }
            "uniform" => rng.next_u64() as u8 as i8,
            "constant" => -7,
            _ => unreachable!(),
        })
        .collect()
}

/// Decodes with every ISA path and checks each against the input.
fn check_round_trip(w: &[i8], rows: usize, cols: usize, p: &RansParams) -> Vec<u8> {
    let c = encode_vec(w, rows, cols, p);
    let r = RansReader::open(&c).unwrap();
    assert_eq!(r.shape(), (rows, cols));
    for_each_isa("rans round trip", |isa| {
        let mut out = vec![0i8; rows * cols];
        r.decode_s8_with(isa, MatMut::row_major(&mut out, rows, cols).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", isa.name()));
        assert!(out == w, "{} {rows}x{cols} {p:?}", isa.name());
        // Rows apart, with a sentinel between them that must survive.
        let rs = cols + 24;
        let mut padded = vec![0x5Ai8; rows * rs];
        r.decode_s8_with(
            isa,
            MatMut::new(&mut padded, 0, rows, cols, rs as isize, 1).unwrap(),
        )
        .unwrap();
        for (i, row) in padded.chunks(rs).enumerate() {
            assert!(
                row[..cols] == w[i * cols..(i + 1) * cols],
                "{} row {i}",
                isa.name()
            );
            assert!(
                row[cols..].iter().all(|&b| b == 0x5A),
                "{} padding",
                isa.name()
            );
        }
    });
    c
}

#[test]
fn round_trips_every_distribution_shape_and_parameter() {
    let shapes = [(1, 1), (257, 3), (3, 257), (70, 45), (64, 64)];
    let kinds = ["gauss", "laplace", "student", "uniform", "constant"];
    for (si, &(rows, cols)) in shapes.iter().enumerate() {
        for (ki, kind) in kinds.iter().enumerate() {
            let w = weights(kind, rows * cols, (si * 10 + ki) as u64);
            for p in [
                RansParams::default(),
                params(16, 16, 10, 8),
                params(7, 33, 11, 16),
                params(32, 8, 12, 64),
                params(5, 5, 12, 1),
                params(9, 40, 10, 2),
            ] {
                check_round_trip(&w, rows, cols, &p);
            }
        }
    }
}

#[test]
fn every_encoder_writes_the_same_bytes() {
    let mut all: Vec<i8> = (0..=255u8).map(|b| b as i8).collect();
    all.extend(weights("uniform", 300 * 200 - 256, 5));
    for (kind, w) in [
        ("gauss", weights("gauss", 300 * 200, 1)),
        ("student", weights("student", 300 * 200, 2)),
        ("constant", weights("constant", 300 * 200, 3)),
        ("all", all),
    ] {
        for p in [
            RansParams::default(),
            params(64, 64, 12, 32),
            params(37, 41, 10, 16),
            params(50, 50, 11, 64),
            params(7, 9, 12, 16),
            params(64, 64, 12, 8),
        ] {
            let mut want = None;
            for_each_isa("rans encode", |isa| {
                let mut dst = vec![0u8; encode_bound(300, 200, &p).unwrap()];
                let m = MatRef::row_major(&w, 300, 200).unwrap();
                let n = encode_s8_with(isa, m, &p, &mut dst).unwrap();
                dst.truncate(n);
                match &want {
                    None => want = Some(dst),
                    Some(b) => assert!(b == &dst, "{kind} {p:?}: {} differs", isa.name()),
                }
            });
        }
    }
}

#[test]
fn many_full_tiles_take_the_vector_loops() {
    // Tiles long enough for the SIMD loops (four tiles at once on
    // AVX-512, written straight into the output when a tile's width is a
    // multiple of the lanes), a tile count that is not a multiple of four,
    // and edge tiles.
    for (kind, seed) in [("gauss", 11), ("student", 12), ("uniform", 13)] {
        let (rows, cols) = (300, 520);
        let w = weights(kind, rows * cols, seed);
        for p in [
            params(64, 64, 12, 32),
            params(64, 32, 11, 16),
            params(32, 64, 12, 64),
            params(100, 100, 10, 32),
            params(64, 64, 12, 8),
        ] {
            check_round_trip(&w, rows, cols, &p);
        }
    }
}

#[test]
fn single_symbol_and_all_symbols() {
    // Every byte value present, each once and then at random.
    let mut w: Vec<i8> = (0..=255u8).map(|b| b as i8).collect();
    w.extend(weights("uniform", 256 * 40, 9));
    check_round_trip(&w, 41, 256, &params(16, 64, 12, 32));
    check_round_trip(&w, 41, 256, &params(16, 64, 10, 16));
    // One symbol: its frequency is the whole range and no words are
    // written; a tile is just its lanes' states.
    let w = vec![127i8; 300 * 200];
    let c = check_round_trip(&w, 300, 200, &RansParams::default());
    let r = RansReader::open(&c).unwrap();
    assert_eq!(r.freqs()[127], 4096);
    let meta = r.layout().meta_bytes().unwrap();
    assert_eq!(c.len() - meta, r.layout().tile_count() * 32 * 4);
    // Empty matrices.
    for (rows, cols) in [(0, 0), (0, 5), (5, 0)] {
        let c = encode_vec(&[], rows, cols, &RansParams::default());
        let r = RansReader::open(&c).unwrap();
        assert_eq!(r.shape(), (rows, cols));
        assert_eq!(r.layout().tile_count(), 0);
        r.decode_s8(MatMut::row_major(&mut [], rows, cols).unwrap())
            .unwrap();
        // W x with no columns is zero, written over whatever y held.
        let mut y = vec![f32::NAN; rows];
        r.gemv_f32(&vec![0f32; cols], &mut y).unwrap();
        assert!(y.iter().all(|&v| v == 0.0), "{rows}x{cols}");
        let mut ys = vec![f32::NAN; 2 * rows];
        r.gemm_f32(
            MatRef::row_major(&vec![0f32; 2 * cols], 2, cols).unwrap(),
            MatMut::row_major(&mut ys, 2, rows).unwrap(),
        )
        .unwrap();
        assert!(ys.iter().all(|&v| v == 0.0), "{rows}x{cols} batch");
    }
}

#[test]
fn strided_input_and_output() {
    let (rows, cols) = (37, 29);
    let w = weights("laplace", rows * cols, 4);
    let p = params(8, 8, 12, 16);
    let c = encode_vec(&w, rows, cols, &p);
    // The same matrix stored column-major encodes to the same bytes.
    let mut t = vec![0i8; rows * cols];
    for i in 0..rows {
        for j in 0..cols {
            t[j * rows + i] = w[i * cols + j];
        }
    }
    let view = MatRef::row_major(&t, cols, rows).unwrap().t();
    let mut dst = vec![0u8; encode_bound(rows, cols, &p).unwrap()];
    let n = encode_s8(view, &p, &mut dst).unwrap();
    assert_eq!(&dst[..n], &c[..]);
    // Decoding into a column-major view.
    let r = RansReader::open(&c).unwrap();
    let mut out = vec![0i8; rows * cols];
    r.decode_s8(MatMut::row_major(&mut out, cols, rows).unwrap().t())
        .unwrap();
    assert_eq!(out, t);
}

#[test]
fn size_is_within_one_percent_of_the_entropy() {
    for kind in ["gauss", "laplace", "student"] {
        let (rows, cols) = (512, 1024);
        let w = weights(kind, rows * cols, 77);
        let c = encode_vec(&w, rows, cols, &RansParams::default());
        let r = RansReader::open(&c).unwrap();
        let mut counts = [0u64; 256];
        for &v in &w {
            counts[v as u8 as usize] += 1;
        }
        let entropy_bytes = entropy_bits(&counts) * (rows * cols) as f64 / 8.0;
        // Fixed costs: metadata and each tile's 32 lane states.
        let fixed = r.layout().meta_bytes().unwrap() + r.layout().tile_count() * 32 * 4;
        let coded = (c.len() - fixed) as f64;
        assert!(
            coded <= 1.01 * entropy_bytes,
            "{kind}: {coded} bytes coded, entropy {entropy_bytes:.0}"
        );
    }
}

#[test]
fn row_scales_round_trip_through_qencode() {
    let (rows, cols) = (70, 90);
    let mut rng = Rng::new(5);
    // Row magnitudes spread over six orders of magnitude, one zero row.
    let w: Vec<f32> = (0..rows * cols)
        .map(|k| {
            let i = k / cols;
            if i == 3 {
                0.0
            } else {
                (gauss(&mut rng) * 10f64.powi(i as i32 % 7 - 3)) as f32
            }
        })
        .collect();
    let p = params(32, 32, 12, 32);
    let mut dst = vec![0u8; encode_bound(rows, cols, &p).unwrap()];
    let n = qencode_f32(MatRef::row_major(&w, rows, cols).unwrap(), &p, &mut dst).unwrap();
    let r = RansReader::open(&dst[..n]).unwrap();
    let mut q = vec![0i8; rows * cols];
    let mut scales = vec![0f32; rows];
    crate::quant::quantize_rows_s8(
        MatRef::row_major(&w, rows, cols).unwrap(),
        MatMut::row_major(&mut q, rows, cols).unwrap(),
        &mut scales,
    )
    .unwrap();
    assert_eq!(r.scales().unwrap(), &scales[..]);
    let mut out = vec![0f32; rows * cols];
    r.qdecode_f32(MatMut::row_major(&mut out, rows, cols).unwrap())
        .unwrap();
    for k in 0..rows * cols {
        assert_eq!(out[k], scales[k / cols] * q[k] as f32);
    }
    // A container without scales refuses qdecode.
    let c = encode_vec(&q, rows, cols, &p);
    let e = RansReader::open(&c)
        .unwrap()
        .qdecode_f32(MatMut::row_major(&mut out, rows, cols).unwrap())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    let mut bad = w.clone();
    bad[17] = f32::NAN;
    let e = qencode_f32(MatRef::row_major(&bad, rows, cols).unwrap(), &p, &mut dst).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
}

fn small_container() -> (Vec<u8>, Vec<i8>) {
    let w = weights("gauss", 40 * 50, 3);
    (encode_vec(&w, 40, 50, &params(16, 16, 11, 8)), w)
}

fn is_reported(e: &Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::CorruptData | ErrorKind::ChecksumMismatch
    )
}

#[test]
fn every_bit_flip_is_reported() {
    let (c, _) = small_container();
    let mut bad = c.clone();
    for bit in 0..c.len() * 8 {
        bad[bit / 8] ^= 1 << (bit % 8);
        let e = RansReader::open(&bad).expect_err("a flipped bit went unnoticed");
        assert!(is_reported(&e), "bit {bit}: {e}");
        bad[bit / 8] ^= 1 << (bit % 8);
    }
}

#[test]
fn truncated_and_extended_containers_are_rejected() {
    let (c, _) = small_container();
    for len in 0..c.len() {
        let e = RansReader::open(&c[..len]).unwrap_err();
        assert!(is_reported(&e), "length {len}: {e}");
    }
    for extra in [1usize, 2, 7, 100] {
        let mut long = c.clone();
        long.extend(std::iter::repeat_n(0u8, extra));
        let e = RansReader::open(&long).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::CorruptData, "{extra} extra bytes: {e}");
    }
}

#[test]
fn huge_shapes_in_a_resealed_header_are_corrupt() {
    // Found by the rans_open fuzz target: a tile count that overflows.
    let (c, _) = small_container();
    for (rows, cols, tile) in [
        (1u64 << 40, 1u64 << 40, 1u32),
        (u64::MAX, u64::MAX, 1),
        (1 << 33, 3, 2),
    ] {
        let mut bad = c.clone();
        bad[8..16].copy_from_slice(&rows.to_le_bytes());
        bad[16..24].copy_from_slice(&cols.to_le_bytes());
        bad[24..28].copy_from_slice(&tile.to_le_bytes());
        bad[28..32].copy_from_slice(&tile.to_le_bytes());
        let e = RansReader::open(&bad).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::CorruptData, "{rows}x{cols}: {e}");
    }
}

/// Rewrites every checksum of a container so that it passes `open`.
fn reseal(c: &mut [u8]) {
    let parsed_layout = {
        // Parse the header fields the offsets depend on.
        let rows = u64::from_le_bytes(c[8..16].try_into().unwrap()) as usize;
        let cols = u64::from_le_bytes(c[16..24].try_into().unwrap()) as usize;
        let p = params(
            u32::from_le_bytes(c[24..28].try_into().unwrap()),
            u32::from_le_bytes(c[28..32].try_into().unwrap()),
            u16::from_le_bytes(c[32..34].try_into().unwrap()) as u32,
            u16::from_le_bytes(c[34..36].try_into().unwrap()) as u32,
        );
        let flags = u16::from_le_bytes(c[6..8].try_into().unwrap());
        Layout {
            rows,
            cols,
            params: p,
            scales: flags & 1 == 1,
        }
    };
    let meta = parsed_layout.meta_bytes().unwrap();
    let tiles = parsed_layout.tile_count();
    let offsets_at = format::HEADER_BYTES + format::FREQ_BYTES;
    let crcs_at = offsets_at + 8 * (tiles + 1);
    for t in 0..tiles {
        let o = |k: usize| {
            u64::from_le_bytes(
                c[offsets_at + 8 * k..offsets_at + 8 * k + 8]
                    .try_into()
                    .unwrap(),
            ) as usize
        };
        let crc = crc32c(&c[meta + o(t)..meta + o(t + 1)]);
        c[crcs_at + 4 * t..crcs_at + 4 * t + 4].copy_from_slice(&crc.to_le_bytes());
    }
    let crc = crc32c(&c[..meta - 4]);
    c[meta - 4..meta].copy_from_slice(&crc.to_le_bytes());
}

#[test]
fn resealed_garbage_fails_decoding_on_every_path() {
    // Payload bytes changed and checksums recomputed: `open` cannot see
    // it, the rANS invariants must. Flip one byte at a time in tile 0's
    // words (and its lane states, keeping them >= 2^16).
    let (c, w) = small_container();
    let r = RansReader::open(&c).unwrap();
    let meta = r.layout().meta_bytes().unwrap();
    let end0 = meta + r.parsed.offsets[1];
    let mut caught = 0;
    let mut total = 0;
    for at in meta..end0 {
        for delta in [1u8, 0x80] {
            let mut bad = c.clone();
            bad[at] ^= delta;
            reseal(&mut bad);
            let Ok(r) = RansReader::open(&bad) else {
                continue; // a lane state pushed below 2^16: caught by open
            };
            total += 1;
            let mut reference_result = None;
            for_each_isa("rans resealed", |isa| {
                let mut out = vec![0i8; 40 * 50];
                let res = r.decode_s8_with(isa, MatMut::row_major(&mut out, 40, 50).unwrap());
                let ok = match &res {
                    Ok(()) => out == w,
                    Err(e) => {
                        assert_eq!(e.kind(), ErrorKind::CorruptData, "{e}");
                        false
                    }
                };
                // Every path agrees with the scalar one.
                let got = res.map_err(|e| e.message().to_string());
                match &reference_result {
                    None => reference_result = Some(got),
                    Some(want) => assert_eq!(&got, want, "{} at byte {at}", isa.name()),
                }
                let _ = ok;
            });
            if reference_result.as_ref().is_some_and(|r| r.is_err()) {
                caught += 1;
            }
        }
    }
    // rANS has no redundancy to catch every change, but almost all are.
    assert!(caught * 10 >= total * 9, "{caught} of {total} caught");
}

#[test]
fn wrong_shapes_and_tiles() {
    let (c, w) = small_container();
    let r = RansReader::open(&c).unwrap();
    let mut out = vec![0i8; 40 * 51];
    let e = r
        .decode_s8(MatMut::row_major(&mut out, 40, 51).unwrap())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DimensionMismatch);
    let tiles = r.layout().tile_count();
    assert_eq!(tiles, 3 * 4);
    let e = r.decode_tile(tiles, &mut [0i8; 256]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    let e = r.decode_tile(0, &mut [0i8; 255]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DimensionMismatch);
    // The last tile alone: 8 x 2 at rows 32.., columns 48...
    let s = r.layout().tile(tiles - 1);
    assert_eq!((s.row, s.col, s.rows, s.cols), (32, 48, 8, 2));
    let mut tile = vec![0i8; s.len()];
    r.decode_tile(tiles - 1, &mut tile).unwrap();
    for a in 0..s.rows {
        for b in 0..s.cols {
            assert_eq!(tile[a * s.cols + b], w[(s.row + a) * 50 + s.col + b]);
        }
    }
    // Bad parameters and a short buffer.
    for p in [
        params(0, 4, 12, 32),
        params(4, 4, 9, 32),
        params(4, 4, 13, 32),
        params(4, 4, 12, 3),
        params(4, 4, 12, 128),
        params(1 << 13, 1 << 12, 12, 32),
    ] {
        let e = encode_bound(4, 4, &p).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{p:?}");
    }
    let mut short = vec![0u8; c.len() - 1];
    let e = encode_s8(
        MatRef::row_major(&w, 40, 50).unwrap(),
        &params(16, 16, 11, 8),
        &mut short,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BufferTooSmall);
}

#[test]
fn bytes_do_not_depend_on_the_thread_count() {
    // 25 tiles: with 2 and 3 threads the runs of tiles are moved down.
    let w = weights("student", 300 * 300, 8);
    let p = params(64, 64, 12, 32);
    let before = crate::runtime::threads::num_threads();
    let mut seen = Vec::new();
    for t in [1, 2, 3] {
        crate::runtime::threads::set_num_threads(t).unwrap();
        let c = encode_vec(&w, 300, 300, &p);
        // A buffer of exactly the container's size (shorter than the
        // bound: encoded through a temporary buffer) gets the same bytes.
        let mut exact = vec![0u8; c.len()];
        let n = encode_s8(MatRef::row_major(&w, 300, 300).unwrap(), &p, &mut exact).unwrap();
        assert_eq!(n, c.len());
        assert!(exact == c, "{t} threads, exact-size buffer");
        seen.push(c);
    }
    crate::runtime::threads::set_num_threads(before).unwrap();
    assert!(seen.windows(2).all(|s| s[0] == s[1]));
}

#[test]
fn dot_kernels_match_the_reference() {
    let mut rng = Rng::new(21);
    let q = weights("uniform", 300, 3);
    let x: Vec<f32> = (0..300).map(|_| rng.signed_unit() as f32).collect();
    let q4 = weights("gauss", 4 * 300, 4);
    let x4: Vec<f32> = (0..4 * 300).map(|_| rng.signed_unit() as f32).collect();
    for n in (0..200).chain([255, 256, 257, 300]) {
        let exact: f64 = (0..n).map(|c| q[c] as f64 * x[c] as f64).sum();
        let mag: f64 = (0..n).map(|c| (q[c] as f64 * x[c] as f64).abs()).sum();
        for_each_isa("rans dot", |isa| {
            // SAFETY: the ISA is supported; x is long enough.
            let got = unsafe { gemv::dot_kernel(isa)(&q[..n], &x[..n]) } as f64;
            let tol = 2.0 * (n as f64 + 2.0) * f32::EPSILON as f64 * mag;
            assert!(
                (got - exact).abs() <= tol,
                "{} n {n}: {got} vs {exact}",
                isa.name()
            );
            // The four-at-once kernels give each dot's exact bits.
            if let Some(d4) = gemv::dot4_kernels(isa) {
                let qs: [&[i8]; 4] = std::array::from_fn(|i| &q4[i * 300..i * 300 + n]);
                let xs: [&[f32]; 4] = std::array::from_fn(|i| &x4[i * 300..i * 300 + n]);
                // SAFETY: as above.
                unsafe {
                    let one = gemv::dot_kernel(isa);
                    let rows = (d4.rows)(qs, xs[0]);
                    let batch = (d4.xs)(qs[0], xs);
                    for i in 0..4 {
                        assert_eq!(rows[i].to_bits(), one(qs[i], xs[0]).to_bits(), "n {n}");
                        assert_eq!(batch[i].to_bits(), one(qs[0], xs[i]).to_bits(), "n {n}");
                    }
                }
            }
        });
    }
}

/// `y = W x` in f64 over the decoded codes and scales.
fn gemv_reference(w: &[i8], scales: Option<&[f32]>, x: &[f32], rows: usize) -> Vec<(f64, f64)> {
    let cols = x.len();
    (0..rows)
        .map(|i| {
            let s = scales.map_or(1.0, |s| s[i]) as f64;
            let row = &w[i * cols..(i + 1) * cols];
            let exact: f64 = row.iter().zip(x).map(|(&q, &v)| q as f64 * v as f64).sum();
            let mag: f64 = row
                .iter()
                .zip(x)
                .map(|(&q, &v)| (q as f64 * v as f64).abs())
                .sum();
            (s * exact, s.abs() * mag)
        })
        .collect()
}

#[test]
fn fused_gemv_matches_decode_then_gemv() {
    let mut rng = Rng::new(8);
    for (rows, cols, p) in [
        (300, 520, params(64, 64, 12, 32)),
        (300, 520, params(64, 100, 11, 16)),
        (257, 3, RansParams::default()),
        (70, 300, params(16, 64, 12, 8)),
        (1, 1, RansParams::default()),
    ] {
        let w = weights("student", rows * cols, rows as u64);
        let x: Vec<f32> = (0..cols).map(|_| rng.signed_unit() as f32).collect();
        let c = encode_vec(&w, rows, cols, &p);
        let r = RansReader::open(&c).unwrap();
        let want = gemv_reference(&w, None, &x, rows);
        let mut first: Option<Vec<f32>> = None;
        for_each_isa("rans gemv", |isa| {
            let mut y = vec![f32::NAN; rows];
            r.gemv_f32_with(isa, &x, &mut y).unwrap();
            let mut base = vec![f32::NAN; rows];
            gemv_s8_f32_with(
                isa,
                MatRef::row_major(&w, rows, cols).unwrap(),
                None,
                &x,
                &mut base,
            )
            .unwrap();
            for i in 0..rows {
                let (exact, mag) = want[i];
                let tol = 2.0 * (cols as f64 + 2.0) * f32::EPSILON as f64 * mag;
                assert!((y[i] as f64 - exact).abs() <= tol, "{} row {i}", isa.name());
                assert!(
                    (base[i] as f64 - exact).abs() <= tol,
                    "{} row {i}",
                    isa.name()
                );
            }
            if isa == Isa::Scalar {
                first = Some(y);
            }
        });
        // The scalar path sums each tile row left to right, as the
        // unfused scalar GEMV sums the whole row: identical bits when one
        // tile spans the columns.
        if p.tile_cols as usize >= cols {
            let mut base = vec![0f32; rows];
            gemv_s8_f32_with(
                Isa::Scalar,
                MatRef::row_major(&w, rows, cols).unwrap(),
                None,
                &x,
                &mut base,
            )
            .unwrap();
            assert_eq!(first.unwrap(), base);
        }
    }
}

#[test]
fn fused_gemv_scales_threads_and_shapes() {
    let (rows, cols) = (200, 330);
    let mut rng = Rng::new(9);
    let wf: Vec<f32> = (0..rows * cols)
        .map(|k| (gauss(&mut rng) * 10f64.powi((k / cols) as i32 % 5 - 2)) as f32)
        .collect();
    let p = params(32, 64, 12, 32);
    let mut dst = vec![0u8; encode_bound(rows, cols, &p).unwrap()];
    let n = qencode_f32(MatRef::row_major(&wf, rows, cols).unwrap(), &p, &mut dst).unwrap();
    let r = RansReader::open(&dst[..n]).unwrap();
    let mut q = vec![0i8; rows * cols];
    r.decode_s8(MatMut::row_major(&mut q, rows, cols).unwrap())
        .unwrap();
    let x: Vec<f32> = (0..cols).map(|_| rng.signed_unit() as f32).collect();
    let want = gemv_reference(&q, r.scales(), &x, rows);
    let before = crate::runtime::threads::num_threads();
    let mut seen = Vec::new();
    for t in [1, 2, 3] {
        crate::runtime::threads::set_num_threads(t).unwrap();
        let mut y = vec![0f32; rows];
        r.gemv_f32(&x, &mut y).unwrap();
        seen.push(y);
    }
    crate::runtime::threads::set_num_threads(before).unwrap();
    assert!(
        seen.windows(2).all(|s| s[0] == s[1]),
        "thread count changed y"
    );
    for i in 0..rows {
        let (exact, mag) = want[i];
        let tol = 2.0 * (cols as f64 + 2.0) * f32::EPSILON as f64 * mag;
        assert!((seen[0][i] as f64 - exact).abs() <= tol, "row {i}");
    }
    let mut y = vec![0f32; rows];
    for (xl, yl) in [(cols - 1, rows), (cols, rows + 1), (0, 0)] {
        let e = r
            .gemv_f32(&x[..xl.min(cols)], &mut vec![0f32; yl])
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::DimensionMismatch);
    }
    r.gemv_f32(&x, &mut y).unwrap();
}

#[test]
fn batched_gemm_rows_are_the_gemv_of_each_row() {
    let (rows, cols) = (300, 520);
    let mut rng = Rng::new(21);
    let wf: Vec<f32> = (0..rows * cols).map(|_| gauss(&mut rng) as f32).collect();
    for p in [params(64, 64, 12, 32), params(100, 100, 10, 16)] {
        let mut dst = vec![0u8; encode_bound(rows, cols, &p).unwrap()];
        let n = qencode_f32(MatRef::row_major(&wf, rows, cols).unwrap(), &p, &mut dst).unwrap();
        let r = RansReader::open(&dst[..n]).unwrap();
        for batch in [1, 2, 5, 8] {
            let (ldx, ldy) = (cols + 3, rows + 7);
            let x: Vec<f32> = (0..batch * ldx).map(|_| rng.signed_unit() as f32).collect();
            let xv = MatRef::new(&x, 0, batch, cols, ldx as isize, 1).unwrap();
            // The same X stored column-major takes the packing path.
            let xt: Vec<f32> = (0..cols * batch)
                .map(|k| xv.at(k % batch, k / batch))
                .collect();
            let xt = MatRef::new(&xt, 0, batch, cols, 1, batch as isize).unwrap();
            let before = crate::runtime::threads::num_threads();
            for_each_isa("rans gemm", |isa| {
                let mut want = vec![0f32; batch * rows];
                for (b, want) in want.chunks_exact_mut(rows).enumerate() {
                    r.gemv_f32_with(isa, &x[b * ldx..b * ldx + cols], want)
                        .unwrap();
                }
                for (threads, x) in [(1, xv), (2, xv), (3, xt)] {
                    crate::runtime::threads::set_num_threads(threads).unwrap();
                    // The gaps between rows of Y must not be written.
                    let mut y = vec![f32::NAN; batch * ldy];
                    let yv = MatMut::new(&mut y, 0, batch, rows, ldy as isize, 1).unwrap();
                    r.gemm_f32_with(isa, x, yv).unwrap();
                    for (b, row) in y.chunks(ldy).enumerate() {
                        let what = format!("{} batch {batch} row {b} {threads}T", isa.name());
                        assert!(row[..rows] == want[b * rows..(b + 1) * rows], "{what}");
                        assert!(row[rows..].iter().all(|v| v.is_nan()), "{what}: gap");
                    }
                }
            });
            crate::runtime::threads::set_num_threads(before).unwrap();
        }
        // Shapes that do not agree, and an empty batch.
        let x = vec![0f32; 2 * (cols + 1)];
        let mut y = vec![0f32; 2 * (rows + 1)];
        for (xr, xc, yr, yc) in [
            (2, cols - 1, 2, rows),
            (2, cols, 2, rows + 1),
            (2, cols, 1, rows),
            (2, cols + 1, 2, rows),
        ] {
            let e = r
                .gemm_f32(
                    MatRef::row_major(&x[..xr * xc], xr, xc).unwrap(),
                    MatMut::row_major(&mut y[..yr * yc], yr, yc).unwrap(),
                )
                .unwrap_err();
            assert_eq!(
                e.kind(),
                ErrorKind::DimensionMismatch,
                "{xr}x{xc} {yr}x{yc}"
            );
        }
        r.gemm_f32(
            MatRef::row_major(&[], 0, cols).unwrap(),
            MatMut::row_major(&mut [], 0, rows).unwrap(),
        )
        .unwrap();
    }
}

/// Encode and decode speed on a 4096 x 4096 Gaussian int8 matrix:
/// `cargo test --release --lib rans_throughput -- --ignored --nocapture`.
#[test]
#[ignore]
fn rans_throughput() {
    use crate::runtime::threads::set_num_threads;
    use std::time::Instant;
    let n = 4096;
    let w = weights("gauss", n * n, 1);
    let p = RansParams::default();
    let mut dst = vec![0u8; encode_bound(n, n, &p).unwrap()];
    let best = |f: &mut dyn FnMut()| {
        (0..7)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    };
    let mb = (n * n) as f64 / 1e6;
    let before = crate::runtime::threads::num_threads();
    for threads in [1, 2] {
        set_num_threads(threads).unwrap();
        let mut len = 0;
        let t = best(&mut || {
            len = encode_s8(MatRef::row_major(&w, n, n).unwrap(), &p, &mut dst).unwrap()
        });
        println!(
            "encode {threads} thread(s): {:.0} MB/s, {:.3} bits/weight",
            mb / t,
            len as f64 * 8.0 / (n * n) as f64
        );
        let r = RansReader::open(&dst[..len]).unwrap();
        let mut out = vec![0i8; n * n];
        for isa in [Isa::Scalar, Isa::Avx2, Isa::Avx512] {
            if isa.is_supported() {
                let t = best(&mut || {
                    r.decode_s8_with(isa, MatMut::row_major(&mut out, n, n).unwrap())
                        .unwrap()
                });
                println!(
                    "decode {} {threads} thread(s): {:.0} MB/s",
                    isa.name(),
                    mb / t
                );
            }
        }
        let t = best(&mut || drop(RansReader::open(&dst[..len]).unwrap()));
        println!(
            "open (all checksums) {threads} thread(s): {:.0} MB/s of weights",
            mb / t
        );
        let x: Vec<f32> = (0..n).map(|i| (i % 13) as f32 - 6.0).collect();
        let mut y = vec![0f32; n];
        let fused = best(&mut || r.gemv_f32(&x, &mut y).unwrap());
        let unfused = best(&mut || {
            r.decode_s8(MatMut::row_major(&mut out, n, n).unwrap())
                .unwrap();
            gemv_s8_f32(MatRef::row_major(&out, n, n).unwrap(), None, &x, &mut y).unwrap()
        });
        let plain = best(&mut || {
            gemv_s8_f32(MatRef::row_major(&w, n, n).unwrap(), None, &x, &mut y).unwrap()
        });
        println!(
            "gemv 4096^2 {threads} thread(s): fused {:.2} ms, decode-then-gemv {:.2} ms, \
             int8 gemv on uncompressed weights {:.2} ms",
            fused * 1e3,
            unfused * 1e3,
            plain * 1e3
        );
    }
    set_num_threads(before).unwrap();
}

/// The AVX-512 tile decoder alone (no copy to the output, one thread),
/// one, two and four tiles at a time, interleaved with a whole
/// `decode_s8` on one thread:
/// `cargo test --release --lib rans_kernel_throughput -- --ignored --nocapture`.
#[cfg(target_arch = "x86_64")]
#[test]
#[ignore]
fn rans_kernel_throughput() {
    use super::x86_64::avx512::decode_tiles;
    use std::time::Instant;
    if !Isa::Avx512.is_supported() {
        println!("skipped: this CPU has no AVX-512");
        return;
    }
    let n = 4096;
    let w = weights("gauss", n * n, 1);
    let c = encode_vec(&w, n, n, &RansParams::default());
    let r = RansReader::open(&c).unwrap();
    let tiles = r.layout().tile_count();
    let len = r.layout().tile(0).len();
    let mut bufs = vec![vec![0u8; len]; 4];
    let mut out = vec![0i8; n * n];
    let mut best = [f64::INFINITY; 4];
    let before = crate::runtime::threads::num_threads();
    crate::runtime::threads::set_num_threads(1).unwrap();
    for _ in 0..15 {
        let t0 = Instant::now();
        r.decode_s8_with(Isa::Avx512, MatMut::row_major(&mut out, n, n).unwrap())
            .unwrap();
        best[3] = best[3].min(t0.elapsed().as_secs_f64());
        for (slot, group) in [1usize, 2, 4].into_iter().enumerate() {
            let t0 = Instant::now();
            for t in (0..tiles).step_by(group) {
                let [a, b, c, d] = &mut bufs[..] else {
                    unreachable!()
                };
                let jobs: [_; 4] = std::array::from_fn(|k| r.tile_job((t + k).min(tiles - 1)));
                // SAFETY: the CPU has AVX-512; the tiles come from an
                // opened container and the buffers have their sizes.
                let ok = unsafe {
                    match group {
                        1 => decode_tiles::<1>([&jobs[0]], [a], [None])
                            .iter()
                            .all(|r| r.is_ok()),
                        2 => decode_tiles::<2>([&jobs[0], &jobs[1]], [a, b], [None; 2])
                            .iter()
                            .all(|r| r.is_ok()),
                        _ => decode_tiles::<4>(
                            std::array::from_fn(|k| &jobs[k]),
                            [a, b, c, d],
                            [None; 4],
                        )
                        .iter()
                        .all(|r| r.is_ok()),
                    }
                };
                assert!(ok);
            }
            best[slot] = best[slot].min(t0.elapsed().as_secs_f64());
        }
    }
    crate::runtime::threads::set_num_threads(before).unwrap();
    let mbs = |t: f64| (n * n) as f64 / t / 1e6;
    for (group, t) in [1, 2, 4].into_iter().zip(best) {
        println!(
            "avx512 kernel, {group} tile(s) at a time: {:.0} MB/s",
            mbs(t)
        );
    }
    println!(
        "decode_s8 (avx512, 1 thread, copy included): {:.0} MB/s",
        mbs(best[3])
    );
}

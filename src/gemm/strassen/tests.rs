//! Strassen–Winograd against an f64-accumulated naive product, within the
//! normwise bound of the module docs: 1 to 3 levels forced on small
//! matrices by a lowered crossover, odd and rectangular shapes, every
//! stride layout, alpha/beta combinations (NaN in C with beta = 0, NaN in
//! A and B with alpha = 0), and the reuse of the per-thread workspace.

use super::*;
use crate::error::ErrorKind;
use crate::testutil::Rng;

/// Levels of recursion an `m x n x k` product goes through.
fn levels(m: usize, n: usize, k: usize, crossover: usize) -> u32 {
    let plan = Plan { crossover };
    let (mut m, mut n, mut k, mut l) = (m, n, k, 0);
    while plan.recurses(m, n, k) {
        (m, n, k, l) = (m / 2, n / 2, k / 2, l + 1);
    }
    l
}

/// The bound of the module docs as a multiple of the unit roundoff:
/// `||Ĉ - (alpha A B + beta C)|| <= u * error_bound(..)`, with
/// `norm_ab = |alpha| ||A|| ||B||` and `norm_c = |beta| ||C||` (max norms)
/// and `l` levels of recursion.
fn error_bound(k: usize, l: u32, norm_ab: f64, norm_c: f64) -> f64 {
    let k0 = k.div_ceil(1 << l) as f64;
    let l = f64::from(l);
    18f64.powf(l) * (k0 * k0 + (10.0 + 3.0 * l) * k0) * norm_ab + (2.0 + 3.0 * l) * norm_c
}

/// How a matrix is laid out in its buffer.
#[derive(Copy, Clone, Debug)]
enum Layout {
    /// Row-major, leading dimension cols + 3.
    RowMajor,
    /// Column-major, leading dimension rows + 2.
    ColMajor,
    /// The transpose (`t()`) of a row-major cols x rows matrix.
    Transposed,
    /// Rows stored bottom-up: negative row stride, unit column stride.
    NegRows,
    /// Both strides negative, column-major-like (element (0, 0) last).
    NegBoth,
    /// Row stride 2, column stride 2 * rows + 1: no unit stride.
    Gapped,
}

const LAYOUTS: [Layout; 6] = [
    Layout::RowMajor,
    Layout::ColMajor,
    Layout::Transposed,
    Layout::NegRows,
    Layout::NegBoth,
    Layout::Gapped,
];

/// A matrix in a buffer whose unused slots hold NaN, so that a read
/// outside the view shows up in the result.
struct Stored<T> {
    data: Vec<T>,
    origin: usize,
    rows: usize,
    cols: usize,
    rs: isize,
    cs: isize,
    transposed: bool,
}

impl<T: GemmReal> Stored<T> {
    fn new(layout: Layout, rows: usize, cols: usize, mut value: impl FnMut() -> f64) -> Self {
        let (r, c) = (rows as isize, cols as isize);
        let (len, origin, rs, cs) = match layout {
            Layout::RowMajor => (r * (c + 3), 0, c + 3, 1),
            Layout::ColMajor | Layout::Transposed => ((r + 2) * c, 0, 1, r + 2),
            Layout::NegRows => (r * c, (r - 1) * c, -c, 1),
            Layout::NegBoth => ((r + 1) * c, (r - 1) + (c - 1) * (r + 1), -1, -(r + 1)),
            Layout::Gapped => (2 * r * c + c, 0, 2, 2 * r + 1),
        };
        let mut s = Stored {
            data: vec![T::from_f64(f64::NAN); len as usize],
            origin: origin as usize,
            rows,
            cols,
            rs,
            cs,
            transposed: matches!(layout, Layout::Transposed),
        };
        for i in 0..rows {
            for j in 0..cols {
                let at = s.index(i, j);
                s.data[at] = T::from_f64(value());
            }
        }
        s
    }

    fn random(rng: &mut Rng, layout: Layout, rows: usize, cols: usize) -> Self {
        Self::new(layout, rows, cols, || rng.signed_unit())
    }

    fn index(&self, i: usize, j: usize) -> usize {
        (self.origin as isize + i as isize * self.rs + j as isize * self.cs) as usize
    }

    fn get(&self, i: usize, j: usize) -> f64 {
        self.data[self.index(i, j)].to_f64()
    }

    /// Max norm.
    fn norm(&self) -> f64 {
        let mut max = 0f64;
        for i in 0..self.rows {
            for j in 0..self.cols {
                max = max.max(self.get(i, j).abs());
            }
        }
        max
    }

    fn view(&self) -> MatRef<'_, T> {
        let (o, r, c, rs, cs) = (self.origin, self.rows, self.cols, self.rs, self.cs);
        if self.transposed {
            MatRef::new(&self.data, o, c, r, cs, rs).unwrap().t()
        } else {
            MatRef::new(&self.data, o, r, c, rs, cs).unwrap()
        }
    }

    fn view_mut(&mut self) -> MatMut<'_, T> {
        let (o, r, c, rs, cs) = (self.origin, self.rows, self.cols, self.rs, self.cs);
        if self.transposed {
            MatMut::new(&mut self.data, o, c, r, cs, rs).unwrap().t()
        } else {
            MatMut::new(&mut self.data, o, r, c, rs, cs).unwrap()
        }
    }
}

/// One product to check.
#[derive(Copy, Clone, Debug)]
struct Case {
    m: usize,
    n: usize,
    k: usize,
    crossover: usize,
    alpha: f64,
    beta: f64,
    /// Layouts of A, B and C.
    layouts: [Layout; 3],
    /// Whether C starts as NaN (only with beta == 0) instead of random.
    nan_c: bool,
}

/// Runs `case` through Strassen and checks every element of C against the
/// f64-accumulated product within `u * error_bound`, plus the reference's
/// own classical error (which only matters for f64).
fn check<T: GemmReal>(case: Case, rng: &mut Rng) {
    let Case {
        m,
        n,
        k,
        crossover,
        alpha,
        beta,
        layouts: [la, lb, lc],
        nan_c,
    } = case;
    let a = Stored::<T>::random(rng, la, m, k);
    let b = Stored::<T>::random(rng, lb, k, n);
    let mut c = if nan_c {
        Stored::<T>::new(lc, m, n, || f64::NAN)
    } else {
        Stored::<T>::random(rng, lc, m, n)
    };
    let c0: Vec<f64> = (0..m * n).map(|e| c.get(e / n, e % n)).collect();
    let (alpha_t, beta_t) = (T::from_f64(alpha), T::from_f64(beta));
    gemm_strassen_with(crossover, alpha_t, a.view(), b.view(), beta_t, c.view_mut()).unwrap();

    let norm_ab = alpha.abs() * a.norm() * b.norm();
    let norm_c = if beta == 0.0 {
        0.0
    } else {
        beta.abs() * c0.iter().fold(0f64, |m, v| m.max(v.abs()))
    };
    let u = T::EPSILON.to_f64() / 2.0;
    let bound = u * error_bound(k, levels(m, n, k, crossover), norm_ab, norm_c);
    let reference_error = f64::EPSILON / 2.0 * ((k * (k + 2)) as f64 * norm_ab + 2.0 * norm_c);
    let tol = bound / (1.0 - bound) + reference_error; // first order -> gamma-style
    for i in 0..m {
        for j in 0..n {
            let ab: f64 = (0..k).map(|p| a.get(i, p) * b.get(p, j)).sum();
            let want = alpha * ab
                + if beta == 0.0 {
                    0.0
                } else {
                    beta * c0[i * n + j]
                };
            let err = (c.get(i, j) - want).abs();
            assert!(
                err <= tol,
                "{case:?} {}: C[{i}, {j}] = {} want {want}, error {err:e} > {tol:e}",
                std::any::type_name::<T>(),
                c.get(i, j)
            );
        }
    }
}

/// (m, n, k, crossover, levels): 1 to 3 levels, odd dimensions at
/// different levels, square, tall, wide and deep shapes.
const SHAPES: [(usize, usize, usize, usize, u32); 12] = [
    (64, 64, 64, 64, 1),
    (64, 64, 64, 32, 2),
    (96, 80, 72, 32, 2),
    (128, 130, 129, 32, 3),
    (127, 129, 131, 32, 2),
    (65, 67, 69, 16, 3),
    (101, 77, 153, 36, 2),
    (190, 70, 41, 20, 2),
    (71, 199, 97, 35, 2),
    (200, 64, 64, 64, 1),
    (199, 150, 131, 32, 3),
    (33, 200, 35, 8, 3),
];

/// (alpha, beta, NaN in C): both schedules (beta == 0 overwrites, any
/// other beta accumulates), beta == 1 (no scaling pass) and a negative one.
const SCALARS: [(f64, f64, bool); 5] = [
    (1.0, 0.0, false),
    (-0.75, 0.0, true),
    (1.0, 1.0, false),
    (0.5, -2.0, false),
    (2.0, 0.25, false),
];

#[test]
fn levels_follow_the_crossover() {
    for (m, n, k, crossover, l) in SHAPES {
        assert_eq!(
            levels(m, n, k, crossover),
            l,
            "{m}x{n}x{k} crossover {crossover}"
        );
    }
    assert_eq!(levels(64, 64, 64, 1), levels(64, 64, 64, MIN_CROSSOVER));
    assert_eq!(levels(1023, 4096, 4096, CROSSOVER_F32), 0);
    assert_eq!(levels(1024, 4096, 2048, CROSSOVER_F32), 1);
}

fn shapes_and_scalars<T: GemmReal>(seed: u64) {
    let mut rng = Rng::new(seed);
    for (s, &(m, n, k, crossover, _)) in SHAPES.iter().enumerate() {
        for (t, &(alpha, beta, nan_c)) in SCALARS.iter().enumerate() {
            let layouts = [
                LAYOUTS[(s + t) % 6],
                LAYOUTS[(s + 2 * t + 1) % 6],
                LAYOUTS[(s + 3 * t + 2) % 6],
            ];
            check::<T>(
                Case {
                    m,
                    n,
                    k,
                    crossover,
                    alpha,
                    beta,
                    layouts,
                    nan_c,
                },
                &mut rng,
            );
        }
    }
}

#[test]
fn f32_shapes_and_scalars_within_bound() {
    shapes_and_scalars::<f32>(1);
}

#[test]
fn f64_shapes_and_scalars_within_bound() {
    shapes_and_scalars::<f64>(2);
}

/// Every combination of the layouts of A, B and C at three levels.
fn every_layout<T: GemmReal>(seed: u64) {
    let mut rng = Rng::new(seed);
    let mut t = 0;
    for la in LAYOUTS {
        for lb in LAYOUTS {
            for lc in LAYOUTS {
                let (alpha, beta, nan_c) = SCALARS[t % SCALARS.len()];
                t += 1;
                let case = Case {
                    m: 37,
                    n: 41,
                    k: 35,
                    crossover: 8,
                    alpha,
                    beta,
                    layouts: [la, lb, lc],
                    nan_c,
                };
                check::<T>(case, &mut rng);
            }
        }
    }
}

#[test]
fn f32_every_layout_within_bound() {
    every_layout::<f32>(3);
}

#[test]
fn f64_every_layout_within_bound() {
    every_layout::<f64>(4);
}

#[test]
fn beta_zero_never_reads_c() {
    let mut rng = Rng::new(5);
    for lc in LAYOUTS {
        for (m, n, k, crossover, _) in [(64, 64, 64, 32, 2), (65, 67, 69, 16, 3)] {
            let layouts = [Layout::RowMajor, Layout::ColMajor, lc];
            let case = Case {
                m,
                n,
                k,
                crossover,
                alpha: 1.5,
                beta: 0.0,
                layouts,
                nan_c: true,
            };
            check::<f32>(case, &mut rng);
            check::<f64>(case, &mut rng);
        }
    }
}

#[test]
fn alpha_zero_never_reads_a_or_b() {
    let mut rng = Rng::new(6);
    let (m, n, k) = (66, 65, 67);
    let a = Stored::<f64>::new(Layout::RowMajor, m, k, || f64::NAN);
    let b = Stored::<f64>::new(Layout::ColMajor, k, n, || f64::NAN);
    let mut c = Stored::<f64>::random(&mut rng, Layout::NegRows, m, n);
    let c0: Vec<f64> = (0..m * n).map(|e| c.get(e / n, e % n)).collect();
    gemm_strassen_with(8, 0.0, a.view(), b.view(), 0.5, c.view_mut()).unwrap();
    for (e, &was) in c0.iter().enumerate() {
        assert_eq!(c.get(e / n, e % n), 0.5 * was);
    }
    gemm_strassen_with(8, 0.0, a.view(), b.view(), 0.0, c.view_mut()).unwrap();
    assert!((0..m * n).all(|e| c.get(e / n, e % n) == 0.0));
}

#[test]
fn below_the_crossover_it_is_plain_gemm() {
    let mut rng = Rng::new(7);
    let a = Stored::<f32>::random(&mut rng, Layout::RowMajor, 100, 90);
    let b = Stored::<f32>::random(&mut rng, Layout::ColMajor, 90, 80);
    let c = Stored::<f32>::random(&mut rng, Layout::RowMajor, 100, 80);
    let (mut c1, mut c2) = (
        Stored {
            data: c.data.clone(),
            ..c
        },
        Stored {
            data: c.data.clone(),
            ..c
        },
    );
    gemm_strassen(0.5, a.view(), b.view(), 2.0, c1.view_mut()).unwrap();
    gemm(0.5, a.view(), b.view(), 2.0, c2.view_mut()).unwrap();
    assert_eq!(
        c1.data.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        c2.data.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    );
}

#[test]
fn mismatched_shapes_are_rejected() {
    let mut rng = Rng::new(8);
    let a = Stored::<f64>::random(&mut rng, Layout::RowMajor, 64, 64);
    let b = Stored::<f64>::random(&mut rng, Layout::RowMajor, 63, 64);
    let mut c = Stored::<f64>::random(&mut rng, Layout::RowMajor, 64, 64);
    let err = gemm_strassen_with(8, 1.0, a.view(), b.view(), 0.0, c.view_mut()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DimensionMismatch);
}

/// Address and capacity of this thread's workspace.
fn held_workspace() -> (usize, usize) {
    WORKSPACE.with(|w| {
        let buf = w.replace(AlignedVec::new(ALIGN));
        let seen = (buf.as_ptr() as usize, buf.capacity());
        w.set(buf);
        seen
    })
}

#[test]
fn the_workspace_is_kept_and_reused() {
    let mut rng = Rng::new(9);
    let a = Stored::<f32>::random(&mut rng, Layout::RowMajor, 96, 96);
    let b = Stored::<f32>::random(&mut rng, Layout::RowMajor, 96, 96);
    let mut c = Stored::<f32>::random(&mut rng, Layout::RowMajor, 96, 96);
    gemm_strassen_with(16, 1.0, a.view(), b.view(), 1.0, c.view_mut()).unwrap();
    let first = held_workspace();
    let needed = Plan { crossover: 16 }.workspace_len::<f32>(Mode::Accumulate, 96, 96, 96);
    assert!(first.1 * 2 >= needed && needed > 0);
    // Same size, a smaller one, and the other element type: no new buffer.
    gemm_strassen_with(16, 1.0, a.view(), b.view(), 1.0, c.view_mut()).unwrap();
    assert_eq!(held_workspace(), first);
    gemm_strassen_with(16, 1.0, a.view(), b.view(), 0.0, c.view_mut()).unwrap();
    assert_eq!(held_workspace(), first);
    let ad = Stored::<f64>::random(&mut rng, Layout::RowMajor, 64, 64);
    let mut cd = Stored::<f64>::random(&mut rng, Layout::RowMajor, 64, 64);
    gemm_strassen_with(16, 1.0, ad.view(), ad.view(), 0.0, cd.view_mut()).unwrap();
    assert_eq!(held_workspace(), first);
}

#[test]
fn nested_workspaces_are_disjoint() {
    with_workspace::<f64, _>(100, |outer| {
        outer.fill(1.0);
        with_workspace::<f64, _>(300, |inner| {
            inner.fill(2.0);
            Ok(())
        })?;
        assert!(outer.iter().all(|&v| v == 1.0));
        Ok(())
    })
    .unwrap();
    // The larger buffer is the one kept.
    assert!(held_workspace().1 >= 300);
}

#[test]
fn workspace_pieces_are_aligned() {
    assert_eq!(piece::<f32>(1), 16);
    assert_eq!(piece::<f64>(9), 16);
    assert_eq!(piece::<f64>(16), 16);
    assert_eq!(piece::<f32>(0), 0);
}

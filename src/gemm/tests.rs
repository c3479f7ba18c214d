//! Property tests of the blocked GEMM: every ISA path this CPU has against
//! an f64-accumulated naive product, over random shapes (0, 1, primes and
//! sizes that cross every block edge), every stride layout, alpha/beta
//! combinations, NaN in C with beta = 0, and thread counts.

use super::driver;
use super::kernels::GemmReal;
use super::matrix::{MatMut, MatRef};
use crate::runtime::Isa;
use crate::testutil::{for_each_isa, Rng};

/// How a matrix is laid out in its buffer.
#[derive(Copy, Clone, Debug)]
pub(super) enum Layout {
    RowMajor,
    ColMajor,
    /// Column-major inside a larger leading dimension.
    Padded,
    /// Row-major with both strides negative (element (0,0) at the end).
    Reversed,
    /// Row stride 3, column stride 3 * rows + 1 (nothing contiguous).
    Gapped,
}

pub(super) const LAYOUTS: [Layout; 5] = [
    Layout::RowMajor,
    Layout::ColMajor,
    Layout::Padded,
    Layout::Reversed,
    Layout::Gapped,
];

/// Buffer length, origin and strides for a `rows x cols` matrix.
fn geometry(layout: Layout, rows: usize, cols: usize) -> (usize, usize, isize, isize) {
    let (r, c) = (rows.max(1), cols.max(1));
    match layout {
        Layout::RowMajor => (r * c, 0, c as isize, 1),
        Layout::ColMajor => (r * c, 0, 1, r as isize),
        Layout::Padded => ((r + 5) * c, 2, 1, (r + 5) as isize),
        Layout::Reversed => (r * c, r * c - 1, -(c as isize), -1),
        Layout::Gapped => (3 * r * c + c + 1, 0, 3, (3 * r + 1) as isize),
    }
}

pub(super) struct Matrix<T> {
    pub(super) data: Vec<T>,
    origin: usize,
    rows: usize,
    cols: usize,
    rs: isize,
    cs: isize,
}

impl<T: GemmReal> Matrix<T> {
    fn random(rng: &mut Rng, layout: Layout, rows: usize, cols: usize) -> Self {
        Matrix::generate(rng, layout, rows, cols, |rng| {
            T::from_f64(rng.signed_unit())
        })
    }
}

impl<T: Copy> Matrix<T> {
    /// A `rows x cols` matrix in `layout` whose every buffer value (gaps
    /// included) comes from `value`.
    pub(super) fn generate(
        rng: &mut Rng,
        layout: Layout,
        rows: usize,
        cols: usize,
        mut value: impl FnMut(&mut Rng) -> T,
    ) -> Self {
        let (len, origin, rs, cs) = geometry(layout, rows, cols);
        let data = (0..len).map(|_| value(rng)).collect();
        Matrix {
            data,
            origin,
            rows,
            cols,
            rs,
            cs,
        }
    }
    /// A copy of the buffer with the same geometry.
    pub(super) fn duplicate(&self) -> Self {
        Matrix {
            data: self.data.clone(),
            ..*self
        }
    }
    pub(super) fn view(&self) -> MatRef<'_, T> {
        MatRef::new(
            &self.data,
            self.origin,
            self.rows,
            self.cols,
            self.rs,
            self.cs,
        )
        .unwrap()
    }
    pub(super) fn view_mut(&mut self) -> MatMut<'_, T> {
        MatMut::new(
            &mut self.data,
            self.origin,
            self.rows,
            self.cols,
            self.rs,
            self.cs,
        )
        .unwrap()
    }
}

/// Checks `got` against `alpha * A * B + beta * C0` accumulated in f64,
/// within `4 * (k + 2) * eps * (|alpha| |A||B| + |beta| |C0|)` per element.
fn check<T: GemmReal>(
    what: &str,
    alpha: T,
    a: MatRef<T>,
    b: MatRef<T>,
    beta: T,
    c0: MatRef<T>,
    got: MatRef<T>,
) {
    let (m, n, k) = (got.rows(), got.cols(), a.cols());
    let eps = T::EPSILON.to_f64();
    for i in 0..m {
        for j in 0..n {
            let (mut exact, mut mag) = (0.0f64, 0.0f64);
            for p in 0..k {
                let prod = a.at(i, p).to_f64() * b.at(p, j).to_f64();
                exact += prod;
                mag += prod.abs();
            }
            let (al, be) = (alpha.to_f64(), beta.to_f64());
            let c = if be == 0.0 { 0.0 } else { c0.at(i, j).to_f64() };
            let want = al * exact + be * c;
            let tol = 4.0 * (k as f64 + 2.0) * eps * (al.abs() * mag + (be * c).abs())
                + f64::MIN_POSITIVE;
            let g = got.at(i, j).to_f64();
            assert!(
                (g - want).abs() <= tol,
                "{what}: C({i},{j}) = {g}, want {want} (tol {tol})"
            );
        }
    }
}

/// Runs one product on `isa` and checks it.
#[allow(clippy::too_many_arguments)]
fn run_case<T: GemmReal>(
    rng: &mut Rng,
    isa: Isa,
    (m, n, k): (usize, usize, usize),
    (la, lb, lc): (Layout, Layout, Layout),
    alpha: T,
    beta: T,
    nan_in_c: bool,
) {
    let a = Matrix::<T>::random(rng, la, m, k);
    let b = Matrix::<T>::random(rng, lb, k, n);
    let mut c = Matrix::<T>::random(rng, lc, m, n);
    if nan_in_c {
        c.data.iter_mut().for_each(|v| *v = T::from_f64(f64::NAN));
    }
    let c0 = c.duplicate();
    driver::gemm(isa, alpha, &a.view(), &b.view(), beta, &mut c.view_mut());
    let what = format!("{isa:?} {m}x{n}x{k} {la:?}/{lb:?}/{lc:?} alpha {alpha:?} beta {beta:?}");
    check(&what, alpha, a.view(), b.view(), beta, c0.view(), c.view());
    check_outside_untouched(&what, &c0, &c);
}

/// Elements of C's buffer outside the matrix (padding, gaps) keep their
/// bits: no tile wrote past C.
fn check_outside_untouched<T: GemmReal>(what: &str, before: &Matrix<T>, after: &Matrix<T>) {
    let mut inside = vec![false; after.data.len()];
    for i in 0..after.rows {
        for j in 0..after.cols {
            let at = after.origin as isize + i as isize * after.rs + j as isize * after.cs;
            inside[at as usize] = true;
        }
    }
    for (at, (x, y)) in before.data.iter().zip(&after.data).enumerate() {
        assert!(
            inside[at] || x.to_f64().to_bits() == y.to_f64().to_bits(),
            "{what}: element {at} of C's buffer lies outside the matrix and was written"
        );
    }
}

/// The unpacked path covers a strip with tiles of exact widths (1, 2, 4,
/// 8, 12, 16): every remainder of n, one- and two-vector strips and their
/// edges, alpha 1 (whose multiply the kernel skips) and not, beta 0 over
/// NaN and beta non-zero.
#[test]
fn unpacked_tiles_cover_every_width() {
    let mut rng = Rng::new(17);
    for_each_isa("unpacked widths", |isa| {
        for m in [1, 7, 8, 9, 15, 16, 17, 31, 32] {
            for n in 1..=33 {
                for k in [1, 6] {
                    for layouts in [
                        (Layout::RowMajor, Layout::RowMajor, Layout::RowMajor),
                        (Layout::ColMajor, Layout::RowMajor, Layout::Padded),
                    ] {
                        let mnk = (m, n, k);
                        run_case::<f32>(&mut rng, isa, mnk, layouts, 1.0, 0.0, true);
                        run_case::<f32>(&mut rng, isa, mnk, layouts, 1.0, 1.5, false);
                        run_case::<f64>(&mut rng, isa, mnk, layouts, -0.75, 0.0, true);
                        run_case::<f64>(&mut rng, isa, mnk, layouts, 1.0, -2.0, false);
                    }
                }
            }
        }
    });
}

fn random_shapes<T: GemmReal>(name: &str, seed: u64) {
    let mut rng = Rng::new(seed);
    let dims = [
        0usize, 1, 2, 3, 5, 7, 13, 16, 17, 31, 32, 33, 47, 64, 97, 128, 131, 211, 257, 293,
    ];
    for_each_isa(name, |isa| {
        for case in 0..120 {
            let pick = |rng: &mut Rng| {
                if rng.below(3) == 0 {
                    rng.below(300)
                } else {
                    dims[rng.below(dims.len())]
                }
            };
            let (m, n, k) = (pick(&mut rng), pick(&mut rng), pick(&mut rng));
            let layouts = (
                LAYOUTS[rng.below(5)],
                LAYOUTS[rng.below(5)],
                LAYOUTS[rng.below(5)],
            );
            let (alpha, beta, nan) = match case % 4 {
                0 => (T::ONE, T::ZERO, true),
                1 => (T::from_f64(-0.75), T::from_f64(1.5), false),
                2 => (T::ZERO, T::from_f64(0.5), false),
                _ => (T::from_f64(2.0), T::ONE, false),
            };
            run_case(&mut rng, isa, (m, n, k), layouts, alpha, beta, nan);
        }
    });
}

#[test]
fn sgemm_matches_reference_on_every_path() {
    random_shapes::<f32>("sgemm", 11);
}

#[test]
fn dgemm_matches_reference_on_every_path() {
    random_shapes::<f64>("dgemm", 12);
}

/// Sizes past every cache block (kc, mc and several nc panels) on the
/// active path, for both orientations of C.
#[test]
fn large_blocks_cross_every_edge() {
    let mut rng = Rng::new(13);
    let isa = crate::runtime::active_isa();
    for (m, n, k) in [(600, 530, 1100), (37, 4200, 300)] {
        for lc in [Layout::ColMajor, Layout::RowMajor] {
            let ls = (Layout::RowMajor, Layout::ColMajor, lc);
            run_case::<f32>(&mut rng, isa, (m, n, k), ls, 1.0, 0.5, false);
        }
    }
    run_case::<f64>(
        &mut rng,
        isa,
        (300, 700, 600),
        (Layout::ColMajor, Layout::RowMajor, Layout::ColMajor),
        1.0,
        0.0,
        true,
    );
}

/// Bitwise identical results for 1, 2 and 3 threads, on the packed path
/// (k past the unpacked limit) and on the unpacked one (whose row blocks
/// shrink to give every thread one).
#[test]
fn results_do_not_depend_on_thread_count() {
    use Layout::{ColMajor, RowMajor};
    same_bits_for_any_thread_count::<f64>((300, 250, 700), (RowMajor, ColMajor, ColMajor));
    same_bits_for_any_thread_count::<f32>((250, 230, 300), (RowMajor, RowMajor, RowMajor));
    same_bits_for_any_thread_count::<f64>((200, 190, 250), (ColMajor, ColMajor, ColMajor));
}

fn same_bits_for_any_thread_count<T: GemmReal>(
    (m, n, k): (usize, usize, usize),
    (la, lb, lc): (Layout, Layout, Layout),
) {
    let mut rng = Rng::new(14);
    let a = Matrix::<T>::random(&mut rng, la, m, k);
    let b = Matrix::<T>::random(&mut rng, lb, k, n);
    let mut first: Option<Vec<u64>> = None;
    for threads in [1, 2, 3] {
        crate::runtime::set_num_threads(threads).unwrap();
        let mut c = Matrix::<T>::random(&mut Rng::new(15), lc, m, n);
        let isa = crate::runtime::active_isa();
        driver::gemm(
            isa,
            T::ONE,
            &a.view(),
            &b.view(),
            T::from_f64(0.25),
            &mut c.view_mut(),
        );
        let bits: Vec<u64> = c.data.iter().map(|v| v.to_f64().to_bits()).collect();
        assert_eq!(
            first.get_or_insert_with(|| bits.clone()),
            &bits,
            "{threads} threads, {m} x {n} x {k}"
        );
    }
    crate::runtime::set_num_threads(0).unwrap();
}

/// GEMV-like shapes (few rows or columns of C) on every path, in the
/// layouts that take the unpacked skinny path, the dot-product path (A
/// row-major, B column-major: `x W^T` with W row-major) and neither.
#[test]
fn skinny_shapes_match_reference() {
    let mut rng = Rng::new(16);
    for_each_isa("skinny", |isa| {
        for (m, n, k) in [
            (1, 1536, 384),
            (8, 384, 1536),
            (5, 700, 129),
            (1000, 3, 77),
            (3, 9, 15),
            (7, 130, 1),
        ] {
            for layouts in [
                (Layout::RowMajor, Layout::RowMajor, Layout::RowMajor),
                (Layout::ColMajor, Layout::ColMajor, Layout::ColMajor),
                (Layout::RowMajor, Layout::ColMajor, Layout::Padded),
                (Layout::RowMajor, Layout::ColMajor, Layout::RowMajor),
                (Layout::RowMajor, Layout::ColMajor, Layout::Reversed),
            ] {
                run_case::<f32>(&mut rng, isa, (m, n, k), layouts, 1.0, 0.0, true);
                run_case::<f64>(&mut rng, isa, (m, n, k), layouts, -0.5, 2.0, false);
            }
        }
    });
}

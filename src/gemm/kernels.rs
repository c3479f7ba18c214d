//! The micro-kernel of each (ISA, element type) pair, its tile shape, and
//! the cache blocking derived from it and the CPU's cache sizes.

use super::pack::{pack_panel, PackPanel};
use crate::blas1::Real;
use crate::runtime::cache::CacheSizes;
use crate::runtime::Isa;

/// `C[0..MR, 0..NR] = alpha * Apanel * Bpanel + beta * C` for one tile;
/// `beta == 0` does not read C. See `x86_64::microkernel`.
pub type MicroKernel<T> = unsafe fn(usize, T, *const T, *const T, T, *mut T, isize, isize);

/// A micro-kernel and its register tile.
pub struct GemmKernel<T: 'static> {
    /// Tile rows (the packed A panel height).
    pub mr: usize,
    /// Tile columns (the packed B panel width).
    pub nr: usize,
    /// The kernel.
    pub run: MicroKernel<T>,
    /// The packer of its A and B panels.
    pub pack: PackPanel<T>,
}

/// Cache blocking of the five GEMM loops (BLIS names).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Blocking {
    /// Rows of the packed A block (kept in L2).
    pub mc: usize,
    /// Depth of the packed blocks (a B micro-panel of kc x nr stays in L1).
    pub kc: usize,
    /// Columns of the packed B panel.
    pub nc: usize,
}

impl Blocking {
    /// Block sizes for a kernel with tile `mr x nr` on elements of `size`
    /// bytes: a kc x nr B micro-panel fills half of L1 (the A micro-panel
    /// and C tile stream through the rest), an mc x kc A block half of L2.
    pub fn derive(caches: CacheSizes, mr: usize, nr: usize, size: usize) -> Blocking {
        let kc = (caches.l1d / 2 / (nr * size)) / 16 * 16;
        let kc = kc.clamp(128, 1024);
        let mc = (caches.l2 / 2 / (kc * size)) / mr * mr;
        let mc = mc.clamp(mr, 4096 / mr * mr);
        let nc = 4096 / nr * nr;
        Blocking { mc, kc, nc }
    }
}

/// The portable 4 x 4 micro-kernel (the scalar path).
#[allow(clippy::too_many_arguments)]
unsafe fn scalar_4x4<T: Real>(
    k: usize,
    alpha: T,
    a: *const T,
    b: *const T,
    beta: T,
    c: *mut T,
    rsc: isize,
    csc: isize,
) {
    let mut acc = [[T::ZERO; 4]; 4];
    for p in 0..k {
        for (j, col) in acc.iter_mut().enumerate() {
            let bj = *b.add(p * 4 + j);
            for (i, v) in col.iter_mut().enumerate() {
                *v = *v + *a.add(p * 4 + i) * bj;
            }
        }
    }
    for (j, col) in acc.iter().enumerate() {
        for (i, &v) in col.iter().enumerate() {
            let p = c.offset(i as isize * rsc + j as isize * csc);
            *p = if beta == T::ZERO {
                alpha * v
            } else {
                alpha * v + beta * *p
            };
        }
    }
}

/// One tile of the unpacked small-matrix path: `(k, alpha, (a, csa),
/// (b, rsb, csb), beta, (c, csc), rows, cols)`; see `x86_64::direct`.
pub type DirectKernel<T> = unsafe fn(
    usize,
    T,
    (*const T, isize),
    (*const T, isize, isize),
    T,
    (*mut T, isize),
    usize,
    usize,
);

/// One tile of the dot-product path: `(k, alpha, (a, rsa), (b, csb), beta,
/// (c, rsc, csc), rows, cols)`; see `x86_64::dot`.
pub type DotKernel<T> = unsafe fn(
    usize,
    T,
    (*const T, isize),
    (*const T, isize),
    T,
    (*mut T, isize, isize),
    usize,
    usize,
);

/// The unpacked kernels of one ISA: tiles one vector tall (widths
/// `WIDTHS_ONE`) and two vectors tall (widths `WIDTHS_TWO`; 16 columns of
/// two vectors would need 32 accumulators, more than the registers).
pub struct Direct<T: 'static> {
    /// Elements per vector.
    pub lanes: usize,
    /// Tiles of up to `lanes` rows, by width.
    pub one: [DirectKernel<T>; 6],
    /// Tiles of up to `2 * lanes` rows, by width.
    pub two: [DirectKernel<T>; 5],
    /// Dot-product tiles `(rows, cols, kernel)` for 1, 2 and 4 columns.
    pub dot: [(usize, usize, DotKernel<T>); 3],
}

/// Widths of the one-vector unpacked tiles, ascending.
pub const WIDTHS_ONE: [usize; 6] = [1, 2, 4, 8, 12, 16];
/// Widths of the two-vector unpacked tiles, ascending.
pub const WIDTHS_TWO: [usize; 5] = [1, 2, 4, 8, 12];

impl<T> Direct<T> {
    /// Rows of a tile for a C of `m` rows: one vector when that holds m.
    pub fn rows(&self, m: usize) -> usize {
        if m <= self.lanes {
            self.lanes
        } else {
            2 * self.lanes
        }
    }

    /// The widest tile for at most `rows` rows and `cols` remaining
    /// columns: `(its width, its kernel)`, the width at most `cols`.
    pub fn pick(&self, rows: usize, cols: usize) -> (usize, DirectKernel<T>) {
        debug_assert!(cols >= 1);
        let widest_fit = |widths: &[usize], cols: usize| {
            widths
                .iter()
                .rposition(|&w| w <= cols)
                .expect("width 1 fits any strip")
        };
        if rows <= self.lanes {
            let i = widest_fit(&WIDTHS_ONE, cols);
            (WIDTHS_ONE[i], self.one[i])
        } else {
            // 16 columns as 8 + 8, not 12 + 4: a two-vector tile 4 wide has
            // 8 accumulators, too few to cover the FMA latency.
            let i = widest_fit(&WIDTHS_TWO, if cols == 16 { 8 } else { cols });
            (WIDTHS_TWO[i], self.two[i])
        }
    }

    /// The dot-product tile `(rows, cols, kernel)` for `cols` remaining
    /// columns (the widest when more remain).
    pub fn dot_tile(&self, cols: usize) -> (usize, usize, DotKernel<T>) {
        *self
            .dot
            .iter()
            .find(|&&(_, c, _)| c >= cols)
            .unwrap_or(&self.dot[self.dot.len() - 1])
    }
}

/// Element types with GEMM kernels.
pub trait GemmReal: Real {
    /// The unpacked small-matrix kernels of `isa`, if it has them.
    fn direct(isa: Isa) -> Option<&'static Direct<Self>>;
    /// The kernel for `isa` (which the CPU must have) and a C of `m` rows:
    /// half-height tiles when m fits one, so short products do not compute
    /// rows of padding.
    fn kernel(isa: Isa, m: usize) -> &'static GemmKernel<Self>;
}

static SCALAR_F32: GemmKernel<f32> = GemmKernel {
    mr: 4,
    nr: 4,
    run: scalar_4x4::<f32>,
    pack: pack_panel::<f32>,
};
static SCALAR_F64: GemmKernel<f64> = GemmKernel {
    mr: 4,
    nr: 4,
    run: scalar_4x4::<f64>,
    pack: pack_panel::<f64>,
};

#[cfg(target_arch = "x86_64")]
mod tables {
    use super::super::x86_64::{avx2, avx512, direct, dot, pack};
    use super::GemmKernel;
    pub static AVX2_F32: GemmKernel<f32> = GemmKernel {
        mr: avx2::SGEMM_MR,
        nr: avx2::SGEMM_NR,
        run: avx2::sgemm_16x6,
        pack: pack::pack_panel_f32,
    };
    pub static AVX2_F64: GemmKernel<f64> = GemmKernel {
        mr: avx2::DGEMM_MR,
        nr: avx2::DGEMM_NR,
        run: avx2::dgemm_8x6,
        pack: pack::pack_panel_f64,
    };
    pub static AVX512_F32: GemmKernel<f32> = GemmKernel {
        mr: avx512::SGEMM_MR,
        nr: avx512::SGEMM_NR,
        run: avx512::sgemm_32x12,
        pack: pack::pack_panel_f32,
    };
    pub static AVX512_F64: GemmKernel<f64> = GemmKernel {
        mr: avx512::DGEMM_MR,
        nr: avx512::DGEMM_NR,
        run: avx512::dgemm_16x12,
        pack: pack::pack_panel_f64,
    };
    macro_rules! widths {
        ($f:ident, $mv:literal, $($w:literal),*) => {
            [$(direct::$f::<$mv, $w>),*]
        };
    }
    // Dot tiles: 8 rows for one column and 4 for more, so that every tile
    // has at least 8 independent accumulators (FMA latency x throughput).
    macro_rules! dots {
        ($f:ident) => {
            [
                (8, 1, dot::$f::<8, 1>),
                (4, 2, dot::$f::<4, 2>),
                (4, 4, dot::$f::<4, 4>),
            ]
        };
    }
    pub static DIRECT_F32: super::Direct<f32> = super::Direct {
        lanes: 16,
        one: widths!(sgemm_direct, 1, 1, 2, 4, 8, 12, 16),
        two: widths!(sgemm_direct, 2, 1, 2, 4, 8, 12),
        dot: dots!(sgemm_dot),
    };
    pub static DIRECT_F64: super::Direct<f64> = super::Direct {
        lanes: 8,
        one: widths!(dgemm_direct, 1, 1, 2, 4, 8, 12, 16),
        two: widths!(dgemm_direct, 2, 1, 2, 4, 8, 12),
        dot: dots!(dgemm_dot),
    };
    pub static AVX2_F32_NARROW: GemmKernel<f32> = GemmKernel {
        mr: avx2::SGEMM_MR / 2,
        nr: avx2::SGEMM_NR,
        run: avx2::sgemm_8x6,
        pack: pack::pack_panel_f32,
    };
    pub static AVX2_F64_NARROW: GemmKernel<f64> = GemmKernel {
        mr: avx2::DGEMM_MR / 2,
        nr: avx2::DGEMM_NR,
        run: avx2::dgemm_4x6,
        pack: pack::pack_panel_f64,
    };
    pub static AVX512_F32_NARROW: GemmKernel<f32> = GemmKernel {
        mr: avx512::SGEMM_MR / 2,
        nr: avx512::SGEMM_NR,
        run: avx512::sgemm_16x12,
        pack: pack::pack_panel_f32,
    };
    pub static AVX512_F64_NARROW: GemmKernel<f64> = GemmKernel {
        mr: avx512::DGEMM_MR / 2,
        nr: avx512::DGEMM_NR,
        run: avx512::dgemm_8x12,
        pack: pack::pack_panel_f64,
    };
}

macro_rules! impl_gemm_real {
    ($t:ty, $scalar:ident, $avx2:ident, $avx512:ident, $avx2n:ident, $avx512n:ident, $direct:ident) => {
        impl GemmReal for $t {
            #[inline]
            fn direct(isa: Isa) -> Option<&'static Direct<$t>> {
                #[cfg(target_arch = "x86_64")]
                if isa >= Isa::Avx512 {
                    return Some(&tables::$direct);
                }
                let _ = isa;
                None
            }
            #[inline]
            fn kernel(isa: Isa, m: usize) -> &'static GemmKernel<$t> {
                #[cfg(target_arch = "x86_64")]
                {
                    let (wide, narrow) = match isa {
                        Isa::Scalar => (&$scalar, &$scalar),
                        Isa::Avx2 => (&tables::$avx2, &tables::$avx2n),
                        Isa::Avx512 | Isa::Avx512Vnni => (&tables::$avx512, &tables::$avx512n),
                    };
                    return if m <= narrow.mr { narrow } else { wide };
                }
                #[allow(unreachable_code)]
                {
                    let _ = (isa, m);
                    &$scalar
                }
            }
        }
    };
}

impl_gemm_real!(
    f32,
    SCALAR_F32,
    AVX2_F32,
    AVX512_F32,
    AVX2_F32_NARROW,
    AVX512_F32_NARROW,
    DIRECT_F32
);
impl_gemm_real!(
    f64,
    SCALAR_F64,
    AVX2_F64,
    AVX512_F64,
    AVX2_F64_NARROW,
    AVX512_F64_NARROW,
    DIRECT_F64
);

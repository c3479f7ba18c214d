//! The micro-kernel of each (ISA, element type) pair, its tile shape, and
//! the cache blocking derived from it and the CPU's cache sizes.

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

/// Element types with GEMM kernels.
pub trait GemmReal: Real {
    /// The kernel for `isa`, which the CPU must have.
    fn kernel(isa: Isa) -> &'static GemmKernel<Self>;
}

static SCALAR_F32: GemmKernel<f32> = GemmKernel {
    mr: 4,
    nr: 4,
    run: scalar_4x4::<f32>,
};
static SCALAR_F64: GemmKernel<f64> = GemmKernel {
    mr: 4,
    nr: 4,
    run: scalar_4x4::<f64>,
};

#[cfg(target_arch = "x86_64")]
mod tables {
    use super::super::x86_64::{avx2, avx512};
    use super::GemmKernel;
    pub static AVX2_F32: GemmKernel<f32> = GemmKernel {
        mr: avx2::SGEMM_MR,
        nr: avx2::SGEMM_NR,
        run: avx2::sgemm_16x6,
    };
    pub static AVX2_F64: GemmKernel<f64> = GemmKernel {
        mr: avx2::DGEMM_MR,
        nr: avx2::DGEMM_NR,
        run: avx2::dgemm_8x6,
    };
    pub static AVX512_F32: GemmKernel<f32> = GemmKernel {
        mr: avx512::SGEMM_MR,
        nr: avx512::SGEMM_NR,
        run: avx512::sgemm_32x12,
    };
    pub static AVX512_F64: GemmKernel<f64> = GemmKernel {
        mr: avx512::DGEMM_MR,
        nr: avx512::DGEMM_NR,
        run: avx512::dgemm_16x12,
    };
}

macro_rules! impl_gemm_real {
    ($t:ty, $scalar:ident, $avx2:ident, $avx512:ident) => {
        impl GemmReal for $t {
            #[inline]
            fn kernel(isa: Isa) -> &'static GemmKernel<$t> {
                #[cfg(target_arch = "x86_64")]
                match isa {
                    Isa::Scalar => {}
                    Isa::Avx2 => return &tables::$avx2,
                    Isa::Avx512 | Isa::Avx512Vnni => return &tables::$avx512,
                }
                let _ = isa;
                &$scalar
            }
        }
    };
}

impl_gemm_real!(f32, SCALAR_F32, AVX2_F32, AVX512_F32);
impl_gemm_real!(f64, SCALAR_F64, AVX2_F64, AVX512_F64);

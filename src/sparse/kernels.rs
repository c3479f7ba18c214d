//! The per-ISA kernel tables of the sparse family and the element trait
//! that selects them.

use super::reference;
use crate::blas1::real::Real;
use crate::runtime::Isa;

/// SpMV over a block of rows: `(indptr, indices, values, x, alpha, beta,
/// y)` as `reference::spmv_rows`.
pub type SpmvFn<T> = unsafe fn(&[usize], &[u32], &[T], &[T], T, T, &mut [T]);

/// SpMM over a block of rows with B's rows contiguous: `(indptr, indices,
/// values, (b, rsb), n, alpha, beta, (c, rsc, csc))` as
/// `reference::spmm_rows` with `csb == 1`.
pub type SpmmFn<T> =
    unsafe fn(&[usize], &[u32], &[T], (*const T, isize), usize, T, T, (*mut T, isize, isize));

/// The sparse kernels of one element type on one ISA.
pub struct SparseKernels<T: 'static> {
    /// SpMV for blocks of long rows (vector gathers).
    pub spmv: SpmvFn<T>,
    /// SpMM, vectorized across the dense columns.
    pub spmm: SpmmFn<T>,
    /// Mean entries per row from which a row block takes `spmv` rather
    /// than the scalar loop (measured: below it the horizontal sum at each
    /// row's end costs more than the gathers save).
    pub long_row: usize,
}

/// `f32` or `f64`: the value types of sparse matrices.
pub trait SparseReal: Real {
    /// The kernel table for a rung the CPU is known to have.
    #[doc(hidden)]
    fn sparse_kernels(isa: Isa) -> &'static SparseKernels<Self>;
}

#[allow(clippy::too_many_arguments)]
unsafe fn spmm_scalar<T: Real>(
    indptr: &[usize],
    indices: &[u32],
    values: &[T],
    (b, rsb): (*const T, isize),
    n: usize,
    alpha: T,
    beta: T,
    c: (*mut T, isize, isize),
) {
    reference::spmm_rows(indptr, indices, values, (b, rsb, 1), n, alpha, beta, c)
}

macro_rules! impl_sparse_real {
    ($t:ty, $scalar:ident, $table:ident) => {
        static $scalar: SparseKernels<$t> = SparseKernels {
            spmv: reference::spmv_rows::<$t>,
            spmm: spmm_scalar::<$t>,
            long_row: usize::MAX,
        };
        impl SparseReal for $t {
            fn sparse_kernels(isa: Isa) -> &'static SparseKernels<$t> {
                #[cfg(target_arch = "x86_64")]
                {
                    use super::x86_64::{avx2, avx512};
                    match isa {
                        Isa::Scalar => &$scalar,
                        Isa::Avx2 => &avx2::$table,
                        Isa::Avx512 | Isa::Avx512Vnni => &avx512::$table,
                    }
                }
                #[cfg(not(target_arch = "x86_64"))]
                {
                    let _ = isa;
                    &$scalar
                }
            }
        }
    };
}

impl_sparse_real!(f32, SCALAR_F32, F32);
impl_sparse_real!(f64, SCALAR_F64, F64);

//! C ABI of the sparse family: the opaque `sk_csr` handle (f32 or f64
//! values, canonical CSR), its products, conversions, and the automatic
//! sparse-or-dense product. Dense arguments are strided (BLIS style).

use super::gemm::{checked_mut, checked_ref, gemm_views};
use super::linalg::{all_disjoint, out_vector};
use super::{boundary, disjoint, out, run_value, sk_status, slice};
use crate::error::{Error, ErrorKind, Result};
use crate::gemm::GemmReal;
use crate::sparse::{self, Csr, MatmulPath, SparseReal};

/// `sk_matmul_auto_*` took dense GEMM.
pub const SK_MATMUL_DENSE: u32 = 0;
/// `sk_matmul_auto_*` converted A to CSR and took SpMM.
pub const SK_MATMUL_SPARSE: u32 = 1;
// Literals above, so that cbindgen can evaluate them for the header; these
// keep them equal to the Rust enum.
const _: () = assert!(SK_MATMUL_DENSE == MatmulPath::Dense as u32);
const _: () = assert!(SK_MATMUL_SPARSE == MatmulPath::Sparse as u32);

/// A sparse matrix in canonical CSR form (columns strictly increasing
/// within each row, duplicates summed) with f32 or f64 values, created by
/// `sk_csr_new_*`, `sk_csr_from_dense_*`, `sk_csr_transpose` or
/// `sk_csr_spgemm` and released with `sk_csr_free`. Immutable: one handle
/// may be used from several threads at once.
pub struct sk_csr {
    inner: AnyCsr,
}

enum AnyCsr {
    F32(Csr<f32>),
    F64(Csr<f64>),
}

impl AnyCsr {
    /// The value type's name, as the entry points' suffixes spell it.
    fn value_name(&self) -> &'static str {
        match self {
            AnyCsr::F32(_) => f32::NAME,
            AnyCsr::F64(_) => f64::NAME,
        }
    }
}

/// The value type of a handle, for the sparse entry points.
trait CsrValue: SparseReal + GemmReal {
    const NAME: &'static str;
    fn wrap(a: Csr<Self>) -> AnyCsr;
    fn unwrap(a: &AnyCsr) -> Option<&Csr<Self>>;
}

impl CsrValue for f32 {
    const NAME: &'static str = "f32";
    fn wrap(a: Csr<f32>) -> AnyCsr {
        AnyCsr::F32(a)
    }
    fn unwrap(a: &AnyCsr) -> Option<&Csr<f32>> {
        match a {
            AnyCsr::F32(a) => Some(a),
            AnyCsr::F64(_) => None,
        }
    }
}

impl CsrValue for f64 {
    const NAME: &'static str = "f64";
    fn wrap(a: Csr<f64>) -> AnyCsr {
        AnyCsr::F64(a)
    }
    fn unwrap(a: &AnyCsr) -> Option<&Csr<f64>> {
        match a {
            AnyCsr::F64(a) => Some(a),
            AnyCsr::F32(_) => None,
        }
    }
}

/// The handle behind a C pointer.
fn handle<'a>(name: &str, a: *const sk_csr) -> Result<&'a AnyCsr> {
    // SAFETY: a non-NULL handle comes from this library (documented).
    match unsafe { a.as_ref() } {
        Some(h) => Ok(&h.inner),
        None => Err(Error::new(
            ErrorKind::NullPointer,
            format!("{name} is NULL"),
        )),
    }
}

/// The handle's matrix, which must hold `T` values.
fn typed<'a, T: CsrValue>(name: &str, a: *const sk_csr) -> Result<&'a Csr<T>> {
    let any = handle(name, a)?;
    T::unwrap(any).ok_or_else(|| {
        Error::invalid(format!(
            "{name} holds {} values, this function takes {}",
            any.value_name(),
            T::NAME
        ))
    })
}

/// Stores a new handle in `*out` (checked before any work).
fn give(out: &mut *mut sk_csr, inner: AnyCsr) {
    *out = Box::into_raw(Box::new(sk_csr { inner }));
}

fn new_c<T: CsrValue>(
    (rows, cols, nnz): (usize, usize, usize),
    indptr: *const i64,
    indices: *const i32,
    values: *const T,
    handle_out: *mut *mut sk_csr,
) -> Result<()> {
    let handle_out = out("out", handle_out)?;
    let ptrs = rows
        .checked_add(1)
        .ok_or_else(|| Error::invalid(format!("rows = {rows} overflows")))?;
    // SAFETY: the caller promises the arrays hold the stated lengths.
    let (indptr, indices, values) = unsafe {
        (
            slice("indptr", indptr, ptrs)?,
            slice("indices", indices, nnz)?,
            slice("values", values, nnz)?,
        )
    };
    let a = Csr::new(rows, cols, indptr, indices, values)?;
    give(handle_out, T::wrap(a));
    Ok(())
}

/// Creates a CSR matrix from caller arrays, which are copied and checked:
/// `indptr` has `rows + 1` entries, starts at 0, never decreases and ends
/// at `nnz`; every column index is in `[0, cols)`. Rows whose columns are
/// not strictly increasing are sorted, their duplicates summed in input
/// order; explicit zeros are kept.
///
/// @param rows, cols  shape (either may be 0)
/// @param nnz         entries in `indices` and `values` (NULL is fine when 0)
/// @param indptr      row pointers, `rows + 1` entries
/// @param indices     column indices, `nnz` entries
/// @param values      values, `nnz` entries
/// @param out         receives the handle (free it with `sk_csr_free`)
/// @return `SK_OK`, `SK_ERR_NULL_POINTER`, `SK_ERR_INVALID_ARGUMENT` (the
///         message names the first bad position: `indptr[0]`, a decreasing
///         `indptr[i]`, `indptr[rows] != nnz`, an index out of range),
///         `SK_ERR_OUT_OF_MEMORY`. Thread-safe.
#[no_mangle]
pub extern "C" fn sk_csr_new_f64(
    rows: usize,
    cols: usize,
    nnz: usize,
    indptr: *const i64,
    indices: *const i32,
    values: *const f64,
    out: *mut *mut sk_csr,
) -> sk_status {
    boundary!("sk_csr_new_f64", {
        new_c((rows, cols, nnz), indptr, indices, values, out)
    })
}

/// Single-precision `sk_csr_new_f64`.
///
/// @return as `sk_csr_new_f64`.
#[no_mangle]
pub extern "C" fn sk_csr_new_f32(
    rows: usize,
    cols: usize,
    nnz: usize,
    indptr: *const i64,
    indices: *const i32,
    values: *const f32,
    out: *mut *mut sk_csr,
) -> sk_status {
    boundary!("sk_csr_new_f32", {
        new_c((rows, cols, nnz), indptr, indices, values, out)
    })
}

/// Releases a handle; NULL does nothing. The handle must not be in use by
/// another thread.
#[no_mangle]
pub extern "C" fn sk_csr_free(a: *mut sk_csr) {
    run_value("sk_csr_free", (), || {
        if !a.is_null() {
            // SAFETY: a non-NULL handle comes from Box::into_raw here and
            // is freed once (documented contract).
            drop(unsafe { Box::from_raw(a) });
        }
    })
}

/// The shape and the number of stored entries of a handle.
///
/// @param rows, cols, nnz  receive the values; each may be NULL (skipped)
/// @return `SK_OK` or `SK_ERR_NULL_POINTER` (a is NULL). Thread-safe.
#[no_mangle]
pub extern "C" fn sk_csr_shape(
    a: *const sk_csr,
    rows: *mut usize,
    cols: *mut usize,
    nnz: *mut usize,
) -> sk_status {
    boundary!("sk_csr_shape", {
        let (r, c, n) = match handle("a", a)? {
            AnyCsr::F32(a) => (a.rows(), a.cols(), a.nnz()),
            AnyCsr::F64(a) => (a.rows(), a.cols(), a.nnz()),
        };
        for (ptr, v) in [(rows, r), (cols, c), (nnz, n)] {
            if !ptr.is_null() {
                *out("shape output", ptr)? = v;
            }
        }
        Ok(())
    })
}

/// `sk_csr_value_type`: the handle holds f32 values.
pub const SK_CSR_F32: u32 = 1;
/// `sk_csr_value_type`: the handle holds f64 values.
pub const SK_CSR_F64: u32 = 2;

/// The type of a handle's values (`SK_CSR_F32` or `SK_CSR_F64`), for code
/// that holds handles of both kinds and picks the `_f32` or `_f64` entry
/// points by it.
///
/// @param a     the handle
/// @param type  receives the type
/// @return `SK_OK` or `SK_ERR_NULL_POINTER` (a or type is NULL; `*type` is
///         then unchanged). Thread-safe.
#[no_mangle]
pub extern "C" fn sk_csr_value_type(a: *const sk_csr, r#type: *mut u32) -> sk_status {
    boundary!("sk_csr_value_type", {
        let a = handle("a", a)?;
        *out("type", r#type)? = match a {
            AnyCsr::F32(_) => SK_CSR_F32,
            AnyCsr::F64(_) => SK_CSR_F64,
        };
        Ok(())
    })
}

fn export_c<T: CsrValue>(
    a: *const sk_csr,
    indptr: *mut i64,
    indices: *mut i32,
    values: *mut T,
) -> Result<()> {
    let a = typed::<T>("a", a)?;
    let (p, pr) = out_vector("indptr", indptr, a.rows() + 1)?;
    let (i, ir) = out_vector("indices", indices, a.nnz())?;
    let (v, vr) = out_vector("values", values, a.nnz())?;
    all_disjoint(&[("indptr", &pr), ("indices", &ir), ("values", &vr)])?;
    a.export(p, i, v)
}

/// Copies a handle's canonical arrays out: `indptr` (`rows + 1` entries),
/// `indices` and `values` (`nnz` each; sizes from `sk_csr_shape`).
///
/// @return `SK_OK`, `SK_ERR_NULL_POINTER`, `SK_ERR_INVALID_ARGUMENT` (the
///         handle holds f32 values, or the arrays overlap). Thread-safe.
#[no_mangle]
pub extern "C" fn sk_csr_export_f64(
    a: *const sk_csr,
    indptr: *mut i64,
    indices: *mut i32,
    values: *mut f64,
) -> sk_status {
    boundary!("sk_csr_export_f64", {
        export_c(a, indptr, indices, values)
    })
}

/// Single-precision `sk_csr_export_f64`.
///
/// @return as `sk_csr_export_f64`.
#[no_mangle]
pub extern "C" fn sk_csr_export_f32(
    a: *const sk_csr,
    indptr: *mut i64,
    indices: *mut i32,
    values: *mut f32,
) -> sk_status {
    boundary!("sk_csr_export_f32", {
        export_c(a, indptr, indices, values)
    })
}

fn spmv_c<T: CsrValue>(a: *const sk_csr, alpha: T, x: *const T, beta: T, y: *mut T) -> Result<()> {
    let a = typed::<T>("a", a)?;
    // SAFETY: the caller promises x holds cols(A) elements.
    let x_slice = unsafe { slice("x", x, a.cols())? };
    let (y, yr) = out_vector("y", y, a.rows())?;
    let xr = x as usize..x as usize + std::mem::size_of_val(x_slice);
    disjoint(("y", &yr), ("x", &xr))?;
    sparse::spmv(a, alpha, x_slice, beta, y)
}

/// Sparse matrix times vector: `y = alpha * A x + beta * y` (x has
/// `cols(A)` elements, y `rows(A)`). `beta == 0` does not read y (NaN
/// there does not leak); `alpha == 0` does not read x. Rows are spread
/// over the pool in nnz-balanced chunks; the result does not depend on the
/// thread count.
///
/// @return `SK_OK`, `SK_ERR_NULL_POINTER`, `SK_ERR_INVALID_ARGUMENT` (the
///         handle holds f32 values, y overlaps x). Thread-safe for
///         distinct y.
#[no_mangle]
pub extern "C" fn sk_csr_spmv_f64(
    a: *const sk_csr,
    alpha: f64,
    x: *const f64,
    beta: f64,
    y: *mut f64,
) -> sk_status {
    boundary!("sk_csr_spmv_f64", { spmv_c(a, alpha, x, beta, y) })
}

/// Single-precision `sk_csr_spmv_f64`.
///
/// @return as `sk_csr_spmv_f64`.
#[no_mangle]
pub extern "C" fn sk_csr_spmv_f32(
    a: *const sk_csr,
    alpha: f32,
    x: *const f32,
    beta: f32,
    y: *mut f32,
) -> sk_status {
    boundary!("sk_csr_spmv_f32", { spmv_c(a, alpha, x, beta, y) })
}

#[allow(clippy::too_many_arguments)]
fn spmm_c<T: CsrValue>(
    a: *const sk_csr,
    n: usize,
    alpha: T,
    b: (*const T, isize, isize),
    beta: T,
    c: (*mut T, isize, isize),
) -> Result<()> {
    let a = typed::<T>("a", a)?;
    let (b, br) = checked_ref("b", (b.0, a.cols(), n, b.1, b.2))?;
    let (c, cr) = checked_mut("c", (c.0, a.rows(), n, c.1, c.2))?;
    disjoint(("c", &cr), ("b", &br))?;
    sparse::spmm(a, alpha, b, beta, c)
}

/// Sparse matrix times dense matrix: `C = alpha * A B + beta * C` with B
/// `cols(A) x n` and C `rows(A) x n`, strides in elements (any non-zero
/// values). Vectorized across the n columns when B's rows are contiguous
/// (`csb == 1`); other B layouts take a scalar loop. `beta == 0` does not
/// read C. The result does not depend on the thread count.
///
/// @return `SK_OK`, `SK_ERR_NULL_POINTER`, `SK_ERR_INVALID_ARGUMENT` (the
///         handle holds f32 values, zero stride, C overlapping B, C strides
///         that make two elements share an address). Thread-safe for
///         distinct C.
#[no_mangle]
pub extern "C" fn sk_csr_spmm_f64(
    a: *const sk_csr,
    n: usize,
    alpha: f64,
    b: *const f64,
    rsb: isize,
    csb: isize,
    beta: f64,
    c: *mut f64,
    rsc: isize,
    csc: isize,
) -> sk_status {
    boundary!("sk_csr_spmm_f64", {
        spmm_c(a, n, alpha, (b, rsb, csb), beta, (c, rsc, csc))
    })
}

/// Single-precision `sk_csr_spmm_f64`.
///
/// @return as `sk_csr_spmm_f64`.
#[no_mangle]
pub extern "C" fn sk_csr_spmm_f32(
    a: *const sk_csr,
    n: usize,
    alpha: f32,
    b: *const f32,
    rsb: isize,
    csb: isize,
    beta: f32,
    c: *mut f32,
    rsc: isize,
    csc: isize,
) -> sk_status {
    boundary!("sk_csr_spmm_f32", {
        spmm_c(a, n, alpha, (b, rsb, csb), beta, (c, rsc, csc))
    })
}

/// Sparse times sparse: `*out = A B` (Gustavson: a symbolic then a
/// numeric phase, dense or hash accumulator per row, rows over the pool),
/// canonical, with the value type of A and B.
///
/// @return `SK_OK`, `SK_ERR_NULL_POINTER`, `SK_ERR_INVALID_ARGUMENT` (A and
///         B hold different value types), `SK_ERR_DIMENSION_MISMATCH`
///         (`cols(A) != rows(B)`), `SK_ERR_OUT_OF_MEMORY`. Thread-safe.
#[no_mangle]
pub extern "C" fn sk_csr_spgemm(
    a: *const sk_csr,
    b: *const sk_csr,
    out: *mut *mut sk_csr,
) -> sk_status {
    boundary!("sk_csr_spgemm", {
        let handle_out = super::out("out", out)?;
        let product = match (handle("a", a)?, handle("b", b)?) {
            (AnyCsr::F32(a), AnyCsr::F32(b)) => AnyCsr::F32(sparse::spgemm(a, b)?),
            (AnyCsr::F64(a), AnyCsr::F64(b)) => AnyCsr::F64(sparse::spgemm(a, b)?),
            _ => return Err(Error::invalid("a and b hold different value types")),
        };
        give(handle_out, product);
        Ok(())
    })
}

/// The transpose of A as a new canonical handle.
///
/// @return `SK_OK`, `SK_ERR_NULL_POINTER`, `SK_ERR_INVALID_ARGUMENT` (A has
///         more than 2^31 rows), `SK_ERR_OUT_OF_MEMORY`. Thread-safe.
#[no_mangle]
pub extern "C" fn sk_csr_transpose(a: *const sk_csr, out: *mut *mut sk_csr) -> sk_status {
    boundary!("sk_csr_transpose", {
        let handle_out = super::out("out", out)?;
        let t = match handle("a", a)? {
            AnyCsr::F32(a) => AnyCsr::F32(sparse::transpose(a)?),
            AnyCsr::F64(a) => AnyCsr::F64(sparse::transpose(a)?),
        };
        give(handle_out, t);
        Ok(())
    })
}

fn from_dense_c<T: CsrValue>(
    (rows, cols): (usize, usize),
    a: (*const T, isize, isize),
    threshold: T,
    out: *mut *mut sk_csr,
) -> Result<()> {
    let handle_out = super::out("out", out)?;
    let (a, _) = checked_ref("a", (a.0, rows, cols, a.1, a.2))?;
    give(handle_out, T::wrap(sparse::from_dense(a, threshold)?));
    Ok(())
}

/// A CSR handle from a dense `rows x cols` matrix (strides in elements),
/// keeping the entries with `|x| > threshold` and every NaN.
///
/// @return `SK_OK`, `SK_ERR_NULL_POINTER`, `SK_ERR_INVALID_ARGUMENT`
///         (negative or NaN threshold, zero stride, more than 2^31
///         columns), `SK_ERR_OUT_OF_MEMORY`. Thread-safe.
#[no_mangle]
pub extern "C" fn sk_csr_from_dense_f64(
    rows: usize,
    cols: usize,
    a: *const f64,
    rsa: isize,
    csa: isize,
    threshold: f64,
    out: *mut *mut sk_csr,
) -> sk_status {
    boundary!("sk_csr_from_dense_f64", {
        from_dense_c((rows, cols), (a, rsa, csa), threshold, out)
    })
}

/// Single-precision `sk_csr_from_dense_f64`.
///
/// @return as `sk_csr_from_dense_f64`.
#[no_mangle]
pub extern "C" fn sk_csr_from_dense_f32(
    rows: usize,
    cols: usize,
    a: *const f32,
    rsa: isize,
    csa: isize,
    threshold: f32,
    out: *mut *mut sk_csr,
) -> sk_status {
    boundary!("sk_csr_from_dense_f32", {
        from_dense_c((rows, cols), (a, rsa, csa), threshold, out)
    })
}

fn to_dense_c<T: CsrValue>(a: *const sk_csr, c: (*mut T, isize, isize)) -> Result<()> {
    let a = typed::<T>("a", a)?;
    let (c, _) = checked_mut("c", (c.0, a.rows(), a.cols(), c.1, c.2))?;
    sparse::to_dense(a, c)
}

/// Writes A into the dense `rows(A) x cols(A)` matrix C (strides in
/// elements), zeros where A stores nothing.
///
/// @return `SK_OK`, `SK_ERR_NULL_POINTER`, `SK_ERR_INVALID_ARGUMENT` (the
///         handle holds f32 values, zero stride, C strides that make two
///         elements share an address). Thread-safe for distinct C.
#[no_mangle]
pub extern "C" fn sk_csr_to_dense_f64(
    a: *const sk_csr,
    c: *mut f64,
    rsc: isize,
    csc: isize,
) -> sk_status {
    boundary!("sk_csr_to_dense_f64", { to_dense_c(a, (c, rsc, csc)) })
}

/// Single-precision `sk_csr_to_dense_f64`.
///
/// @return as `sk_csr_to_dense_f64`.
#[no_mangle]
pub extern "C" fn sk_csr_to_dense_f32(
    a: *const sk_csr,
    c: *mut f32,
    rsc: isize,
    csc: isize,
) -> sk_status {
    boundary!("sk_csr_to_dense_f32", { to_dense_c(a, (c, rsc, csc)) })
}

fn density_c<T: CsrValue>(
    (rows, cols): (usize, usize),
    a: (*const T, isize, isize),
    nonzeros: *mut usize,
    density: *mut f64,
) -> Result<()> {
    let nonzeros = out("nonzeros", nonzeros)?;
    let density = match density.is_null() {
        true => None,
        false => Some(out("density", density)?),
    };
    let (a, _) = checked_ref("a", (a.0, rows, cols, a.1, a.2))?;
    let count = sparse::density(a);
    *nonzeros = count;
    if let Some(d) = density {
        let total = rows as f64 * cols as f64;
        *d = if total > 0.0 {
            count as f64 / total
        } else {
            0.0
        };
    }
    Ok(())
}

/// Counts the entries of a dense `rows x cols` matrix that are not zero
/// (NaN counts), the quantity `sk_matmul_auto_*` decides on.
///
/// @param nonzeros  receives the count
/// @param density   receives `count / (rows * cols)` (0 for an empty
///                  matrix); may be NULL
/// @return `SK_OK`, `SK_ERR_NULL_POINTER`, `SK_ERR_INVALID_ARGUMENT` (zero
///         stride). Thread-safe.
#[no_mangle]
pub extern "C" fn sk_density_f64(
    rows: usize,
    cols: usize,
    a: *const f64,
    rsa: isize,
    csa: isize,
    nonzeros: *mut usize,
    density: *mut f64,
) -> sk_status {
    boundary!("sk_density_f64", {
        density_c((rows, cols), (a, rsa, csa), nonzeros, density)
    })
}

/// Single-precision `sk_density_f64`.
///
/// @return as `sk_density_f64`.
#[no_mangle]
pub extern "C" fn sk_density_f32(
    rows: usize,
    cols: usize,
    a: *const f32,
    rsa: isize,
    csa: isize,
    nonzeros: *mut usize,
    density: *mut f64,
) -> sk_status {
    boundary!("sk_density_f32", {
        density_c((rows, cols), (a, rsa, csa), nonzeros, density)
    })
}

#[allow(clippy::too_many_arguments)]
fn matmul_auto_c<T: CsrValue>(
    (m, n, k): (usize, usize, usize),
    alpha: T,
    a: (*const T, isize, isize),
    b: (*const T, isize, isize),
    beta: T,
    c: (*mut T, isize, isize),
    path: *mut u32,
) -> Result<()> {
    let path = match path.is_null() {
        true => None,
        false => Some(out("path", path)?),
    };
    let reads_ab = alpha != T::ZERO && k > 0;
    let (a, b, c) = gemm_views((m, n, k), a, b, c, reads_ab)?;
    let taken = sparse::matmul_auto(alpha, a, b, beta, c)?;
    if let Some(p) = path {
        *p = taken as u32;
    }
    Ok(())
}

/// `C = alpha * A B + beta * C` for dense A (`m x k`), B (`k x n`) and C
/// (`m x n`), strides as `sk_dgemm`, choosing per call between dense GEMM
/// and CSR SpMM from the share of non-zeros in A: CSR when A has at least
/// 4096 elements and at most 1.5% (8 <= n < 32), 4% (32 <= n < 128) or
/// 8% (n >= 128) of them are non-zero; n < 8 always takes GEMM (the
/// crossovers were measured, see docs/PERFORMANCE.md). A is scanned once; the scan stops as soon as A is
/// too dense. Semantics as `sk_dgemm` (`beta == 0` does not read C).
///
/// @param path  receives `SK_MATMUL_DENSE` or `SK_MATMUL_SPARSE`; may be NULL
/// @return the statuses of `sk_dgemm`, and `SK_ERR_OUT_OF_MEMORY` when the
///         CSR copy of A cannot be allocated. Thread-safe for distinct C.
#[no_mangle]
pub extern "C" fn sk_matmul_auto_f64(
    m: usize,
    n: usize,
    k: usize,
    alpha: f64,
    a: *const f64,
    rsa: isize,
    csa: isize,
    b: *const f64,
    rsb: isize,
    csb: isize,
    beta: f64,
    c: *mut f64,
    rsc: isize,
    csc: isize,
    path: *mut u32,
) -> sk_status {
    boundary!("sk_matmul_auto_f64", {
        matmul_auto_c(
            (m, n, k),
            alpha,
            (a, rsa, csa),
            (b, rsb, csb),
            beta,
            (c, rsc, csc),
            path,
        )
    })
}

/// Single-precision `sk_matmul_auto_f64`.
///
/// @return as `sk_matmul_auto_f64`.
#[no_mangle]
pub extern "C" fn sk_matmul_auto_f32(
    m: usize,
    n: usize,
    k: usize,
    alpha: f32,
    a: *const f32,
    rsa: isize,
    csa: isize,
    b: *const f32,
    rsb: isize,
    csb: isize,
    beta: f32,
    c: *mut f32,
    rsc: isize,
    csc: isize,
    path: *mut u32,
) -> sk_status {
    boundary!("sk_matmul_auto_f32", {
        matmul_auto_c(
            (m, n, k),
            alpha,
            (a, rsa, csa),
            (b, rsb, csb),
            beta,
            (c, rsc, csc),
            path,
        )
    })
}

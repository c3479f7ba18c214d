//! Arbitrary CSR arrays through the C entry point `sk_csr_new_f64` (and
//! `_f32`): it must return a status, never crash, read out of bounds or
//! hang. When a handle is created, every kernel runs on it and the
//! exported arrays must be canonical.
//!
//! Input layout: rows (1 byte), cols (1 byte), nnz (1 byte), then nnz + 1
//! row pointers as little-endian i16 (small values so that valid inputs
//! are common), nnz column indices as i16, and the values as the bytes
//! that remain (missing ones are zero).
#![no_main]

use libfuzzer_sys::fuzz_target;
use simdkern::ffi::sparse::*;
use simdkern::ffi::SK_OK;

fn take_i16(data: &mut &[u8]) -> i16 {
    let v = match data {
        [a, b, ..] => i16::from_le_bytes([*a, *b]),
        [a] => *a as i16,
        [] => 0,
    };
    *data = data.get(2..).unwrap_or(&[]);
    v
}

fuzz_target!(|data: &[u8]| {
    let Some((&[rows, cols, nnz], mut rest)) = data.split_first_chunk::<3>().map(|(h, r)| (h, r))
    else {
        return;
    };
    let (rows, cols, nnz) = (rows as usize % 64, cols as usize % 64, nnz as usize);
    let indptr: Vec<i64> = (0..=rows).map(|_| take_i16(&mut rest) as i64).collect();
    let indices: Vec<i32> = (0..nnz).map(|_| take_i16(&mut rest) as i32).collect();
    let values: Vec<f64> = (0..nnz)
        .map(|i| rest.get(i).map_or(0.0, |&b| b as f64 - 128.0))
        .collect();
    let mut handle = std::ptr::null_mut();
    let status = sk_csr_new_f64(
        rows,
        cols,
        nnz,
        indptr.as_ptr(),
        indices.as_ptr(),
        values.as_ptr(),
        &mut handle,
    );
    if status != SK_OK {
        assert!(handle.is_null(), "a failed call wrote its output");
        return;
    }
    let (mut r, mut c, mut n) = (0usize, 0usize, 0usize);
    assert_eq!(sk_csr_shape(handle, &mut r, &mut c, &mut n), SK_OK);
    assert_eq!((r, c), (rows, cols));
    assert!(n <= nnz);
    let (mut p, mut i, mut v) = (vec![0i64; r + 1], vec![0i32; n], vec![0f64; n]);
    assert_eq!(
        sk_csr_export_f64(handle, p.as_mut_ptr(), i.as_mut_ptr(), v.as_mut_ptr()),
        SK_OK
    );
    for row in 0..r {
        let cols_in_row = &i[p[row] as usize..p[row + 1] as usize];
        assert!(cols_in_row.windows(2).all(|w| w[0] < w[1]));
        assert!(cols_in_row.iter().all(|&j| j >= 0 && (j as usize) < c));
    }
    let x = vec![1.0f64; c];
    let mut y = vec![0.0f64; r];
    assert_eq!(sk_csr_spmv_f64(handle, 1.0, x.as_ptr(), 0.0, y.as_mut_ptr()), SK_OK);
    let b = vec![1.0f64; c * 3];
    let mut out = vec![0.0f64; r * 3];
    assert_eq!(
        sk_csr_spmm_f64(handle, 3, 1.0, b.as_ptr(), 3, 1, 0.0, out.as_mut_ptr(), 3, 1),
        SK_OK
    );
    let mut t = std::ptr::null_mut();
    assert_eq!(sk_csr_transpose(handle, &mut t), SK_OK);
    let mut prod = std::ptr::null_mut();
    assert_eq!(sk_csr_spgemm(handle, t, &mut prod), SK_OK);
    sk_csr_free(prod);
    sk_csr_free(t);
    sk_csr_free(handle);
});

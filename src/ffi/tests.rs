//! The C constants must agree with the Rust values they mirror (cbindgen
//! can only export literals, so they are written out in `ffi`).

use super::runtime::*;
use super::*;
use crate::runtime::{CpuFeatures, Isa};

#[test]
fn status_constants_match_error_kinds() {
    let pairs = [
        (SK_ERR_NULL_POINTER, ErrorKind::NullPointer),
        (SK_ERR_INVALID_ARGUMENT, ErrorKind::InvalidArgument),
        (SK_ERR_DIMENSION_MISMATCH, ErrorKind::DimensionMismatch),
        (SK_ERR_BUFFER_TOO_SMALL, ErrorKind::BufferTooSmall),
        (SK_ERR_OUT_OF_MEMORY, ErrorKind::OutOfMemory),
        (SK_ERR_CORRUPT_DATA, ErrorKind::CorruptData),
        (SK_ERR_CHECKSUM_MISMATCH, ErrorKind::ChecksumMismatch),
        (SK_ERR_UNSUPPORTED, ErrorKind::Unsupported),
        (SK_ERR_NO_DEVICE, ErrorKind::NoDevice),
        (SK_ERR_DEVICE, ErrorKind::Device),
        (SK_ERR_NOT_CONVERGED, ErrorKind::NotConverged),
        (SK_ERR_INTERNAL, ErrorKind::Internal),
    ];
    for (i, (c, kind)) in pairs.iter().enumerate() {
        assert_eq!(*c, kind.status());
        assert_eq!(*c, i as i32 + 1, "pinned value of {kind:?}");
    }
    assert_eq!(SK_OK, 0);
}

#[test]
fn feature_and_isa_constants_match_runtime() {
    assert_eq!(
        [SK_CPU_AVX2, SK_CPU_FMA, SK_CPU_AVX512F, SK_CPU_AVX512BW],
        [
            CpuFeatures::AVX2,
            CpuFeatures::FMA,
            CpuFeatures::AVX512F,
            CpuFeatures::AVX512BW
        ]
    );
    assert_eq!(
        [
            SK_CPU_AVX512DQ,
            SK_CPU_AVX512VL,
            SK_CPU_AVX512VNNI,
            SK_CPU_AVX512BF16,
            SK_CPU_POPCNT
        ],
        [
            CpuFeatures::AVX512DQ,
            CpuFeatures::AVX512VL,
            CpuFeatures::AVX512VNNI,
            CpuFeatures::AVX512BF16,
            CpuFeatures::POPCNT
        ]
    );
    assert_eq!(
        [
            SK_ISA_SCALAR,
            SK_ISA_AVX2,
            SK_ISA_AVX512,
            SK_ISA_AVX512_VNNI
        ],
        Isa::ALL.map(|i| i as u32)
    );
    assert_eq!(
        super::blas1::SK_DOT_U8S8_SAFE_N,
        crate::blas1::DOT_U8S8_SAFE_N
    );
    assert_eq!(super::int8::SK_GEMM_INT8_MAX_K, crate::gemm::int8::MAX_K);
}

#[test]
fn version_constants_match_cargo() {
    let parse = |s: &str| s.parse::<u32>().unwrap();
    assert_eq!(SK_VERSION_MAJOR, parse(env!("CARGO_PKG_VERSION_MAJOR")));
    assert_eq!(SK_VERSION_MINOR, parse(env!("CARGO_PKG_VERSION_MINOR")));
    assert_eq!(SK_VERSION_PATCH, parse(env!("CARGO_PKG_VERSION_PATCH")));
    assert_eq!(
        SK_VERSION_NUMBER,
        SK_VERSION_MAJOR * 10000 + SK_VERSION_MINOR * 100 + SK_VERSION_PATCH
    );
    assert_eq!(sk_version_number(), SK_VERSION_NUMBER);
}

#[test]
fn boundary_turns_errors_and_panics_into_statuses() {
    let status = run("sk_test", || Err(Error::invalid("bad increment")));
    assert_eq!(status, SK_ERR_INVALID_ARGUMENT);
    assert_eq!(with_last_error(str::to_owned), "sk_test: bad increment");
    let status = run("sk_test", || panic!("boom"));
    assert_eq!(status, SK_ERR_INTERNAL);
    assert!(with_last_error(
        |m| m.contains("boom") && m.starts_with("sk_test")
    ));
    assert_eq!(run_value("sk_test", 7u32, || panic!("boom")), 7);
    assert_eq!(run("sk_test", || Ok(())), SK_OK);
}

#[test]
fn last_error_message_truncates_and_reports_full_length() {
    set_last_error("0123456789".to_string());
    let mut buf = [0x55u8; 4];
    let len = sk_last_error_message(buf.as_mut_ptr().cast(), buf.len());
    assert_eq!(len, 10);
    assert_eq!(&buf, b"012\0");
    assert_eq!(sk_last_error_message(std::ptr::null_mut(), 0), 10);
}

//! The crate's error type and its mapping to the C `sk_status` codes.

use std::borrow::Cow;
use std::fmt;

/// What went wrong, one variant per pinned C status code (DESIGN.md).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A required pointer is NULL.
    NullPointer,
    /// A bad value: zero stride, size overflow, unknown enum value, overlapping output.
    InvalidArgument,
    /// Shapes do not agree.
    DimensionMismatch,
    /// The caller's output capacity is too small.
    BufferTooSmall,
    /// An allocation failed.
    OutOfMemory,
    /// Compressed input is malformed.
    CorruptData,
    /// Compressed input fails its checksum.
    ChecksumMismatch,
    /// A valid request this build or CPU cannot serve.
    Unsupported,
    /// No usable GPU.
    NoDevice,
    /// The GPU driver reported an error.
    Device,
    /// An iterative method did not converge.
    NotConverged,
    /// A bug inside simdkern (for example a caught panic).
    Internal,
}

impl ErrorKind {
    /// The pinned C status value of this kind.
    pub const fn status(self) -> i32 {
        match self {
            ErrorKind::NullPointer => 1,
            ErrorKind::InvalidArgument => 2,
            ErrorKind::DimensionMismatch => 3,
            ErrorKind::BufferTooSmall => 4,
            ErrorKind::OutOfMemory => 5,
            ErrorKind::CorruptData => 6,
            ErrorKind::ChecksumMismatch => 7,
            ErrorKind::Unsupported => 8,
            ErrorKind::NoDevice => 9,
            ErrorKind::Device => 10,
            ErrorKind::NotConverged => 11,
            ErrorKind::Internal => 12,
        }
    }
}

/// An error with its kind and a human-readable detail message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: Cow<'static, str>,
}

/// `Result` with [`Error`] as the error type.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// Creates an error of `kind` with a detail message.
    pub fn new(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// Shorthand for [`ErrorKind::InvalidArgument`].
    pub fn invalid(message: impl Into<Cow<'static, str>>) -> Self {
        Error::new(ErrorKind::InvalidArgument, message)
    }

    /// Shorthand for [`ErrorKind::DimensionMismatch`].
    pub fn dimension(message: impl Into<Cow<'static, str>>) -> Self {
        Error::new(ErrorKind::DimensionMismatch, message)
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The detail message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.message)
    }
}

impl std::error::Error for Error {}

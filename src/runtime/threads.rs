//! The library-owned thread pool. Families run parallel loops inside
//! [`install`]; the pool size never changes a result (each family fixes its
//! reduction order independently of the number of workers).

use crate::error::{Error, ErrorKind, Result};
use std::sync::{Arc, RwLock};

/// Largest thread count [`set_num_threads`] accepts.
/// cbindgen:ignore
pub const MAX_THREADS: usize = 1024;

static POOL: RwLock<Option<Arc<rayon::ThreadPool>>> = RwLock::new(None);

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn build(n: usize) -> Result<Arc<rayon::ThreadPool>> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(|i| format!("simdkern-{i}"))
        .build()
        .map(Arc::new)
        .map_err(|e| Error::new(ErrorKind::OutOfMemory, format!("cannot start threads: {e}")))
}

/// Sets the number of worker threads; 0 means one per core.
pub fn set_num_threads(n: usize) -> Result<()> {
    if n > MAX_THREADS {
        return Err(Error::invalid(format!(
            "thread count {n} exceeds the maximum of {MAX_THREADS}"
        )));
    }
    let n = if n == 0 { cores() } else { n };
    let pool = build(n)?;
    *POOL.write().unwrap_or_else(|e| e.into_inner()) = Some(pool);
    Ok(())
}

/// The pool, created with one thread per core on first use.
pub fn pool() -> Result<Arc<rayon::ThreadPool>> {
    if let Some(pool) = POOL.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
        return Ok(pool.clone());
    }
    let mut slot = POOL.write().unwrap_or_else(|e| e.into_inner());
    if slot.is_none() {
        *slot = Some(build(cores())?);
    }
    Ok(slot.as_ref().expect("just set").clone())
}

/// The number of worker threads parallel kernels use.
pub fn num_threads() -> usize {
    match POOL.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
        Some(pool) => pool.current_num_threads(),
        None => cores(),
    }
}

/// Runs `f` inside the library pool, so rayon parallel iterators in `f`
/// use simdkern's threads rather than the global pool.
pub fn install<R: Send>(f: impl FnOnce() -> R + Send) -> Result<R> {
    Ok(pool()?.install(f))
}

//! The library-owned thread pool: a fork-join pool of parked workers.
//!
//! [`parallel_for`] hands `items` indices to the calling thread and the
//! workers, which take them from a shared counter; the call returns when
//! every index has run. Nothing is allocated per call (the job lives on
//! the caller's stack, the workers are parked on a condition variable), so
//! kernels keep their no-allocation-after-warm-up guarantee with any thread
//! count. The pool size never changes a result: families give each index a
//! fixed piece of work with a fixed reduction order.
//!
//! One parallel region runs at a time; a call made while another region is
//! running (from another user thread, or nested inside an item) runs its
//! items on the calling thread.

use crate::error::{Error, ErrorKind, Result};
use crossbeam::utils::CachePadded;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
use std::thread::JoinHandle;

/// Largest thread count [`set_num_threads`] accepts.
/// cbindgen:ignore
pub const MAX_THREADS: usize = 1024;

/// A job as the workers see it: the item function (borrowed from the
/// caller's stack, which outlives the job) and the shared index counter.
#[derive(Copy, Clone)]
struct Job {
    run: *const (dyn Fn(usize) + Sync),
    items: usize,
    next: *const CachePadded<AtomicUsize>,
}
// SAFETY: the pointees are Sync and outlive every worker's use of them
// (parallel_for waits for all workers before returning).
unsafe impl Send for Job {}

struct State {
    generation: u64,
    job: Option<Job>,
    busy: usize,
    panicked: bool,
    shutdown: bool,
}

struct Shared {
    state: Mutex<State>,
    work: Condvar,
    done: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A pool of `size - 1` parked workers; the caller is the `size`-th.
struct Pool {
    size: usize,
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
    /// Held while a parallel region runs on this pool.
    region: Mutex<()>,
}

impl Pool {
    fn new(size: usize) -> Result<Pool> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                generation: 0,
                job: None,
                busy: 0,
                panicked: false,
                shutdown: false,
            }),
            work: Condvar::new(),
            done: Condvar::new(),
        });
        let mut workers = Vec::with_capacity(size.saturating_sub(1));
        for i in 1..size {
            let shared = shared.clone();
            let handle = std::thread::Builder::new()
                .name(format!("simdkern-{i}"))
                .spawn(move || worker(&shared))
                .map_err(|e| {
                    Error::new(ErrorKind::OutOfMemory, format!("cannot start threads: {e}"))
                })?;
            workers.push(handle);
        }
        Ok(Pool {
            size,
            shared,
            workers,
            region: Mutex::new(()),
        })
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.shared.lock().shutdown = true;
        self.shared.work.notify_all();
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

/// Takes indices from the job's counter until none are left.
///
/// # Safety
/// The job's pointers are live (see [`Job`]).
unsafe fn run_items(job: Job) {
    let (run, next) = (&*job.run, &*job.next);
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= job.items {
            break;
        }
        run(i);
    }
}

fn worker(shared: &Shared) {
    let mut seen = 0;
    loop {
        let job = {
            let mut st = shared.lock();
            while st.generation == seen && !st.shutdown {
                st = shared.work.wait(st).unwrap_or_else(|e| e.into_inner());
            }
            if st.shutdown {
                return;
            }
            seen = st.generation;
            st.job
        };
        // SAFETY: the caller keeps the job alive until `busy` reaches 0.
        let ok = job.is_none_or(|job| {
            panic::catch_unwind(AssertUnwindSafe(|| unsafe { run_items(job) })).is_ok()
        });
        let mut st = shared.lock();
        st.panicked |= !ok;
        st.busy -= 1;
        if st.busy == 0 {
            shared.done.notify_one();
        }
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

static POOL: RwLock<Option<Arc<Pool>>> = RwLock::new(None);

/// Sets the number of threads parallel kernels use (the caller counts as
/// one); 0 means one per core.
pub fn set_num_threads(n: usize) -> Result<()> {
    if n > MAX_THREADS {
        return Err(Error::invalid(format!(
            "thread count {n} exceeds the maximum of {MAX_THREADS}"
        )));
    }
    let pool = Arc::new(Pool::new(if n == 0 { cores() } else { n })?);
    // The old pool shuts down when its last running region ends.
    let old = POOL
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .replace(pool);
    drop(old);
    Ok(())
}

/// The pool, created with one thread per core on first use.
fn pool() -> Result<Arc<Pool>> {
    if let Some(pool) = POOL.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
        return Ok(pool.clone());
    }
    let mut slot = POOL.write().unwrap_or_else(|e| e.into_inner());
    if slot.is_none() {
        *slot = Some(Arc::new(Pool::new(cores())?));
    }
    Ok(slot.as_ref().expect("just set").clone())
}

/// The number of threads parallel kernels use.
pub fn num_threads() -> usize {
    match POOL.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
        Some(pool) => pool.size,
        None => cores(),
    }
}

/// Runs `f(0)`, ..., `f(items - 1)` on the pool (the caller included) and
/// returns when all have run. A panic in an item is re-raised here after
/// every thread has stopped. Falls back to the calling thread alone when
/// the pool cannot start or another region is running.
pub fn parallel_for(items: usize, f: &(dyn Fn(usize) + Sync)) {
    let sequential = || (0..items).for_each(f);
    let Ok(pool) = pool() else {
        return sequential();
    };
    if pool.size == 1 || items <= 1 {
        return sequential();
    }
    let Ok(_region) = pool.region.try_lock() else {
        return sequential();
    };
    let next = CachePadded::new(AtomicUsize::new(0));
    // SAFETY (lifetime erasure): `f` and `next` outlive the job, because
    // this function waits below until every worker has finished with it.
    let run: *const (dyn Fn(usize) + Sync + '_) = f;
    let run: *const (dyn Fn(usize) + Sync + 'static) = unsafe { std::mem::transmute(run) };
    let job = Job {
        run,
        items,
        next: &next,
    };
    {
        let mut st = pool.shared.lock();
        st.job = Some(job);
        st.generation += 1;
        st.busy = pool.workers.len();
        st.panicked = false;
    }
    pool.shared.work.notify_all();
    // SAFETY: the job is live for this whole function.
    let mine = panic::catch_unwind(AssertUnwindSafe(|| unsafe { run_items(job) }));
    let mut st = pool.shared.lock();
    while st.busy > 0 {
        st = pool.shared.done.wait(st).unwrap_or_else(|e| e.into_inner());
    }
    st.job = None;
    let theirs = std::mem::take(&mut st.panicked);
    drop(st);
    if let Err(payload) = mine {
        panic::resume_unwind(payload);
    }
    if theirs {
        panic!("a simdkern worker thread panicked");
    }
}

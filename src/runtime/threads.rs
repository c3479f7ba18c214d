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
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
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

/// How long an idle thread spins before it parks: waking a parked thread
/// costs tens of microseconds on virtual machines (measured about 90 us
/// per fork-join on the development VM), more than a mid-sized GEMM.
const SPIN: std::time::Duration = std::time::Duration::from_micros(100);

struct State {
    job: Option<Job>,
    panicked: bool,
    shutdown: bool,
    /// Workers parked on `work`.
    sleepers: usize,
    /// Whether the caller is parked on `done`.
    caller_parked: bool,
}

struct Shared {
    /// Bumped (under `state`'s lock) for every job and for shutdown.
    generation: CachePadded<AtomicU64>,
    /// Workers still running the current job.
    busy: CachePadded<AtomicUsize>,
    state: Mutex<State>,
    work: Condvar,
    done: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Spins until `ready()` or `SPIN` has passed; whether it became ready.
    fn spin(ready: impl Fn() -> bool) -> bool {
        let start = std::time::Instant::now();
        loop {
            for _ in 0..64 {
                if ready() {
                    return true;
                }
                std::hint::spin_loop();
            }
            if start.elapsed() > SPIN {
                return ready();
            }
        }
    }
}

/// A pool of `size - 1` workers; the caller is the `size`-th.
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
            generation: CachePadded::new(AtomicU64::new(0)),
            busy: CachePadded::new(AtomicUsize::new(0)),
            state: Mutex::new(State {
                job: None,
                panicked: false,
                shutdown: false,
                sleepers: 0,
                caller_parked: false,
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

    /// Publishes `job` to the workers and wakes the parked ones.
    fn post(&self, job: Job) {
        let sh = &self.shared;
        let mut st = sh.lock();
        st.job = Some(job);
        st.panicked = false;
        sh.busy.store(self.workers.len(), Ordering::Release);
        sh.generation.fetch_add(1, Ordering::Release);
        if st.sleepers > 0 {
            sh.work.notify_all();
        }
    }

    /// Waits until every worker has finished the current job; whether one
    /// of them panicked.
    fn wait(&self) -> bool {
        let sh = &self.shared;
        if !Shared::spin(|| sh.busy.load(Ordering::Acquire) == 0) {
            let mut st = sh.lock();
            st.caller_parked = true;
            while sh.busy.load(Ordering::Acquire) != 0 {
                st = sh.done.wait(st).unwrap_or_else(|e| e.into_inner());
            }
            st.caller_parked = false;
        }
        let mut st = sh.lock();
        st.job = None;
        std::mem::take(&mut st.panicked)
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        {
            let mut st = self.shared.lock();
            st.shutdown = true;
            self.shared.generation.fetch_add(1, Ordering::Release);
        }
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
        // Spin briefly for the next job, then park.
        if !Shared::spin(|| shared.generation.load(Ordering::Acquire) != seen) {
            let mut st = shared.lock();
            st.sleepers += 1;
            while shared.generation.load(Ordering::Acquire) == seen {
                st = shared.work.wait(st).unwrap_or_else(|e| e.into_inner());
            }
            st.sleepers -= 1;
        }
        let (job, shutdown) = {
            let st = shared.lock();
            seen = shared.generation.load(Ordering::Acquire);
            (st.job, st.shutdown)
        };
        if shutdown {
            return;
        }
        // SAFETY: the caller keeps the job alive until `busy` reaches 0.
        let ok = job.is_none_or(|job| {
            panic::catch_unwind(AssertUnwindSafe(|| unsafe { run_items(job) })).is_ok()
        });
        if !ok {
            shared.lock().panicked = true;
        }
        if shared.busy.fetch_sub(1, Ordering::AcqRel) == 1 {
            let st = shared.lock();
            if st.caller_parked {
                shared.done.notify_one();
            }
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
    pool.post(job);
    // SAFETY: the job is live for this whole function.
    let mine = panic::catch_unwind(AssertUnwindSafe(|| unsafe { run_items(job) }));
    let theirs = pool.wait();
    if let Err(payload) = mine {
        panic::resume_unwind(payload);
    }
    if theirs {
        panic!("a simdkern worker thread panicked");
    }
}

/// Splits `0..items` into `min(parts, items)` contiguous ranges of nearly
/// equal length and runs `f` on each, over the pool when there are several.
/// The ranges depend only on `items` and `parts`, never on timing.
pub fn parallel_ranges(items: usize, parts: usize, f: &(dyn Fn(std::ops::Range<usize>) + Sync)) {
    let groups = parts.min(items);
    if groups <= 1 {
        return f(0..items);
    }
    parallel_for(groups, &|g| f(g * items / groups..(g + 1) * items / groups));
}

/// A mutable base pointer shared by the tasks of one parallel region, for
/// kernels whose tasks write disjoint parts of one buffer (rows, columns,
/// chunks). Whoever creates it borrows the buffer mutably for the whole
/// region and hands each task a part no other task touches.
#[derive(Copy, Clone)]
pub(crate) struct SharedMut<T>(pub *mut T);

// SAFETY: see the type's doc: the tasks' parts are disjoint.
unsafe impl<T> Send for SharedMut<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for SharedMut<T> {}

impl<T> SharedMut<T> {
    /// The base pointer.
    #[inline]
    pub(crate) fn get(&self) -> *mut T {
        self.0
    }
}

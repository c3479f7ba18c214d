//! Wall-clock timing of one kernel call: calibrated batches, median.

use std::time::{Duration, Instant};

/// How long and how often to measure.
#[derive(Copy, Clone, Debug)]
pub struct Timer {
    /// Minimum duration of one batch; short calls are repeated until a
    /// batch lasts this long, so timer resolution and loop overhead vanish.
    pub target: Duration,
    /// Number of batches; the median batch is reported, which ignores the
    /// occasional batch slowed by another process.
    pub batches: usize,
}

impl Timer {
    /// 50 ms × 5 batches, or 10 ms × 5 batches for `--quick`.
    pub fn new(quick: bool) -> Timer {
        Timer {
            target: Duration::from_millis(if quick { 10 } else { 50 }),
            batches: 5,
        }
    }

    /// Median seconds per call of `f`. One untimed call first maps pages,
    /// fills caches and resolves the kernel dispatch.
    pub fn per_call(&self, mut f: impl FnMut()) -> f64 {
        f();
        let target = self.target.as_secs_f64();
        let mut iters: u64 = 1;
        loop {
            let t = batch(&mut f, iters);
            if t >= target {
                break;
            }
            // Aim 20% past the target; grow at least 2x and at most 100x.
            let grow = if t > 0.0 { 1.2 * target / t } else { 100.0 };
            iters = (iters as f64 * grow.clamp(2.0, 100.0)).ceil() as u64;
        }
        let mut per_call: Vec<f64> = (0..self.batches)
            .map(|_| batch(&mut f, iters) / iters as f64)
            .collect();
        per_call.sort_by(f64::total_cmp);
        per_call[per_call.len() / 2]
    }
}

/// Seconds taken by `iters` calls of `f`.
fn batch(f: &mut impl FnMut(), iters: u64) -> f64 {
    let t = Instant::now();
    for _ in 0..iters {
        f();
    }
    t.elapsed().as_secs_f64()
}

/// Formats seconds with a unit suited to its size (`12.3 ns`, `4.56 ms`).
pub fn fmt_time(secs: f64) -> String {
    if secs < 1e-6 {
        format!("{:.1} ns", secs * 1e9)
    } else if secs < 1e-3 {
        format!("{:.2} us", secs * 1e6)
    } else if secs < 1.0 {
        format!("{:.2} ms", secs * 1e3)
    } else {
        format!("{secs:.2} s")
    }
}

//! Deferred application of many rotation sequences (the whole history of a
//! bidiagonal QR iteration, or a budget-sized part of it).
//!
//! Applying each sweep as it is computed streams the whole vector block
//! through the cache once per sweep: at n = 512 (f64) the two 2 MiB blocks
//! do not fit L2, and the sweeps ran at memory speed (about 4 GFLOP/s).
//! The sweeps' parameters do not depend on the vectors, so they can be
//! recorded and applied later column chunk by column chunk: a chunk of
//! [`CHUNK_BYTES`] per row stays in cache through every recorded sequence,
//! and only the (much smaller) parameter arrays stream.
//!
//! Within a chunk, runs of sequences of one direction go through the wave
//! kernels where the ISA has them (`x86_64/wave.rs`, AVX-512): several
//! sequences per pass over the rows, so each row is loaded and stored once
//! per pass rather than once per sequence. Measured with `log_throughput`
//! (Xeon, 512 rows of 512 f64, ld 520, one thread): 20 GFLOP/s one
//! sequence at a time, 42 in waves of 4. The wave kernels also flush
//! entries below `sqrt(MIN_POSITIVE)` to zero, which keeps subnormals (and
//! their microcode assists) out of the vector blocks.

use super::{Direction, Rotate};
use crate::runtime::threads::{self, SharedMut};
use crate::runtime::{num_threads, Isa};

/// Bytes of each row a chunk covers.
const CHUNK_BYTES: usize = 256;

/// One recorded sequence: parameters `start..start + count` of the log
/// act on rows `first..=first + count` (see [`super::rotate_rows`]).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Sequence {
    /// First row.
    pub first: usize,
    /// Number of rotations.
    pub count: usize,
    /// Order of the rotations.
    pub dir: Direction,
    /// Offset of the first rotation's parameters.
    pub start: usize,
}

/// Applies `seqs`, in order, to the `len` columns of the rows in `rows`
/// (row r at `rows[r * ld..]`). Columns are independent, so chunks of
/// columns run on the pool; each element's arithmetic is the same however
/// the columns are split, so the result does not depend on the thread
/// count.
pub(crate) fn apply_sequences<T: Rotate>(
    isa: Isa,
    seqs: &[Sequence],
    c: &[T],
    s: &[T],
    rows: &mut [T],
    ld: usize,
    len: usize,
) {
    let work: usize = seqs.iter().map(|q| q.count).sum::<usize>() * len;
    let parts = if work >= PAR_MIN_WORK {
        num_threads()
    } else {
        1
    };
    apply_sequences_split(isa, parts, seqs, c, s, rows, ld, len)
}

/// Splits the non-empty sequences of `seqs` into runs of at most `depth`
/// consecutive ones of one direction: the passes of the wave kernels.
fn waves(seqs: &[Sequence], depth: usize) -> Vec<std::ops::Range<usize>> {
    let mut groups: Vec<std::ops::Range<usize>> = Vec::new();
    for (i, q) in seqs.iter().enumerate() {
        if q.count == 0 {
            continue;
        }
        match groups.last_mut() {
            Some(g) if g.len() < depth && seqs[g.end - 1].dir == q.dir && g.end == i => {
                g.end = i + 1
            }
            _ => groups.push(i..i + 1),
        }
    }
    groups
}

/// Rotations times columns below which the pool is not worth waking.
const PAR_MIN_WORK: usize = 1 << 16;

/// [`apply_sequences`] with the chunks split into (at most) `parts`
/// contiguous ranges, one pool task each. A single sequence gains nothing
/// from chunking (no row is reused across sequences), so each range then
/// goes to the kernel whole and the kernel's own row blocks keep it in
/// cache.
#[allow(clippy::too_many_arguments)]
pub(crate) fn apply_sequences_split<T: Rotate>(
    isa: Isa,
    parts: usize,
    seqs: &[Sequence],
    c: &[T],
    s: &[T],
    rows: &mut [T],
    ld: usize,
    len: usize,
) {
    assert!(isa.is_supported(), "the CPU lacks {}", isa.name());
    if len == 0 {
        return;
    }
    assert!(ld >= len);
    for q in seqs {
        assert!(q.start + q.count <= c.len() && c.len() == s.len());
        assert!(
            (q.first + q.count) * ld + len <= rows.len(),
            "sequence {q:?} outside {} elements",
            rows.len()
        );
    }
    let table = T::rotation_kernels(isa);
    let chunk = (CHUNK_BYTES / std::mem::size_of::<T>()).max(1);
    let chunks = len.div_ceil(chunk);
    let base = SharedMut(rows.as_mut_ptr());
    // The passes of the wave kernels, once for every chunk.
    let groups = match &table.wave {
        Some(wave) if seqs.len() > 1 => waves(seqs, wave.depth),
        _ => Vec::new(),
    };
    // One sequence on the columns `col..col + width`, one-sequence kernel.
    let one = |q: &Sequence, col: usize, width: usize| {
        let kernel = match q.dir {
            Direction::Forward => table.forward,
            Direction::Backward => table.backward,
        };
        let r = q.start..q.start + q.count;
        // SAFETY: the sequence's rows were checked to lie inside `rows`;
        // the callers' column ranges are disjoint, so no element is
        // touched by two threads.
        unsafe {
            kernel(
                &c[r.clone()],
                &s[r],
                base.get().add(q.first * ld + col),
                ld,
                width,
            )
        };
    };
    let run = |range: std::ops::Range<usize>| {
        if seqs.len() == 1 {
            // One sequence reuses no row across a chunk: the kernel takes
            // the whole range and blocks it by rows itself.
            let (col, hi) = (range.start * chunk, (range.end * chunk).min(len));
            return one(&seqs[0], col, hi - col);
        }
        for ch in range {
            let (col, width) = (ch * chunk, chunk.min(len - ch * chunk));
            let Some(wave) = &table.wave else {
                seqs.iter().for_each(|q| one(q, col, width));
                continue;
            };
            for group in &groups {
                let group = &seqs[group.clone()];
                let kernel = match group[0].dir {
                    Direction::Forward => wave.forward,
                    Direction::Backward => wave.backward,
                };
                // SAFETY: every sequence's rows were checked to lie inside
                // `rows` and its parameters inside `c` and `s`; chunks
                // cover disjoint columns, so no element is touched by two
                // threads.
                unsafe { kernel(group, c, s, base.get().add(col), ld, width) };
            }
        }
    };
    if parts <= 1 {
        run(0..chunks);
    } else {
        threads::parallel_ranges(chunks, parts, &run);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{for_each_isa, Rng};

    /// A random log applied in bulk equals its sequences applied one by
    /// one with the scalar reference, on every ISA, for row lengths that
    /// cut the column chunks unevenly; and bit for bit the same ISA's
    /// one-sequence kernels (the wave kernels promise exactly that).
    /// Directions come in runs of random length, so the waves see full
    /// and partial groups, with ranges that differ inside a group.
    #[test]
    fn bulk_application_matches_one_by_one() {
        check_bulk::<f64>(1e-13);
        check_bulk::<f32>(1e-4);
    }

    fn check_bulk<T: Rotate>(tol: f64) {
        for_each_isa("bulk_application_matches_one_by_one", |isa| {
            let mut rng = Rng::new(0x106);
            for &(n, len, ld) in &[
                (1, 5, 5),
                (9, 1, 3),
                (40, 37, 40),
                (70, 300, 333),
                (33, 64, 72),
            ] {
                let (mut seqs, mut c, mut s) = (Vec::new(), Vec::new(), Vec::new());
                let mut dir = Direction::Forward;
                for _ in 0..40 {
                    let first = rng.below(n);
                    let count = rng.below(n - first);
                    if rng.below(6) == 0 {
                        dir = match dir {
                            Direction::Forward => Direction::Backward,
                            Direction::Backward => Direction::Forward,
                        };
                    }
                    seqs.push(Sequence {
                        first,
                        count,
                        dir,
                        start: c.len(),
                    });
                    for _ in 0..count {
                        let t = rng.signed_unit() * 3.0;
                        c.push(T::from_f64(t.cos()));
                        s.push(T::from_f64(t.sin()));
                    }
                }
                let rows: Vec<T> = (0..(n - 1) * ld + len)
                    .map(|_| T::from_f64(rng.signed_unit()))
                    .collect();
                let mut bulk = rows.clone();
                apply_sequences(isa, &seqs, &c, &s, &mut bulk, ld, len);
                let mut one = rows.clone();
                for q in &seqs {
                    let r = q.start..q.start + q.count;
                    super::super::reference::rotate_rows(
                        q.dir,
                        &c[r.clone()],
                        &s[r],
                        &mut one[q.first * ld..],
                        ld,
                        len,
                    );
                }
                let mut same_isa = rows.clone();
                for q in &seqs {
                    let r = q.start..q.start + q.count;
                    let block = &mut same_isa[q.first * ld..];
                    super::super::rotate_rows_on(isa, q.dir, &c[r.clone()], &s[r], block, ld, len);
                }
                for (i, (x, y)) in bulk.iter().zip(&same_isa).enumerate() {
                    assert_eq!(
                        x.to_f64().to_bits(),
                        y.to_f64().to_bits(),
                        "{isa:?} n={n} len={len}: element {i} differs from one-by-one"
                    );
                }
                for (i, (x, y)) in bulk.iter().zip(&one).enumerate() {
                    assert!(
                        (*x - *y).abs().to_f64() <= tol,
                        "{isa:?} n={n} len={len}: element {i}: {} vs {}",
                        x.to_f64(),
                        y.to_f64()
                    );
                    if i % ld >= len {
                        assert_eq!(
                            x.to_f64().to_bits(),
                            rows[i].to_f64().to_bits(),
                            "padding touched"
                        );
                    }
                }
            }
        });
    }

    /// On the wave paths, stored entries below sqrt(MIN_POSITIVE) become
    /// zero (no subnormal survives), and everything else stays within
    /// rounding of the reference: rotations by tiny sines applied to rows
    /// of tiny and unit entries.
    #[test]
    fn wave_paths_flush_tiny_entries() {
        for_each_isa("wave_paths_flush_tiny_entries", |isa| {
            if f64::rotation_kernels(isa).wave.is_none() {
                println!("wave_paths_flush_tiny_entries: {isa:?} has no wave kernels, skipped");
                return;
            }
            let (n, len) = (12, 40);
            let mut rng = Rng::new(0x7177);
            let (mut seqs, mut c, mut s) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..30 {
                seqs.push(Sequence {
                    first: 0,
                    count: n - 1,
                    dir: Direction::Forward,
                    start: c.len(),
                });
                for _ in 0..n - 1 {
                    let sine = 1e-20 * (1.0 + rng.signed_unit().abs());
                    c.push((1.0 - sine * sine).sqrt());
                    s.push(sine);
                }
            }
            // Unit columns, and columns of alternating zeros and 1e-300s,
            // which the sines turn into subnormals.
            let rows: Vec<f64> = (0..n * len)
                .map(|i| match ((i % len) % 2, (i / len) % 2) {
                    (0, _) => rng.signed_unit(),
                    (_, 0) => 0.0,
                    _ => 1e-300 * rng.signed_unit(),
                })
                .collect();
            let mut bulk = rows.clone();
            apply_sequences(isa, &seqs, &c, &s, &mut bulk, len, len);
            let mut exact = rows.clone();
            for q in &seqs {
                let r = q.start..q.start + q.count;
                super::super::reference::rotate_rows(
                    q.dir,
                    &c[r.clone()],
                    &s[r],
                    &mut exact,
                    len,
                    len,
                );
            }
            let floor = f64::MIN_POSITIVE.sqrt();
            assert!(
                exact.iter().any(|x| x.is_subnormal()),
                "the log must reach subnormals"
            );
            for (i, (x, y)) in bulk.iter().zip(&exact).enumerate() {
                assert!(
                    *x == 0.0 || x.abs() >= floor,
                    "{isa:?}: element {i} = {x:e} kept"
                );
                assert!(
                    (x - y).abs() <= 1e-15 * y.abs().max(floor),
                    "{isa:?}: element {i}: {x:e} vs {y:e}"
                );
            }
        });
    }

    /// Throughput of a bidiagonal-QR-like log (ignored: prints timings).
    #[test]
    #[ignore]
    fn log_throughput() {
        let n = 512;
        let mut seqs = Vec::new();
        let (mut c, mut s) = (Vec::new(), Vec::new());
        let mut total = 0;
        let mut m = n - 1;
        while total < 200_000 {
            let count = m.max(2);
            seqs.push(Sequence {
                first: 0,
                count,
                dir: Direction::Forward,
                start: c.len(),
            });
            for j in 0..count {
                let t = (j as f64 * 0.37).sin();
                c.push(t.cos());
                s.push(t.sin());
            }
            total += count;
            if seqs.len() % 2 == 0 && m > 2 {
                m -= 1;
            }
        }
        let isa = crate::runtime::active_isa();
        for ld in [n, n + 8] {
            for parts in [1, 2] {
                let mut rows = vec![1.0f64; n * ld];
                let mut best = f64::INFINITY;
                for _ in 0..15 {
                    let t = std::time::Instant::now();
                    apply_sequences_split(isa, parts, &seqs, &c, &s, &mut rows, ld, n);
                    best = best.min(t.elapsed().as_secs_f64());
                }
                println!(
                    "ld {ld}, {parts} part(s): {total} rotations x {n}: {:.1} ms, {:.1} GFLOP/s",
                    best * 1e3,
                    6.0 * total as f64 * n as f64 / best / 1e9
                );
            }
        }
    }
}

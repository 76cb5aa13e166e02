//! How far ahead a producer claims: the smoothed run time of a queue's jobs ([`Pace`]) and
//! the number of jobs worth holding ahead of free slots ([`adaptive_ahead`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Jobs that will start within this of being claimed may be held ahead of free slots:
/// short jobs started together end together, and a burst of freed slots starts at once from
/// what is held instead of waiting on one claim after another. Jobs of a second or more
/// are never held ahead on this account.
pub const AHEAD_WINDOW: Duration = Duration::from_millis(100);

/// The smoothed run time of one queue's jobs in this worker, written by the executor as
/// jobs end and read by the producer to size its claim-ahead.
#[derive(Debug, Default)]
pub struct Pace {
    /// Microseconds; 0 until a job ended.
    run_us: AtomicU64,
}

impl Pace {
    /// Records one job's run time (exponentially smoothed, weight 1/8).
    pub fn job_ran(&self, took: Duration) {
        let old = self.run_us.load(Ordering::Relaxed);
        self.run_us.store(smooth(old, took), Ordering::Relaxed);
    }

    pub(super) fn run_us(&self) -> u64 {
        self.run_us.load(Ordering::Relaxed)
    }
}

/// `old` (microseconds, 0: no sample yet) smoothed exponentially with `sample`, weight 1/8;
/// never 0 once a sample came.
pub(super) fn smooth(old: u64, sample: Duration) -> u64 {
    let sample = sample.as_micros().min(u128::from(u64::MAX)) as u64;
    if old == 0 {
        sample.max(1)
    } else {
        (old - old / 8 + sample / 8).max(1)
    }
}

/// How many jobs to hold ahead of free slots, when `concurrency` slots run jobs of `run_us`
/// (0: unknown, nothing held ahead): those the slots free up during two claims of
/// `claim_us` or within [`AHEAD_WINDOW`], whichever is more; at most `batch` (one claim).
/// Not capped at `concurrency`: 24 slots of no-op jobs free up thousands within the window,
/// and holding only 24 ahead made claims of a few dozen jobs and completions as small
/// (2.4x PostgreSQL's CPU per job, measured).
pub fn adaptive_ahead(concurrency: usize, batch: usize, claim_us: u64, run_us: u64) -> usize {
    if run_us == 0 {
        return 0;
    }
    let window_us = AHEAD_WINDOW.as_micros() as u64;
    let frees =
        (concurrency as u128 * u128::from((2 * claim_us).max(window_us))) / u128::from(run_us);
    (frees.min(usize::MAX as u128) as usize).min(batch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_jobs_are_held_ahead_and_long_ones_never() {
        // 50 ms jobs at 50 slots: all of them free up within the window, twice.
        assert_eq!(adaptive_ahead(50, 500, 3_000, 50_000), 100);
        // 200 ms jobs at 50 slots: a quarter free up within the window.
        assert_eq!(adaptive_ahead(50, 500, 3_000, 200_000), 25);
        // Slow claims: what frees up during two of them, when that is more.
        assert_eq!(adaptive_ahead(50, 500, 100_000, 400_000), 25);
        // No-op jobs: a whole claim's batch, never more.
        assert_eq!(adaptive_ahead(24, 500, 2_000, 5), 500);
        assert_eq!(adaptive_ahead(1_000, 500, 2_000, 5), 500);
        // A Zenodo copy of minutes, or jobs of a second or more at 3 slots: none.
        assert_eq!(adaptive_ahead(3, 500, 3_000, 120_000_000), 0);
        assert_eq!(adaptive_ahead(3, 500, 3_000, 1_000_000), 0);
        // Nothing measured yet: none.
        assert_eq!(adaptive_ahead(50, 500, 3_000, 0), 0);
    }

    #[test]
    fn the_run_time_is_smoothed() {
        let p = Pace::default();
        assert_eq!(p.run_us(), 0);
        p.job_ran(Duration::from_millis(80));
        assert_eq!(p.run_us(), 80_000);
        p.job_ran(Duration::ZERO);
        assert_eq!(p.run_us(), 70_000);
        for _ in 0..200 {
            p.job_ran(Duration::from_millis(1));
        }
        assert!(p.run_us() < 1_100, "{}", p.run_us());
    }
}

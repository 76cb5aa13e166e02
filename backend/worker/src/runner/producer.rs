//! The producer: one loop per queue that claims jobs whenever the queue has free slots and
//! may have work, and starts them (see [`super::executor`]).
//!
//! Claiming ahead ("prefetch") hides the claim's round trip: a slot that frees starts a
//! job already held instead of waiting for the database. By default the producer claims
//! ahead as many jobs as its slots free up during two claim round trips, measured as it
//! goes (the run time of this queue's jobs and the latency of its claims, both smoothed):
//! many for 50 ms jobs, none for jobs that run for minutes — so long jobs stay in the
//! table for any idle worker to take. A job held ahead that has not started within
//! [`HELD_AHEAD_MAX`] goes back to the queue, attempt unspent.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use longjobs_core::clock;
use longjobs_core::job::Job;
use longjobs_core::queue;
use tokio::sync::{Notify, Semaphore, watch};

use super::executor::spawn_job;
use super::shared::Shared;
use super::stop::HAND_BACK_NOTE;
use crate::shutdown::Shutdown;

/// Jobs claimed per query at most.
pub const DEFAULT_BATCH: usize = 500;
/// No fixed number of jobs is claimed ahead of free slots unless asked (the measured
/// claim-ahead of [`DEFAULT_ADAPTIVE_PREFETCH`] still applies).
pub const DEFAULT_PREFETCH: usize = 0;
/// Claim ahead what the slots free up during two claim round trips, measured.
pub const DEFAULT_ADAPTIVE_PREFETCH: bool = true;
/// A job claimed ahead that has not started within this goes back to the queue.
pub const HELD_AHEAD_MAX: Duration = Duration::from_secs(1);
/// Jobs that will start within this of being claimed may be held ahead of free slots:
/// short jobs started together end together, and a burst of freed slots starts at once from
/// what is held instead of waiting on one claim after another. Jobs of a second or more
/// are never held ahead on this account.
pub const AHEAD_WINDOW: Duration = Duration::from_millis(100);
/// How often an idle queue is polled when no notification arrives.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(1_000);
/// The first wait after a failed claim; it doubles with each failure in a row.
pub const CLAIM_RETRY_FIRST: Duration = Duration::from_millis(100);
/// The longest wait after failed claims: the database is back within a second of
/// returning, and one failed claim a second per queue costs it nothing.
pub const CLAIM_RETRY_MAX: Duration = Duration::from_secs(1);

/// How a producer claims.
#[derive(Debug, Clone)]
pub struct ProducerConfig {
    /// Most jobs claimed per query.
    pub batch: usize,
    /// Jobs claimed beyond the free slots, started as slots free up.
    pub prefetch: usize,
    /// Claim ahead, beyond `prefetch`, the jobs the slots free up during two claim round
    /// trips (measured).
    pub adaptive_prefetch: bool,
    /// How long an idle queue waits for a wake-up before it looks again.
    pub poll_interval: Duration,
    /// The lease each claimed job gets (renewed by the heartbeat).
    pub lease: Duration,
}

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

    fn run_us(&self) -> u64 {
        self.run_us.load(Ordering::Relaxed)
    }
}

/// `old` (microseconds, 0: no sample yet) smoothed exponentially with `sample`, weight 1/8;
/// never 0 once a sample came.
fn smooth(old: u64, sample: Duration) -> u64 {
    let sample = sample.as_micros().min(u128::from(u64::MAX)) as u64;
    if old == 0 {
        sample.max(1)
    } else {
        (old - old / 8 + sample / 8).max(1)
    }
}

/// How many jobs to hold ahead of free slots, when `concurrency` slots run jobs of `run_us`
/// (0: unknown, nothing held ahead): those the slots free up during two claims of
/// `claim_us` or within [`AHEAD_WINDOW`], whichever is more; at most `concurrency` and
/// `batch`.
pub fn adaptive_ahead(concurrency: usize, batch: usize, claim_us: u64, run_us: u64) -> usize {
    if run_us == 0 {
        return 0;
    }
    let window_us = AHEAD_WINDOW.as_micros() as u64;
    let frees =
        (concurrency as u128 * u128::from((2 * claim_us).max(window_us))) / u128::from(run_us);
    (frees.min(usize::MAX as u128) as usize)
        .min(concurrency)
        .min(batch)
}

/// Claims jobs of one queue whenever it has free slots and there may be work, until `stop`
/// leaves [`Shutdown::Running`]; then hands back what it claimed but never started.
pub(super) async fn produce(
    shared: Arc<Shared>,
    cfg: ProducerConfig,
    queue: String,
    concurrency: usize,
    mut stop: watch::Receiver<Shutdown>,
) {
    let slots = Arc::new(Semaphore::new(concurrency));
    let wake = shared.wake[&queue].clone();
    let pace = shared.pace[&queue].clone();
    let mut error_backoff = CLAIM_RETRY_FIRST;
    // Smoothed latency of this queue's claims, in microseconds (0: none yet).
    let mut claim_us: u64 = 0;
    // Jobs claimed ahead of free slots, started as slots free up; since when the oldest
    // waits.
    let mut buffer: VecDeque<Job> = VecDeque::new();
    let mut held_since: Option<Instant> = None;
    // After held jobs went back unstarted, hold none ahead until a slot frees.
    let mut ahead_paused = false;
    // The claim in flight, if any: slots that free while it runs still start held jobs.
    let mut claiming: Option<Claim> = None;
    // A wake-up (a new job, a freed slot) that came while a claim was in flight: the claim
    // may have looked before that job committed, so claim again rather than wait for the
    // next wake-up or poll.
    let mut woken_while_claiming = false;
    loop {
        if *stop.borrow() != Shutdown::Running {
            if let Some(claim) = claiming.take()
                && let Ok(claimed) = claim.await
            {
                buffer.extend(claimed.jobs);
            }
            hand_back_buffered(&shared, &queue, buffer).await;
            return;
        }
        start_buffered(&shared, &slots, &mut buffer, &wake);
        if buffer.is_empty() {
            held_since = None;
        } else if claiming.is_none() && held_since.is_some_and(|t| t.elapsed() >= HELD_AHEAD_MAX) {
            // No slot freed for a while: let idle workers have them.
            hand_back_buffered(&shared, &queue, std::mem::take(&mut buffer)).await;
            held_since = None;
            ahead_paused = true;
        }
        let free = slots.available_permits();
        if free > 0 {
            ahead_paused = false;
        }
        let ahead = if ahead_paused {
            0
        } else if cfg.adaptive_prefetch {
            cfg.prefetch.max(adaptive_ahead(
                concurrency,
                cfg.batch,
                claim_us,
                pace.run_us(),
            ))
        } else {
            cfg.prefetch
        };
        let want = (free + ahead).saturating_sub(buffer.len());
        // Claim when a slot is free and nothing waits for it, or to top up the jobs held
        // ahead once half of them went.
        if claiming.is_none()
            && ((free > 0 && buffer.is_empty())
                || (ahead > 0 && buffer.len() * 2 < ahead && want > 0))
        {
            let limit = want.min(cfg.batch.max(free));
            claiming = Some(claim(&shared, &queue, limit, cfg.lease));
            woken_while_claiming = false;
        }
        // Held jobs go back after HELD_AHEAD_MAX if no slot frees before.
        let nap = match held_since {
            Some(t) => cfg
                .poll_interval
                .min(HELD_AHEAD_MAX.saturating_sub(t.elapsed())),
            None => cfg.poll_interval,
        };
        let idle = claiming.is_none();
        let claim_done = async {
            match claiming.as_mut() {
                Some(claim) => claim.await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            claimed = claim_done => {
                claiming = None;
                match claimed {
                    Ok(Claimed { jobs, limit, took }) => {
                        claim_us = smooth(claim_us, took);
                        error_backoff = CLAIM_RETRY_FIRST;
                        let full = jobs.len() == limit;
                        buffer.extend(jobs);
                        start_buffered(&shared, &slots, &mut buffer, &wake);
                        if !buffer.is_empty() && held_since.is_none() {
                            held_since = Some(Instant::now());
                        }
                        if !full && !woken_while_claiming {
                            // Nothing more to take now: wait for a wake-up or the poll.
                            tokio::select! {
                                () = wake.notified() => {}
                                () = tokio::time::sleep(nap) => {}
                                _ = stop.changed() => {}
                            }
                        }
                    }
                    Err(e) => {
                        tracing::warn!(queue = %queue, error = %e, "claiming jobs failed; retrying");
                        tokio::select! {
                            () = tokio::time::sleep(error_backoff) => {}
                            _ = stop.changed() => {}
                        }
                        error_backoff = (error_backoff * 2).min(CLAIM_RETRY_MAX);
                    }
                }
            }
            () = wake.notified() => woken_while_claiming |= !idle,
            () = tokio::time::sleep(nap), if idle => {}
            _ = stop.changed() => {}
        }
    }
}

/// A claim of up to `limit` jobs, as it came back.
struct Claimed {
    jobs: Vec<Job>,
    limit: usize,
    took: Duration,
}

type Claim = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<Claimed, longjobs_core::DbError>> + Send>,
>;

/// Claims up to `limit` jobs of `queue` for this worker, timed.
fn claim(shared: &Arc<Shared>, queue: &str, limit: usize, lease: Duration) -> Claim {
    let (db, q, owner) = (shared.db.clone(), queue.to_string(), shared.id.to_string());
    Box::pin(async move {
        let asked = Instant::now();
        let jobs = db
            .run(move |c| {
                let now = clock::now();
                queue::claim(c, &q, limit, &owner, now, now + clock::delta(lease))
            })
            .await?;
        Ok(Claimed {
            jobs,
            limit,
            took: asked.elapsed(),
        })
    })
}

/// Starts buffered jobs in order while there are free slots.
fn start_buffered(
    shared: &Arc<Shared>,
    slots: &Arc<Semaphore>,
    buffer: &mut VecDeque<Job>,
    wake: &Arc<Notify>,
) {
    while !buffer.is_empty() {
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            return;
        };
        if let Some(job) = buffer.pop_front() {
            spawn_job(shared, job, permit, wake.clone());
        }
    }
}

/// Gives prefetched jobs that never started back to the queue, attempt unspent.
async fn hand_back_buffered(shared: &Arc<Shared>, queue: &str, buffer: VecDeque<Job>) {
    if buffer.is_empty() {
        return;
    }
    let jobs: Vec<Job> = buffer.into();
    let owner = shared.id.to_string();
    match shared
        .db
        .run(move |c| queue::hand_back(c, &owner, &jobs, HAND_BACK_NOTE, clock::now()))
        .await
    {
        Ok(n) => tracing::info!(queue = %queue, jobs = n, "handed back prefetched jobs"),
        // Their leases expire and the rescuer returns them.
        Err(e) => tracing::warn!(queue = %queue, error = %e, "handing back prefetched jobs failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_jobs_are_held_ahead_and_long_ones_never() {
        // 50 ms jobs at 50 slots: all of them free up within the window, in bursts.
        assert_eq!(adaptive_ahead(50, 500, 3_000, 50_000), 50);
        // 200 ms jobs at 50 slots: a quarter free up within the window.
        assert_eq!(adaptive_ahead(50, 500, 3_000, 200_000), 25);
        // Slow claims: what frees up during two of them, when that is more.
        assert_eq!(adaptive_ahead(50, 500, 100_000, 400_000), 25);
        // No-op jobs: as many as the slots, never more than a claim's batch.
        assert_eq!(adaptive_ahead(24, 500, 2_000, 5), 24);
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

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

use std::sync::Arc;
use std::time::{Duration, Instant};

use longjobs_core::clock;
use longjobs_core::job::Job;
use longjobs_core::queue;
use tokio::sync::{Notify, Semaphore, watch};

use super::executor::spawn_job;
use super::held::Held;
use super::pace::{adaptive_ahead, smooth};
use super::shared::Shared;
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
    // Jobs claimed ahead of free slots, started as slots free up, each with when it was
    // claimed.
    let mut buffer: Held<Job> = Held::default();
    // After held jobs went back unstarted, hold none ahead until a slot frees.
    let mut ahead_paused = false;
    // The claim in flight, if any: slots that free while it runs still start held jobs.
    let mut claiming: Option<Claim> = None;
    // A wake-up (a new job, a freed slot) that came while a claim was in flight: the claim
    // may have looked before that job committed, so claim again rather than wait for the
    // next wake-up or poll.
    let mut woken_while_claiming = false;
    // After a claim that found fewer jobs than it asked for: claim no more until a wake-up
    // or the poll.
    let mut resting = false;
    loop {
        if *stop.borrow() != Shutdown::Running {
            if let Some(claim) = claiming.take()
                && let Ok(claimed) = claim.await
            {
                buffer.extend(claimed.jobs, Instant::now());
            }
            hand_back_buffered(&shared, &queue, buffer.take()).await;
            return;
        }
        start_buffered(&shared, &slots, &mut buffer, &wake);
        if claiming.is_none() && buffer.overdue(Instant::now(), HELD_AHEAD_MAX) {
            // No slot freed for the oldest held job for a while: let idle workers have them.
            let jobs = buffer.take();
            shared
                .released
                .fetch_add(jobs.len() as u64, std::sync::atomic::Ordering::Relaxed);
            hand_back_buffered(&shared, &queue, jobs).await;
            ahead_paused = true;
        }
        let free = slots.available_permits();
        if free > 0 {
            ahead_paused = false;
        }
        let rules = shared.claim_rules(&queue);
        // A limited queue claims only for free slots: a job held ahead would count against
        // the limit while it waits.
        let ahead = if ahead_paused || rules.limited {
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
            && !resting
            && !shared.is_quiet()
            && ((free > 0 && buffer.is_empty())
                || (ahead > 0 && buffer.len() * 2 < ahead && want > 0))
        {
            let limit = want.min(cfg.batch.max(free));
            claiming = Some(claim(&shared, &queue, limit, cfg.lease, rules));
            woken_while_claiming = false;
        }
        // Held jobs go back after HELD_AHEAD_MAX if no slot frees before.
        let nap = match buffer.time_left(Instant::now(), HELD_AHEAD_MAX) {
            Some(left) => cfg.poll_interval.min(left),
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
                        tracing::debug!(
                            queue = %queue,
                            asked = limit,
                            got = jobs.len(),
                            took_us = took.as_micros() as u64,
                            held = buffer.len(),
                            free = slots.available_permits(),
                            "claimed"
                        );
                        error_backoff = CLAIM_RETRY_FIRST;
                        let full = jobs.len() == limit;
                        buffer.extend(jobs, Instant::now());
                        start_buffered(&shared, &slots, &mut buffer, &wake);
                        // Nothing more to take now: rest until a wake-up or the poll.
                        resting = !full && !woken_while_claiming;
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
            () = wake.notified() => {
                woken_while_claiming |= !idle;
                resting = false;
            }
            () = tokio::time::sleep(nap), if idle => resting = false,
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
fn claim(
    shared: &Arc<Shared>,
    queue: &str,
    limit: usize,
    lease: Duration,
    rules: queue::ClaimRules,
) -> Claim {
    let (db, q, owner) = (shared.db.clone(), queue.to_string(), shared.id.to_string());
    Box::pin(async move {
        let asked = Instant::now();
        let jobs = db
            .run(move |c| {
                let now = clock::now();
                let until = now + clock::delta(lease);
                queue::claim_with(c, &q, limit, &owner, now, until, rules)
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
    buffer: &mut Held<Job>,
    wake: &Arc<Notify>,
) {
    while !buffer.is_empty() {
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            return;
        };
        if let Some(job) = buffer.pop() {
            spawn_job(shared, job, permit, wake.clone());
        }
    }
}

/// Gives prefetched jobs that never started back to the queue, attempt unspent.
async fn hand_back_buffered(shared: &Arc<Shared>, queue: &str, jobs: Vec<Job>) {
    if jobs.is_empty() {
        return;
    }
    let owner = shared.id.to_string();
    match shared
        .db
        .run(move |c| queue::release_unstarted(c, &owner, &jobs, clock::now()))
        .await
    {
        Ok(n) => tracing::info!(queue = %queue, jobs = n, "handed back prefetched jobs"),
        // Their leases expire and the rescuer returns them.
        Err(e) => tracing::warn!(queue = %queue, error = %e, "handing back prefetched jobs failed"),
    }
}

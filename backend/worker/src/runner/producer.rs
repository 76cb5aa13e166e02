//! The producer: one loop per queue that claims jobs whenever the queue has free slots and
//! may have work, and starts them (see [`super::executor`]).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

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
/// No jobs are claimed ahead of free slots unless asked.
pub const DEFAULT_PREFETCH: usize = 0;
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
    let mut error_backoff = CLAIM_RETRY_FIRST;
    // Jobs claimed ahead of free slots (`prefetch`), started as slots free up.
    let mut buffer: VecDeque<Job> = VecDeque::new();
    loop {
        if *stop.borrow() != Shutdown::Running {
            hand_back_buffered(&shared, &queue, buffer).await;
            return;
        }
        start_buffered(&shared, &slots, &mut buffer, &wake);
        let free = slots.available_permits();
        if free > 0 && buffer.is_empty() {
            let limit = (free + cfg.prefetch).min(cfg.batch.max(free));
            let (q, owner, lease) = (queue.clone(), shared.id.to_string(), cfg.lease);
            let claimed = shared
                .db
                .run(move |c| {
                    let now = clock::now();
                    queue::claim(c, &q, limit, &owner, now, now + clock::delta(lease))
                })
                .await;
            match claimed {
                Ok(jobs) => {
                    error_backoff = CLAIM_RETRY_FIRST;
                    let full = jobs.len() == limit;
                    buffer.extend(jobs);
                    start_buffered(&shared, &slots, &mut buffer, &wake);
                    if full {
                        continue;
                    }
                }
                Err(e) => {
                    tracing::warn!(queue = %queue, error = %e, "claiming jobs failed; retrying");
                    tokio::select! {
                        () = tokio::time::sleep(error_backoff) => {}
                        _ = stop.changed() => {}
                    }
                    error_backoff = (error_backoff * 2).min(CLAIM_RETRY_MAX);
                    continue;
                }
            }
        }
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(cfg.poll_interval) => {}
            _ = stop.changed() => {}
        }
    }
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

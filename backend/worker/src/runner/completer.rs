//! The completer: writes the outcomes of finished attempts in batches — whatever arrived
//! while the previous batch was being written — and keeps them until the database takes
//! them.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use longjobs_core::clock;
use longjobs_core::job::{Job, JobId};
use longjobs_core::queue::{self, Failure};
use tokio::sync::mpsc;

use super::shared::{Outcome, Shared};
use crate::registry::JobError;

/// Most outcomes written per completion statement.
pub const DEFAULT_MAX_BATCH: usize = 1_000;
/// The first wait after a failed write; it doubles with each failure in a row.
pub const DEFAULT_RETRY_FIRST: Duration = Duration::from_millis(50);
/// The longest wait between writes while the database is away.
pub const DEFAULT_RETRY_MAX: Duration = Duration::from_secs(5);

/// How the completer batches and retries.
#[derive(Debug, Clone)]
pub struct CompleterConfig {
    /// Most outcomes written per statement.
    pub max_batch: usize,
    /// The first wait after a failed write.
    pub retry_first: Duration,
    /// The longest wait after failed writes.
    pub retry_max: Duration,
}

impl Default for CompleterConfig {
    fn default() -> Self {
        CompleterConfig {
            max_batch: DEFAULT_MAX_BATCH,
            retry_first: DEFAULT_RETRY_FIRST,
            retry_max: DEFAULT_RETRY_MAX,
        }
    }
}

/// Writes outcomes in batches until every sender is gone; wakes every producer after each
/// batch, since slots and ordering keys may have freed up.
pub(super) async fn complete(
    shared: Arc<Shared>,
    cfg: CompleterConfig,
    mut rx: mpsc::UnboundedReceiver<Outcome>,
) {
    let mut batch: Vec<Outcome> = Vec::new();
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < cfg.max_batch {
            match rx.try_recv() {
                Ok(o) => batch.push(o),
                Err(_) => break,
            }
        }
        write_outcomes(&shared, &cfg, &mut batch).await;
        shared.wake_all();
    }
}

async fn write_outcomes(shared: &Arc<Shared>, cfg: &CompleterConfig, batch: &mut Vec<Outcome>) {
    let now = clock::now();
    let mut done: Vec<JobId> = Vec::new();
    let mut failures: Vec<(Job, Failure)> = Vec::new();
    let mut acks = Vec::new();
    for outcome in batch.drain(..) {
        match outcome {
            Outcome::Finished(job, Ok(())) => {
                tracing::debug!(job.id = %job.id, job.kind = %job.kind, job.queue = %job.queue, "job completed");
                done.push(job.id);
            }
            Outcome::Finished(job, Err(e)) => {
                let failure = to_failure(shared, &job, e, now);
                tracing::warn!(job.id = %job.id, job.kind = %job.kind, job.queue = %job.queue, job.attempt = job.attempt, ?failure, "job failed");
                failures.push((Job::clone(&job), failure));
            }
            Outcome::Cancelled(job, reason) => {
                tracing::info!(job.id = %job.id, job.kind = %job.kind, job.queue = %job.queue, "job cancelled");
                failures.push((Job::clone(&job), Failure::Cancel { reason }));
            }
            Outcome::Flush(ack) => acks.push(ack),
        }
    }
    let (n_done, n_failed) = (done.len() as u64, failures.len() as u64);
    let mut delay = cfg.retry_first;
    let writing = std::time::Instant::now();
    loop {
        let (owner, d, f) = (shared.id.to_string(), done.clone(), failures.clone());
        let res = shared
            .db
            .run(move |c| {
                let completed = queue::complete_many(c, &owner, &d, now)?;
                let failed = queue::record_failures(c, &owner, &f, now)?;
                Ok((completed, failed))
            })
            .await;
        match res {
            Ok((completed, failed)) => {
                let lost = (done.len() + failures.len()).saturating_sub(completed + failed);
                if lost > 0 {
                    tracing::warn!(
                        jobs = lost,
                        "outcomes dropped: those jobs were no longer held by this worker (rescued or handed back) and will run again"
                    );
                }
                tracing::debug!(
                    done = n_done,
                    failed = n_failed,
                    took_us = writing.elapsed().as_micros() as u64,
                    "outcomes written"
                );
                break;
            }
            Err(e) => {
                // Keep the outcomes and try again; if the database stays away past the
                // lease, the jobs are rescued and run again, never lost.
                tracing::warn!(error = %e, "recording job outcomes failed; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(cfg.retry_max);
            }
        }
    }
    shared.completed.fetch_add(n_done, Ordering::Relaxed);
    shared.failed.fetch_add(n_failed, Ordering::Relaxed);
    if n_done + n_failed > 0 {
        shared.written.send_modify(|n| *n += n_done + n_failed);
    }
    for ack in acks {
        let _ = ack.send(());
    }
}

/// What a failed attempt means for its job: a retry after the kind's backoff, a discard,
/// or a snooze that spends no attempt.
fn to_failure(shared: &Shared, job: &Job, e: JobError, now: chrono::NaiveDateTime) -> Failure {
    match e {
        JobError::Retry(error) => {
            let policy = shared
                .registry
                .get(&job.kind)
                .map(|k| k.retry)
                .unwrap_or_default();
            Failure::Retry {
                error,
                retry_at: now + clock::delta(policy.backoff(job.attempt)),
            }
        }
        JobError::Discard(error) => Failure::Discard { error },
        JobError::Snooze(d, note) => Failure::Snooze {
            until: now + clock::delta(d),
            note,
        },
    }
}

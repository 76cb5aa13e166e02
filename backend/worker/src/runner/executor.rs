//! The executor: each claimed job runs as its own task, under its kind's time limit, with
//! panics caught; its outcome goes to the completer.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt;
use longjobs_core::job::Job;
use tokio::sync::{Notify, OwnedSemaphorePermit};
use tracing::Instrument;

use super::shared::{Outcome, Running, Shared};
use crate::registry::{JobContext, JobError, Kind};

/// Runs `job` in a task holding one of its queue's slots (`permit`); when it ends, the
/// slot is freed and the queue's producer woken (`wake`).
pub(super) fn spawn_job(
    shared: &Arc<Shared>,
    job: Job,
    permit: OwnedSemaphorePermit,
    wake: Arc<Notify>,
) {
    let job = Arc::new(job);
    let id = job.id;
    let kind = shared.registry.get(&job.kind).cloned();
    shared.metrics.job_started(&job);
    // Every line logged while the job runs carries its id, kind, queue and attempt.
    let span = tracing::info_span!(
        "job",
        job.id = %id,
        job.kind = %job.kind,
        job.queue = %job.queue,
        job.attempt = job.attempt
    );
    let ctx = JobContext {
        job: job.clone(),
        worker_id: shared.id.clone(),
    };
    let s = shared.clone();
    let task_job = job.clone();
    // Hold the map while spawning so the task cannot finish before it is listed.
    let mut running = shared.running();
    let handle = tokio::spawn(
        async move {
            let _running = s.metrics.job_running(&task_job);
            let started = std::time::Instant::now();
            tracing::debug!("job started");
            let result = match kind {
                None => Err(JobError::Retry(format!(
                    "no handler for kind {:?} on worker {} (it runs: {})",
                    task_job.kind,
                    s.id,
                    s.registry.names().join(", ")
                ))),
                Some(kind) => run_handler(&kind, ctx).await,
            };
            let took = started.elapsed();
            tracing::debug!(took_us = took.as_micros() as u64, "job ended");
            s.metrics.job_finished(&task_job, took, &result);
            if let Some(pace) = s.pace.get(&task_job.queue) {
                pace.job_ran(took);
            }
            // A cancel or a shutdown may have taken the job meanwhile; then it reports.
            if s.running().remove(&id).is_some() {
                let _ = s.outcomes.send(Outcome::Finished(task_job, result));
            }
            drop(permit);
            wake.notify_one();
        }
        .instrument(span),
    );
    running.insert(
        id,
        Running {
            job,
            abort: handle.abort_handle(),
        },
    );
}

/// One attempt: the handler's own result, or a retryable failure when it runs past the
/// kind's time limit or panics.
async fn run_handler(kind: &Kind, ctx: JobContext) -> Result<(), JobError> {
    let run = AssertUnwindSafe(kind.handler.run(ctx)).catch_unwind();
    match tokio::time::timeout(kind.timeout, run).await {
        Err(_) => Err(JobError::Retry(format!(
            "timed out after {:?}",
            kind.timeout
        ))),
        Ok(Err(panic)) => Err(JobError::Retry(format!(
            "handler panicked: {}",
            panic_message(&panic)
        ))),
        Ok(Ok(result)) => result,
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_string())
}

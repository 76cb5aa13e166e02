//! What the runner reports as it goes — a worker started or is stopping, a job started,
//! finished, was cancelled or rescued, a heartbeat went through or not — turned into
//! counters, gauges and histograms. The runner names events; the labels are made here.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use longjobs_core::handler::JobError;
use longjobs_core::job::Job;

use super::{FailureLabels, JobLabels, QueueLabels, ResultLabels, WorkerLabels, WorkerMetrics};
use crate::shutdown::Shutdown;

impl JobLabels {
    fn of(job: &Job) -> Self {
        JobLabels {
            queue: job.queue.clone(),
            kind: job.kind.clone(),
        }
    }
}

impl QueueLabels {
    fn of(queue: &str) -> Self {
        QueueLabels {
            queue: queue.to_string(),
        }
    }
}

impl WorkerMetrics {
    /// A worker registered itself: its id and host, and how many slots each queue has.
    pub fn worker_started(&self, id: &str, host: &str, queues: &[(String, usize)]) {
        self.info
            .get_or_create(&WorkerLabels {
                worker: id.to_string(),
                host: host.to_string(),
            })
            .set(1);
        for (queue, concurrency) in queues {
            self.slots
                .get_or_create(&QueueLabels::of(queue))
                .set(i64::try_from(*concurrency).unwrap_or(i64::MAX));
        }
        self.set_stopping(Shutdown::Running);
    }

    /// The worker moved to `level` on its way out.
    pub fn set_stopping(&self, level: Shutdown) {
        self.stopping.set(level.level());
    }

    /// A claimed job starts: counted, and its pick-up latency (due → claimed) observed.
    pub fn job_started(&self, job: &Job) {
        self.started.get_or_create(&JobLabels::of(job)).inc();
        if let Some(claimed_at) = job.attempted_at {
            let waited = (claimed_at - job.run_at).num_microseconds().unwrap_or(0);
            self.pickup_seconds
                .get_or_create(&QueueLabels::of(&job.queue))
                .observe(waited.max(0) as f64 / 1e6);
        }
    }

    /// Counts `job` in `running_jobs` until the guard is dropped.
    pub fn job_running(self: &Arc<Self>, job: &Job) -> RunningGuard {
        let labels = QueueLabels::of(&job.queue);
        self.running.get_or_create(&labels).inc();
        RunningGuard {
            metrics: self.clone(),
            labels,
        }
    }

    /// An attempt of `job` ended after `ran`, as `result` says.
    pub fn job_finished(&self, job: &Job, ran: Duration, result: &Result<(), JobError>) {
        let labels = JobLabels::of(job);
        self.run_seconds
            .get_or_create(&labels)
            .observe(ran.as_secs_f64());
        let outcome = match result {
            Ok(()) => {
                self.completed.get_or_create(&labels).inc();
                return;
            }
            Err(JobError::Snooze(..)) => {
                self.snoozed.get_or_create(&labels).inc();
                return;
            }
            Err(JobError::Retry(_)) => "retry",
            Err(JobError::Discard(_)) => "discard",
        };
        self.failed
            .get_or_create(&FailureLabels {
                queue: labels.queue,
                kind: labels.kind,
                outcome: outcome.to_string(),
            })
            .inc();
    }

    /// A running job was stopped at an operator's request.
    pub fn job_cancelled(&self, job: &Job) {
        self.cancelled.get_or_create(&JobLabels::of(job)).inc();
    }

    /// This worker's rescuer returned a dead worker's job to the queue.
    pub fn job_rescued(&self, job: &Job) {
        self.rescued
            .get_or_create(&QueueLabels::of(&job.queue))
            .inc();
    }

    /// A stopping worker handed `n` unfinished jobs back.
    pub fn handed_back(&self, n: usize) {
        self.handed_back.inc_by(n as u64);
    }

    /// A heartbeat went through (`ok`) or failed; a good one also stamps the time.
    pub fn heartbeat(&self, ok: bool) {
        let result = if ok { "ok" } else { "error" };
        self.heartbeats
            .get_or_create(&ResultLabels {
                result: result.to_string(),
            })
            .inc();
        if ok {
            self.last_heartbeat.set(
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0.0, |d| d.as_secs_f64()),
            );
        }
    }
}

/// Counts a job in `running_jobs` for as long as its task lives, however it ends
/// (finished, cancelled or aborted at shutdown).
pub struct RunningGuard {
    metrics: Arc<WorkerMetrics>,
    labels: QueueLabels,
}

impl Drop for RunningGuard {
    fn drop(&mut self) {
        self.metrics.running.get_or_create(&self.labels).dec();
    }
}

//! The worker's Prometheus metrics: what this process did (jobs run, failures, run times,
//! pick-up latency, heartbeats, stop state). The runner reports through the methods in
//! `events.rs`; [`serve`] exposes them at `/metrics`.

mod events;
mod serve;

pub use events::RunningGuard;
pub use serve::{CONTENT_TYPE, serve};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct QueueLabels {
    queue: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct JobLabels {
    queue: String,
    kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct FailureLabels {
    queue: String,
    kind: String,
    /// `retry` (attempts left, or none: the queue decides) or `discard` (permanent).
    outcome: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ResultLabels {
    /// `ok` or `error`.
    result: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct WorkerLabels {
    worker: String,
    host: String,
}

fn run_time_histogram() -> Histogram {
    // 5 ms to about 6 h: Zenodo copies of large datasets run for hours.
    Histogram::new(exponential_buckets(0.005, 4.0, 12))
}

fn pickup_histogram() -> Histogram {
    // 1 ms to about 70 min.
    Histogram::new(exponential_buckets(0.001, 4.0, 12))
}

/// Every metric a worker keeps; cheap to update from any task.
pub struct WorkerMetrics {
    registry: Registry,
    started: Family<JobLabels, Counter>,
    completed: Family<JobLabels, Counter>,
    failed: Family<FailureLabels, Counter>,
    snoozed: Family<JobLabels, Counter>,
    cancelled: Family<JobLabels, Counter>,
    handed_back: Counter,
    rescued: Family<QueueLabels, Counter>,
    run_seconds: Family<JobLabels, Histogram, fn() -> Histogram>,
    pickup_seconds: Family<QueueLabels, Histogram, fn() -> Histogram>,
    running: Family<QueueLabels, Gauge>,
    slots: Family<QueueLabels, Gauge>,
    heartbeats: Family<ResultLabels, Counter>,
    last_heartbeat: Gauge<f64, std::sync::atomic::AtomicU64>,
    stopping: Gauge,
    info: Family<WorkerLabels, Gauge>,
}

impl std::fmt::Debug for WorkerMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WorkerMetrics")
    }
}

impl Default for WorkerMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl WorkerMetrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("longjobs_worker");
        let m = WorkerMetrics {
            started: Family::default(),
            completed: Family::default(),
            failed: Family::default(),
            snoozed: Family::default(),
            cancelled: Family::default(),
            handed_back: Counter::default(),
            rescued: Family::default(),
            run_seconds: Family::new_with_constructor(run_time_histogram),
            pickup_seconds: Family::new_with_constructor(pickup_histogram),
            running: Family::default(),
            slots: Family::default(),
            heartbeats: Family::default(),
            last_heartbeat: Gauge::default(),
            stopping: Gauge::default(),
            info: Family::default(),
            registry: Registry::default(),
        };
        registry.register(
            "jobs_started",
            "Jobs this worker claimed and started",
            m.started.clone(),
        );
        registry.register(
            "jobs_completed",
            "Jobs whose handler succeeded",
            m.completed.clone(),
        );
        registry.register(
            "jobs_failed",
            "Failed attempts (timeouts and panics included); outcome retry or discard",
            m.failed.clone(),
        );
        registry.register(
            "jobs_snoozed",
            "Attempts that asked to run again later without failing",
            m.snoozed.clone(),
        );
        registry.register(
            "jobs_cancelled",
            "Running jobs stopped at an operator's request",
            m.cancelled.clone(),
        );
        registry.register(
            "jobs_handed_back",
            "Unfinished jobs handed back when the worker stopped",
            m.handed_back.clone(),
        );
        registry.register(
            "jobs_rescued",
            "Jobs of dead workers this worker's rescuer returned to the queue",
            m.rescued.clone(),
        );
        registry.register(
            "job_run_seconds",
            "How long each attempt ran, whatever its outcome",
            m.run_seconds.clone(),
        );
        registry.register(
            "job_pickup_seconds",
            "From when a job was due (run_at) to when this worker claimed it",
            m.pickup_seconds.clone(),
        );
        registry.register(
            "running_jobs",
            "Jobs running in this worker now",
            m.running.clone(),
        );
        registry.register(
            "slots",
            "How many jobs of the queue this worker runs at once",
            m.slots.clone(),
        );
        registry.register(
            "heartbeats",
            "Heartbeats (lease renewals) by result",
            m.heartbeats.clone(),
        );
        registry.register(
            "last_heartbeat_timestamp_seconds",
            "Unix time of the last successful heartbeat",
            m.last_heartbeat.clone(),
        );
        registry.register(
            "stopping",
            "0 while running; 1 stopping gracefully (no more claims); 2 stopping now",
            m.stopping.clone(),
        );
        registry.register(
            "info",
            "This worker's id and host (always 1)",
            m.info.clone(),
        );
        WorkerMetrics { registry, ..m }
    }

    /// The Prometheus text of every metric now.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

//! Queues, workers, statistics and the audit log on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::enums::JobState;

/// How many jobs are in one state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct StateCount {
    pub state: JobState,
    pub count: i64,
}

/// A queue with its jobs counted by state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct QueueInfo {
    pub name: String,
    pub paused: bool,
    pub paused_at: Option<DateTime<Utc>>,
    pub paused_by: Option<String>,
    /// Every state, zero included.
    pub counts: Vec<StateCount>,
    pub total: i64,
    /// Most of its jobs running at once over all workers (absent: no limit).
    pub concurrency: Option<i32>,
    /// Most jobs started per `rate_period_secs` over all workers (absent: no limit).
    pub rate_limit: Option<i32>,
    pub rate_period_secs: Option<i32>,
    /// A live worker (heart-beating, not quiet, not stopping) takes jobs from this queue.
    pub served: bool,
    /// Due jobs of this queue that no live worker would run: all of them when the queue is
    /// not served, else those of `unserved_kinds`. Paused work is not counted.
    pub unserved_jobs: i64,
    /// Kinds with due jobs here that no live worker of this queue runs.
    pub unserved_kinds: Vec<KindCount>,
}

/// How many jobs of one kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct KindCount {
    pub kind: String,
    pub jobs: i64,
}

/// A worker process in the registry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct WorkerInfo {
    pub id: String,
    pub host: String,
    pub pid: i32,
    /// Queue name → concurrency.
    pub queues: serde_json::Value,
    pub started_at: DateTime<Utc>,
    pub last_heartbeat_at: DateTime<Utc>,
    pub stopped_at: Option<DateTime<Utc>>,
    pub running_jobs: i64,
    /// Heartbeat recent and not stopped.
    pub alive: bool,
    /// What an operator asked of it: quiet (claims nothing) or stop (on its way out).
    pub command: Option<crate::control::WorkerCommand>,
}

/// Job counts per queue and state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct Stats {
    pub queues: Vec<QueueInfo>,
    /// Totals over all queues, every state included.
    pub totals: Vec<StateCount>,
    pub workers_alive: i64,
}

/// Jobs finished in one minute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct MinutePoint {
    /// Start of the minute (UTC).
    pub minute: DateTime<Utc>,
    pub completed: i64,
    /// Discarded (failed for good).
    pub failed: i64,
    pub cancelled: i64,
}

/// Throughput and failures per minute, oldest first, every minute present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct TimeSeries {
    pub since: DateTime<Utc>,
    pub points: Vec<MinutePoint>,
}

/// Durations in one bucket, in milliseconds. Percentiles are read from a log histogram
/// (eight buckets per doubling): never below the true value, at most 9 % above it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct DurationStats {
    /// How many durations.
    pub count: i64,
    pub mean_ms: i64,
    pub p50_ms: i64,
    pub p95_ms: i64,
    pub p99_ms: i64,
    pub max_ms: i64,
}

/// Jobs that finished in one bucket (a minute or an hour).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct HistoryPoint {
    /// Start of the bucket (UTC).
    pub start: DateTime<Utc>,
    pub completed: i64,
    /// Discarded (failed for good).
    pub failed: i64,
    pub cancelled: i64,
    /// Attempts that failed among the jobs that finished here (every attempt of a
    /// discarded job, all but the last of a completed one).
    pub failed_attempts: i64,
    /// Run time of the last attempt (completed and discarded jobs).
    pub run: Option<DurationStats>,
    /// Queue wait of the last attempt: from due (`run_at`) to started.
    pub wait: Option<DurationStats>,
}

/// Finished jobs over a range, oldest bucket first, every bucket present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct History {
    /// The range asked for: `1h`, `24h`, `7d` or `30d`.
    pub range: String,
    /// Length of each bucket: 60 (minutes, for `1h`) or 3600 (hours).
    pub bucket_secs: i32,
    /// Start of the first bucket.
    pub since: DateTime<Utc>,
    /// Jobs finished before this are counted in the stored history (which outlives the job
    /// rows); later ones are read from the job rows. Absent before the first roll-up.
    pub rolled_through: Option<DateTime<Utc>>,
    pub points: Vec<HistoryPoint>,
}

/// One audited action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub detail: Option<String>,
}

/// A page of the audit log, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the next page.
    pub next_before: Option<i64>,
}

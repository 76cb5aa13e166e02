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

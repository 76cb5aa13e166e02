//! Control while running on the wire: queue limits, job-kind pauses, worker commands.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A queue's limits across every worker; an absent field removes that limit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct QueueLimits {
    /// Most of the queue's jobs running at once, over all workers (1 to 10000).
    pub concurrency: Option<i32>,
    /// Most jobs started per `rate_period_secs`, over all workers (1 to 1000000).
    pub rate_limit: Option<i32>,
    /// The rate limit's period in seconds (1 to 86400; 60 when a rate is given without it).
    pub rate_period_secs: Option<i32>,
}

/// A job kind some worker runs or an operator paused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct KindInfo {
    pub kind: String,
    pub paused: bool,
    pub paused_at: Option<DateTime<Utc>>,
    pub paused_by: Option<String>,
    /// Live workers that run this kind.
    pub workers: i64,
}

/// What an operator asked a worker to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Enum))]
#[cfg_attr(feature = "server", oai(rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum WorkerCommand {
    /// Claims nothing more; running jobs finish. Shown as "quiet".
    Quiet,
    /// Finishes or hands back its jobs, then exits. Shown as "stopping".
    Stop,
}

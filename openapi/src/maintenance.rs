//! The maintenance workflow on the wire: drain, status, restart.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A maintenance switch that is on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct SwitchOn {
    pub since: DateTime<Utc>,
    pub by: String,
}

/// A job still running while draining.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct RunningJob {
    pub id: i64,
    pub queue: String,
    pub kind: String,
    pub worker: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub running_for_secs: i64,
}

/// Where maintenance stands, live.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct MaintenanceStatus {
    /// Zenodo copies are deferred when their turn comes.
    pub zenodo_deferred: Option<SwitchOn>,
    /// Merritt submissions are held when their turn comes.
    pub merritt_held: Option<SwitchOn>,
    /// Queues paused with the generic pause.
    pub paused_queues: Vec<String>,
    /// Replication jobs running now (a dead worker's jobs are not counted once their
    /// lease has expired).
    pub running: Vec<RunningJob>,
    pub deferred_copies: i64,
    pub held_submissions: i64,
    /// A drain is on and nothing it covers is running: safe to shut down.
    pub drained: bool,
    pub drain_started_at: Option<DateTime<Utc>>,
    /// When the last covered job ended (or the drain began, if none was running).
    pub drained_at: Option<DateTime<Utc>>,
    /// Seconds since the drain began.
    pub drain_age_secs: Option<i64>,
    /// The old status script's four counts.
    pub submissions_enqueued: i64,
    pub submissions_processing_7d: i64,
    pub zenodo_enqueued: i64,
    pub zenodo_replicating_7d: i64,
    /// Conditions that need a person (e.g. a hold older than its limit).
    pub alerts: Vec<String>,
}

/// What to drain; both by default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct DrainRequest {
    /// Defer Zenodo replication.
    #[cfg_attr(feature = "server", oai(default = "yes"))]
    #[serde(default = "yes")]
    pub zenodo: bool,
    /// Hold Merritt submissions.
    #[cfg_attr(feature = "server", oai(default = "yes"))]
    #[serde(default = "yes")]
    pub merritt: bool,
}

fn yes() -> bool {
    true
}

/// What a restart did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct RestartResult {
    pub switches_cleared: Vec<String>,
    /// Copies the drain had parked, back in the work queue (restart brings back what the
    /// drain parked, no more: a copy that failed for good before the drain is not resent).
    pub copies_requeued: Vec<i64>,
    pub submissions_requeued: Vec<i64>,
    /// What restart left for an operator to do, in words (empty when nothing).
    #[cfg_attr(feature = "server", oai(default))]
    #[serde(default)]
    pub notes: Vec<String>,
}

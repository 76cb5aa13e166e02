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

/// Due jobs that no live worker would run: a whole queue no live worker serves (no
/// `kind`), or one kind that no live worker of its queue runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct UnservedWork {
    pub queue: String,
    pub kind: Option<String>,
    pub jobs: i64,
    /// When the oldest of them became due.
    pub since: DateTime<Utc>,
    /// "no live worker serves queue reports", "no live worker of queue default runs kind
    /// build_usage_report".
    pub reason: String,
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
    /// Due work no live worker would run (paused queues and kinds are not counted), now
    /// rather than after the alert's delay.
    pub unserved: Vec<UnservedWork>,
    /// The jobs of `unserved`, counted once.
    pub unserved_jobs: i64,
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

/// One word for a remote service's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "server", derive(poem_openapi::Enum))]
#[cfg_attr(feature = "server", oai(rename_all = "snake_case"))]
pub enum RemoteVerdict {
    /// The probe answers and few recent calls failed.
    Up,
    /// It answers, but many recent calls failed (5xx or no answer), or the probe was refused.
    Degraded,
    /// The latest probe got no answer or a 5xx.
    Down,
    /// No fresh probe and no recent call to judge by.
    Unknown,
}

/// The latest probe of a remote service (each worker probes every minute).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct RemoteProbe {
    pub checked_at: DateTime<Utc>,
    pub ok: bool,
    /// The HTTP status, when the service answered at all.
    pub status: Option<i32>,
    pub took_ms: i64,
    pub message: String,
    /// The host of the worker that probed.
    pub host: String,
    /// False once older than three minutes: no worker has probed lately.
    pub fresh: bool,
}

/// What the latest real calls to a remote service came to (from the request logs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct RemoteCalls {
    pub calls: i64,
    pub ok: i64,
    pub client_errors: i64,
    pub server_errors: i64,
    /// Calls that got no answer (refused, reset, timed out).
    pub network_errors: i64,
    pub last_at: Option<DateTime<Utc>>,
    pub last_failure: Option<String>,
}

/// Whether Zenodo or Merritt answers, and what that rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct RemoteHealth {
    /// `zenodo` or `merritt`.
    pub service: String,
    pub verdict: RemoteVerdict,
    /// One sentence, e.g. "Zenodo: degraded (probe answered 200 in 35 ms, 40 s ago from
    /// w1); of the last 20 calls, 8 answered 2xx/3xx, 12 answered 5xx".
    pub summary: String,
    pub probe: Option<RemoteProbe>,
    pub recent: RemoteCalls,
}

//! Periodic jobs on the wire: the daily retry and any other recurring job, with their
//! schedule, last and next run.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::enums::JobState;

/// A recurring job the workers' scheduler enqueues.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct PeriodicJob {
    /// e.g. `zenodo.retry_errors` (the daily retry of copies in error).
    pub name: String,
    pub queue: String,
    pub kind: String,
    /// As stored and set: `daily HH:MM` (UTC) or `every <n>s`.
    pub schedule: String,
    /// In words, e.g. "daily at 03:00 UTC".
    pub schedule_text: String,
    /// Paused: the scheduler does not run it (run now still does).
    pub paused: bool,
    /// When the last run was enqueued (by the schedule or by "run now").
    pub last_run_at: Option<DateTime<Utc>>,
    /// The last run's job.
    pub last_job_id: Option<i64>,
    /// The last run's job state: its outcome once it ended (`null`: no run yet, or the job
    /// was pruned).
    pub last_job_state: Option<JobState>,
    /// When the schedule runs it next (while paused: when it would).
    pub next_run_at: DateTime<Utc>,
    /// Who changed it last: `settings` (a worker's start-up) or the operator.
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

/// A run started by "run now".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct PeriodicRun {
    /// The job enqueued.
    pub job_id: i64,
    pub periodic: PeriodicJob,
}

//! Jobs on the wire: listings, details, enqueueing and actions.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::enums::{ActionResult, JobAction, JobState};
use crate::text::Text;

/// A job as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct JobSummary {
    pub id: i64,
    pub queue: String,
    pub kind: String,
    pub state: JobState,
    pub priority: i32,
    pub attempt: i32,
    pub max_attempts: i32,
    pub run_at: DateTime<Utc>,
    pub unique_key: Option<String>,
    pub ordering_key: Option<String>,
    /// The worker holding the job while it runs.
    pub lease_owner: Option<String>,
    pub cancel_requested: bool,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub attempted_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// One entry of a job's error history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct JobHistoryEntry {
    pub at: DateTime<Utc>,
    pub attempt: i32,
    /// `error`, `rescued`, `handed_back` or `operator`.
    pub kind: String,
    pub message: String,
    pub worker: Option<String>,
}

/// A job with its payload and history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct JobDetail {
    pub job: JobSummary,
    pub payload: serde_json::Value,
    pub lease_expires_at: Option<DateTime<Utc>>,
    /// Oldest first; bounded to the most recent entries.
    pub history: Vec<JobHistoryEntry>,
    /// Retry, cancel and discard: whether each applies to the job as it is now and, when
    /// not, why (the rule the action itself follows).
    pub actions: Vec<JobActionCheck>,
    /// Why this waiting job has no worker to run it ("no live worker serves queue
    /// reports"); absent when a live worker would take it, when a pause holds it, or when
    /// it is not waiting.
    pub unserved_reason: Option<String>,
}

/// Whether an operator action applies to a job in its current state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct JobActionCheck {
    pub action: JobAction,
    pub applies: bool,
    /// Why it does not apply (e.g. "the job is already completed"); absent when it does.
    pub reason: Option<String>,
}

/// A page of jobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct JobPage {
    pub jobs: Vec<JobSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct NewJob {
    #[cfg_attr(feature = "server", oai(validator(min_length = 1, max_length = 200)))]
    pub queue: Text,
    #[cfg_attr(feature = "server", oai(validator(min_length = 1, max_length = 200)))]
    pub kind: Text,
    /// Any JSON; handed to the job's handler. `{}` when absent.
    #[cfg_attr(feature = "server", oai(default))]
    #[serde(default)]
    pub payload: Option<serde_json::Value>,
    /// Higher runs first; 0 when absent.
    #[cfg_attr(feature = "server", oai(default))]
    #[serde(default)]
    pub priority: Option<i32>,
    /// 1 to 1000; 5 when absent.
    #[cfg_attr(feature = "server", oai(default))]
    #[serde(default)]
    pub max_attempts: Option<i32>,
    /// Not before this time; now when absent.
    #[cfg_attr(feature = "server", oai(default))]
    #[serde(default)]
    pub run_at: Option<DateTime<Utc>>,
    /// While a live job holds this key, the existing job is returned instead.
    #[cfg_attr(feature = "server", oai(default))]
    #[serde(default)]
    pub unique_key: Option<Text>,
    /// Jobs sharing this key run one at a time in id order.
    #[cfg_attr(feature = "server", oai(default))]
    #[serde(default)]
    pub ordering_key: Option<Text>,
}

/// One or many jobs to enqueue in one transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct EnqueueJobs {
    /// 1 to 10,000 jobs.
    #[cfg_attr(feature = "server", oai(validator(min_items = 1, max_items = 10000)))]
    pub jobs: Vec<NewJob>,
}

/// What became of each job asked for, in the order asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct EnqueuedJob {
    pub job: JobSummary,
    /// False when the unique key was held and `job` is the existing holder.
    pub inserted: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct EnqueueResult {
    pub jobs: Vec<EnqueuedJob>,
}

/// Which jobs a listing or a bulk action covers. Every field narrows the set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct JobFilter {
    #[cfg_attr(feature = "server", oai(default))]
    #[serde(default)]
    pub queue: Option<Text>,
    #[cfg_attr(feature = "server", oai(default))]
    #[serde(default)]
    pub kind: Option<Text>,
    #[cfg_attr(feature = "server", oai(default))]
    #[serde(default)]
    pub states: Vec<JobState>,
    #[cfg_attr(feature = "server", oai(default))]
    #[serde(default)]
    pub ordering_key: Option<Text>,
    #[cfg_attr(feature = "server", oai(default))]
    #[serde(default)]
    pub unique_key: Option<Text>,
    /// Text contained in the payload or the last error.
    #[cfg_attr(feature = "server", oai(default))]
    #[serde(default)]
    pub text: Option<Text>,
    #[cfg_attr(feature = "server", oai(default))]
    #[serde(default)]
    pub created_after: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "server", oai(default))]
    #[serde(default)]
    pub created_before: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "server", oai(default))]
    #[serde(default)]
    pub finished_after: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "server", oai(default))]
    #[serde(default)]
    pub finished_before: Option<DateTime<Utc>>,
    /// Only jobs with an id at or below this. A bulk action passes its dry run's `max_id`
    /// here, so jobs enqueued after the operator confirmed the count are left alone.
    #[cfg_attr(feature = "server", oai(default))]
    #[serde(default)]
    pub max_id: Option<i64>,
}

/// An action on the listed ids, or on every job matching a filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct BulkAction {
    pub action: JobAction,
    /// The jobs to act on (at most 10,000); give this or `filter`, not both.
    #[cfg_attr(feature = "server", oai(default, validator(max_items = 10000)))]
    #[serde(default)]
    pub ids: Vec<i64>,
    /// Act on every job matching this filter. A filter that narrows nothing (no field
    /// but `max_id`) is refused unless `all` is true.
    #[cfg_attr(feature = "server", oai(default))]
    #[serde(default)]
    pub filter: Option<JobFilter>,
    /// Confirms acting on every job (up to `filter.max_id` when given): needed when the
    /// filter is absent or narrows nothing.
    #[cfg_attr(feature = "server", oai(default))]
    #[serde(default)]
    pub all: bool,
    /// Only count what would be acted on.
    #[cfg_attr(feature = "server", oai(default))]
    #[serde(default)]
    pub dry_run: bool,
}

/// What an action did to one job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct ActionOutcome {
    pub id: i64,
    pub outcome: ActionResult,
    /// The job's state after a `done`.
    pub state: Option<JobState>,
    /// Why nothing changed, for `refused`.
    pub reason: Option<String>,
}

/// The result of an action on several jobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct BulkActionResult {
    pub action: JobAction,
    pub dry_run: bool,
    /// Jobs matched by the ids or filter.
    pub matched: i64,
    /// The highest id matched (absent when nothing matched). Pass it back as the filter's
    /// `max_id` to act on exactly the jobs a dry run counted.
    pub max_id: Option<i64>,
    /// Jobs the action changed (or asked to cancel).
    pub changed: i64,
    /// Jobs left as they were, with the reason in `outcomes`.
    pub refused: i64,
    /// Per-job outcomes (empty for a dry run; at most the first 1,000).
    pub outcomes: Vec<ActionOutcome>,
}

/// How many jobs match a filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct JobCount {
    pub count: i64,
    /// The highest id matched (absent when nothing matched).
    pub max_id: Option<i64>,
}

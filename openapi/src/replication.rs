//! Zenodo copies and Merritt submissions on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::jobs::JobDetail;
use crate::text::Text;

/// What a copy carries: `data`; `software` + `software_publish`; `supp` + `supp_publish`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Enum))]
#[cfg_attr(feature = "server", oai(rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum CopyType {
    Data,
    Software,
    SoftwarePublish,
    Supp,
    SuppPublish,
}

impl CopyType {
    pub const ALL: [CopyType; 5] = [
        CopyType::Data,
        CopyType::Software,
        CopyType::SoftwarePublish,
        CopyType::Supp,
        CopyType::SuppPublish,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CopyType::Data => "data",
            CopyType::Software => "software",
            CopyType::SoftwarePublish => "software_publish",
            CopyType::Supp => "supp",
            CopyType::SuppPublish => "supp_publish",
        }
    }
}

/// Where a copy is: `enqueued` (waiting for its turn), `replicating` (being sent),
/// `retrying` (an attempt failed and its job tries again by itself: see `retry`),
/// `finished`, `error` (failed with no automatic retry left), `given_up` (ended by an
/// operator without replicating it: see `given_up_reason`), `deferred` (parked for
/// maintenance).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Enum))]
#[cfg_attr(feature = "server", oai(rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum CopyState {
    Enqueued,
    Replicating,
    Retrying,
    Finished,
    Error,
    GivenUp,
    Deferred,
}

impl CopyState {
    pub const ALL: [CopyState; 7] = [
        CopyState::Enqueued,
        CopyState::Replicating,
        CopyState::Retrying,
        CopyState::Finished,
        CopyState::Error,
        CopyState::GivenUp,
        CopyState::Deferred,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CopyState::Enqueued => "enqueued",
            CopyState::Replicating => "replicating",
            CopyState::Retrying => "retrying",
            CopyState::Finished => "finished",
            CopyState::Error => "error",
            CopyState::GivenUp => "given_up",
            CopyState::Deferred => "deferred",
        }
    }

    /// Finished or given up: nothing more happens to it by itself.
    pub fn is_settled(self) -> bool {
        matches!(self, CopyState::Finished | CopyState::GivenUp)
    }
}

/// When a `retrying` copy's job tries again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct CopyRetry {
    /// The attempt that failed (1-based).
    pub attempt: i32,
    /// Attempts its job gets in all.
    pub max_attempts: i32,
    /// When the next attempt starts at the earliest.
    pub next_at: DateTime<Utc>,
}

/// Upload progress of the current (or last) attempt: the manifest's files on Zenodo so far
/// and their bytes, of the whole manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct CopyProgress {
    pub files_done: i32,
    pub files_total: i32,
    pub bytes_done: i64,
    pub bytes_total: i64,
}

/// One file to copy, fetched by the worker from `url`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct ManifestFile {
    pub name: Text,
    /// Bytes; Zenodo refuses empty files.
    pub size: i64,
    /// Hex MD5 of the content; the upload is checked against it.
    pub md5: Text,
    pub url: Text,
}

/// Ask for a copy of a dataset version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct NewCopy {
    /// The dataset, e.g. `doi:10.5061/dryad.abc123`.
    #[cfg_attr(feature = "server", oai(validator(min_length = 1, max_length = 200)))]
    pub identifier: Text,
    /// The dataset version.
    pub resource_id: i64,
    pub copy_type: CopyType,
    /// Zenodo metadata: title, upload_type, description, creators (required), license,
    /// keywords, related_identifiers…
    pub metadata: serde_json::Value,
    /// At most 100 files, 50 GB in all.
    #[cfg_attr(feature = "server", oai(validator(max_items = 100)))]
    pub files: Vec<ManifestFile>,
}

/// A copy as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct ZenodoCopy {
    pub id: i64,
    pub identifier: String,
    pub resource_id: i64,
    pub copy_type: CopyType,
    pub state: CopyState,
    pub deposition_id: Option<i64>,
    pub software_doi: Option<String>,
    pub conceptrecid: Option<String>,
    /// Real attempts made (a clean first success shows 1; every retry and resend adds one).
    pub attempts: i32,
    /// For a `retrying` copy: the attempt that failed, of how many, and when the next starts.
    pub retry: Option<CopyRetry>,
    /// Times the daily retry resent it (its limit, `LONGJOBS_DAILY_RETRY_LIMIT`, counts these).
    pub daily_retries: i32,
    /// Taken out of the daily retry by an operator (`daily_retry_note` says who and why).
    pub daily_retry_excluded: bool,
    pub daily_retry_note: Option<String>,
    /// Why an operator gave up on it (state `given_up`).
    pub given_up_reason: Option<String>,
    /// Upload progress of the current (or last) attempt.
    pub progress: CopyProgress,
    pub note: Option<String>,
    pub last_error: Option<String>,
    /// Bytes in all files.
    pub size: i64,
    /// The job that runs it (linked by id).
    pub job_id: Option<i64>,
    /// The earlier unfinished copy this one waits on.
    pub waiting_on: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A request-log line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct CopyLogLine {
    pub at: DateTime<Utc>,
    /// REQUEST, RESPONSE, ERROR or INFO.
    pub kind: String,
    pub message: String,
}

/// A copy with its full request log and its job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct CopyDetail {
    pub copy: ZenodoCopy,
    pub metadata: serde_json::Value,
    pub files: Vec<ManifestFile>,
    pub log: Vec<CopyLogLine>,
    pub job: Option<JobDetail>,
}

/// A page of copies, newest first unless sorted otherwise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct CopyPage {
    pub copies: Vec<ZenodoCopy>,
    /// Pass as `cursor`, with the same sort and order, for the next page; absent on the
    /// last page.
    pub next_cursor: Option<String>,
    /// Newest first only: pass as `before` for the next page (older clients).
    pub next_before: Option<i64>,
    /// Copies matching the filters on every page (`before` and `cursor` aside).
    pub total: i64,
}

/// Give up on a copy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct GiveUpCopy {
    /// Why (required; kept on the copy and in the audit log).
    #[cfg_attr(feature = "server", oai(validator(min_length = 1, max_length = 1000)))]
    pub reason: Text,
}

/// A copy given up on and the copies that run now in its place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct GivenUp {
    pub copy: ZenodoCopy,
    /// Later copies of its group released (their jobs run now), in order.
    pub released: Vec<i64>,
}

/// Take a copy out of the daily retry, or put it back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct DailyRetryChoice {
    /// true: the daily retry leaves this copy (and the copies behind it) alone.
    pub excluded: bool,
    /// Why (required; kept on the copy and in the audit log).
    #[cfg_attr(feature = "server", oai(validator(min_length = 1, max_length = 1000)))]
    pub reason: Text,
}

/// Copies put back in the work queue, in the order they will run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct Requeued {
    pub requeued: Vec<i64>,
}

/// Resend several copies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct ResendCopies {
    #[cfg_attr(feature = "server", oai(validator(min_items = 1, max_items = 1000)))]
    pub ids: Vec<i64>,
}

/// What a resend did to one copy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct ResendOutcome {
    pub id: i64,
    /// The copies requeued (this one and any later of its group).
    pub requeued: Vec<i64>,
    /// Why it was refused (prerequisite, in runner…).
    pub refused: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct ResendResult {
    pub outcomes: Vec<ResendOutcome>,
}

/// Where a Merritt submission is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Enum))]
#[cfg_attr(feature = "server", oai(rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum SubmissionState {
    Enqueued,
    Processing,
    ProvisionalComplete,
    Completed,
    Errored,
    RejectedShuttingDown,
    /// An operator gave up on it: ended without submitting (the reason is in its history).
    GivenUp,
}

impl SubmissionState {
    pub const ALL: [SubmissionState; 7] = [
        SubmissionState::Enqueued,
        SubmissionState::Processing,
        SubmissionState::ProvisionalComplete,
        SubmissionState::Completed,
        SubmissionState::Errored,
        SubmissionState::RejectedShuttingDown,
        SubmissionState::GivenUp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SubmissionState::Enqueued => "enqueued",
            SubmissionState::Processing => "processing",
            SubmissionState::ProvisionalComplete => "provisional_complete",
            SubmissionState::Completed => "completed",
            SubmissionState::Errored => "errored",
            SubmissionState::RejectedShuttingDown => "rejected_shutting_down",
            SubmissionState::GivenUp => "given_up",
        }
    }
}

/// A file for Merritt to fetch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct MerrittFile {
    pub url: Text,
    pub size: i64,
    pub md5: Text,
    pub name: Text,
}

/// Submit a dataset version to Merritt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct NewSubmission {
    pub resource_id: i64,
    /// The DOI, used as Merritt's local identifier.
    #[cfg_attr(feature = "server", oai(validator(min_length = 1, max_length = 200)))]
    pub identifier: Text,
    #[cfg_attr(feature = "server", oai(validator(min_items = 1, max_items = 10000)))]
    pub files: Vec<MerrittFile>,
    #[cfg_attr(feature = "server", oai(validator(min_length = 1, max_length = 200)))]
    pub profile: Text,
    #[cfg_attr(feature = "server", oai(validator(min_length = 1, max_length = 200)))]
    pub submitter: Text,
}

/// One state a submission went through, with the host that wrote it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct SubmissionStateEntry {
    pub state: SubmissionState,
    pub host: String,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct Submission {
    pub id: i64,
    pub resource_id: i64,
    pub identifier: String,
    pub state: SubmissionState,
    /// The host that wrote the current state.
    pub host: String,
    pub ark: Option<String>,
    pub job_id: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Bytes of the files it deposits.
    pub size: i64,
    /// Oldest first.
    pub history: Vec<SubmissionStateEntry>,
}

/// A page of submissions, newest first unless sorted otherwise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct SubmissionPage {
    pub submissions: Vec<Submission>,
    /// Pass as `cursor`, with the same sort and order, for the next page; absent on the
    /// last page.
    pub next_cursor: Option<String>,
    /// Submissions matching the filters on every page.
    pub total: i64,
}

/// One dataset (an identifier): its Zenodo copies and its Merritt submissions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct Dataset {
    pub identifier: String,
    /// Every copy of the identifier, oldest first (the order they run in).
    pub copies: Vec<ZenodoCopy>,
    /// Every submission of the identifier, oldest first.
    pub submissions: Vec<Submission>,
}

/// The Merritt queue at a glance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct MerrittStatus {
    pub held: bool,
    pub held_since: Option<DateTime<Utc>>,
    pub held_by: Option<String>,
    pub enqueued: i64,
    pub processing: i64,
    pub provisional_complete: i64,
    pub rejected_shutting_down: i64,
    pub errored: i64,
    pub completed_last_24h: i64,
    /// In flight: enqueued + processing + provisional.
    pub queue_length: i64,
    /// Alert conditions that hold now.
    pub alerts: Vec<String>,
}

/// Submission ids to send again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct ResendSubmissions {
    #[cfg_attr(feature = "server", oai(validator(min_items = 1, max_items = 1000)))]
    pub ids: Vec<i64>,
}

/// Copies moved to `error` by "reset stalled".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct ResetStalled {
    pub reset: Vec<i64>,
}

/// Resend every unfinished copy of one dataset, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct ResendChain {
    #[cfg_attr(feature = "server", oai(validator(min_length = 1, max_length = 200)))]
    pub identifier: Text,
}

/// An event for the host application: a copy finished or failed for good, a submission
/// completed or failed for good. `body` is exactly what the event webhook receives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct HostEvent {
    /// Increasing; pass the last one seen as `after` to read on.
    pub id: i64,
    /// `copy.finished`, `copy.error`, `submission.completed` or `submission.error`.
    pub event: String,
    /// The copy's or submission's id.
    pub subject_id: i64,
    pub identifier: String,
    pub created_at: DateTime<Utc>,
    /// When the event webhook took it (`null`: not yet, or no webhook configured).
    pub delivered_at: Option<DateTime<Utc>>,
    /// Delivery attempts so far.
    pub delivery_attempts: i32,
    /// Why the last attempt failed, while it is not delivered.
    pub last_delivery_error: Option<String>,
    /// The webhook's JSON body: `id`, `event`, `created_at` and the subject's fields
    /// (copy: `copy_id`, `deposition_id`, `doi`, `concept_doi`, …; submission: `ark`, …).
    pub body: serde_json::Value,
}

/// Events in id order after a cursor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct HostEventPage {
    pub events: Vec<HostEvent>,
    /// Pass as `after` for the next page: the last event's id, or the cursor given when
    /// nothing newer exists yet (poll again with it later).
    pub next_after: Option<i64>,
}

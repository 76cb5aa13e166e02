//! Enumerations on the wire: job states, roles, job actions and sort orders.

use serde::{Deserialize, Serialize};

/// Where a job is in its life (see the engine's documentation of each state).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Enum))]
#[cfg_attr(feature = "server", oai(rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Scheduled,
    Available,
    Running,
    Retryable,
    Completed,
    Discarded,
    Cancelled,
}

impl JobState {
    pub const ALL: [JobState; 7] = [
        JobState::Scheduled,
        JobState::Available,
        JobState::Running,
        JobState::Retryable,
        JobState::Completed,
        JobState::Discarded,
        JobState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Scheduled => "scheduled",
            JobState::Available => "available",
            JobState::Running => "running",
            JobState::Retryable => "retryable",
            JobState::Completed => "completed",
            JobState::Discarded => "discarded",
            JobState::Cancelled => "cancelled",
        }
    }
}

/// What a user or token may do: viewer < operator < admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Enum))]
#[cfg_attr(feature = "server", oai(rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    Operator,
    Admin,
}

/// An operator action on jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Enum))]
#[cfg_attr(feature = "server", oai(rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum JobAction {
    /// Run again now (from retryable, discarded, cancelled or scheduled; a completed job
    /// is not run again).
    Retry,
    /// Stop: at once when waiting, at the worker's next heartbeat when running.
    Cancel,
    /// Give up on a waiting job.
    Discard,
}

/// What an action did to one job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Enum))]
#[cfg_attr(feature = "server", oai(rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum ActionResult {
    /// The job moved to the state given beside it.
    Done,
    /// The job is running; its worker cancels it at its next heartbeat.
    CancelRequested,
    /// Nothing changed, for the reason given beside it.
    Refused,
    /// There is no such job.
    NotFound,
}

impl ActionResult {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionResult::Done => "done",
            ActionResult::CancelRequested => "cancel_requested",
            ActionResult::Refused => "refused",
            ActionResult::NotFound => "not_found",
        }
    }

    /// Whether the action changed the job (or asked its worker to).
    pub fn changed(self) -> bool {
        matches!(self, ActionResult::Done | ActionResult::CancelRequested)
    }
}

/// What a job listing is ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "server", derive(poem_openapi::Enum))]
#[cfg_attr(feature = "server", oai(rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum JobSort {
    #[default]
    Id,
    CreatedAt,
    RunAt,
    Priority,
}

/// What a listing of Zenodo copies is ordered by (ties broken by id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "server", derive(poem_openapi::Enum))]
#[cfg_attr(feature = "server", oai(rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum CopySort {
    #[default]
    Id,
    Identifier,
    ResourceId,
    State,
    CopyType,
    Size,
    Attempts,
    CreatedAt,
    UpdatedAt,
}

impl CopySort {
    pub const ALL: [CopySort; 9] = [
        CopySort::Id,
        CopySort::Identifier,
        CopySort::ResourceId,
        CopySort::State,
        CopySort::CopyType,
        CopySort::Size,
        CopySort::Attempts,
        CopySort::CreatedAt,
        CopySort::UpdatedAt,
    ];

    /// The name used in query strings and cursors.
    pub fn as_str(self) -> &'static str {
        match self {
            CopySort::Id => "id",
            CopySort::Identifier => "identifier",
            CopySort::ResourceId => "resource_id",
            CopySort::State => "state",
            CopySort::CopyType => "copy_type",
            CopySort::Size => "size",
            CopySort::Attempts => "attempts",
            CopySort::CreatedAt => "created_at",
            CopySort::UpdatedAt => "updated_at",
        }
    }
}

/// What a listing of Merritt submissions is ordered by (ties broken by id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "server", derive(poem_openapi::Enum))]
#[cfg_attr(feature = "server", oai(rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum SubmissionSort {
    #[default]
    Id,
    Identifier,
    ResourceId,
    State,
    Size,
    CreatedAt,
    UpdatedAt,
}

impl SubmissionSort {
    pub const ALL: [SubmissionSort; 7] = [
        SubmissionSort::Id,
        SubmissionSort::Identifier,
        SubmissionSort::ResourceId,
        SubmissionSort::State,
        SubmissionSort::Size,
        SubmissionSort::CreatedAt,
        SubmissionSort::UpdatedAt,
    ];

    /// The name used in query strings and cursors.
    pub fn as_str(self) -> &'static str {
        match self {
            SubmissionSort::Id => "id",
            SubmissionSort::Identifier => "identifier",
            SubmissionSort::ResourceId => "resource_id",
            SubmissionSort::State => "state",
            SubmissionSort::Size => "size",
            SubmissionSort::CreatedAt => "created_at",
            SubmissionSort::UpdatedAt => "updated_at",
        }
    }
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "server", derive(poem_openapi::Enum))]
#[cfg_attr(feature = "server", oai(rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    Asc,
    #[default]
    Desc,
}

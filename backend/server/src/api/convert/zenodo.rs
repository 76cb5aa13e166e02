//! Zenodo copies between the replication crate's types and the wire types: types, states,
//! copies, sort keys and paging cursors.

use longjobs_core::job::{Job, JobState};
use longjobs_openapi as wire;
use longjobs_replication::zenodo::{CopyState, CopyType, ZenodoCopy, store};

use super::cursor::{Keyed, WireSort, cursor_in, cursor_out};
use super::utc;
use crate::error::ApiError;

pub fn copy_type_in(t: wire::CopyType) -> CopyType {
    match t {
        wire::CopyType::Data => CopyType::Data,
        wire::CopyType::Software => CopyType::Software,
        wire::CopyType::SoftwarePublish => CopyType::SoftwarePublish,
        wire::CopyType::Supp => CopyType::Supp,
        wire::CopyType::SuppPublish => CopyType::SuppPublish,
    }
}

pub fn copy_type_out(t: CopyType) -> wire::CopyType {
    match t {
        CopyType::Data => wire::CopyType::Data,
        CopyType::Software => wire::CopyType::Software,
        CopyType::SoftwarePublish => wire::CopyType::SoftwarePublish,
        CopyType::Supp => wire::CopyType::Supp,
        CopyType::SuppPublish => wire::CopyType::SuppPublish,
    }
}

pub fn state_out(s: CopyState) -> wire::CopyState {
    match s {
        CopyState::Enqueued => wire::CopyState::Enqueued,
        CopyState::Replicating => wire::CopyState::Replicating,
        CopyState::Retrying => wire::CopyState::Retrying,
        CopyState::Finished => wire::CopyState::Finished,
        CopyState::Error => wire::CopyState::Error,
        CopyState::GivenUp => wire::CopyState::GivenUp,
        CopyState::Deferred => wire::CopyState::Deferred,
    }
}

pub fn state_in(s: wire::CopyState) -> CopyState {
    match s {
        wire::CopyState::Enqueued => CopyState::Enqueued,
        wire::CopyState::Replicating => CopyState::Replicating,
        wire::CopyState::Retrying => CopyState::Retrying,
        wire::CopyState::Finished => CopyState::Finished,
        wire::CopyState::Error => CopyState::Error,
        wire::CopyState::GivenUp => CopyState::GivenUp,
        wire::CopyState::Deferred => CopyState::Deferred,
    }
}

/// When a retrying copy's job tries again: known once its failed attempt is recorded (the
/// copy reads `retrying` a moment before its job leaves `running`; until then, none).
pub fn retry_of(job: &Job) -> Option<wire::CopyRetry> {
    (job.state != JobState::Running).then(|| wire::CopyRetry {
        attempt: job.attempt,
        max_attempts: job.max_attempts,
        next_at: utc(job.run_at),
    })
}

pub fn copy_out(
    c: &ZenodoCopy,
    waiting_on: Option<i64>,
    retry: Option<wire::CopyRetry>,
) -> wire::ZenodoCopy {
    wire::ZenodoCopy {
        id: c.id,
        identifier: c.identifier.clone(),
        resource_id: c.resource_id,
        copy_type: copy_type_out(c.copy_type),
        state: state_out(c.state),
        deposition_id: c.deposition_id,
        software_doi: c.software_doi.clone(),
        conceptrecid: c.conceptrecid.clone(),
        attempts: c.attempts,
        retry: retry.filter(|_| c.state == CopyState::Retrying),
        daily_retries: c.daily_retries,
        daily_retry_excluded: c.daily_retry_excluded,
        daily_retry_note: c.daily_retry_note.clone(),
        given_up_reason: c.given_up_reason.clone(),
        progress: wire::CopyProgress {
            files_done: c.files_done,
            files_total: c.files_total,
            bytes_done: c.bytes_done,
            bytes_total: c.size,
        },
        note: c.note.clone(),
        last_error: c.last_error.clone(),
        size: c.size,
        job_id: c.job_id,
        waiting_on,
        created_at: utc(c.created_at),
        updated_at: utc(c.updated_at),
    }
}

pub fn copy_sort_in(s: wire::CopySort) -> store::CopySort {
    match s {
        wire::CopySort::Id => store::CopySort::Id,
        wire::CopySort::Identifier => store::CopySort::Identifier,
        wire::CopySort::ResourceId => store::CopySort::ResourceId,
        wire::CopySort::State => store::CopySort::State,
        wire::CopySort::CopyType => store::CopySort::CopyType,
        wire::CopySort::Size => store::CopySort::Size,
        wire::CopySort::Attempts => store::CopySort::Attempts,
        wire::CopySort::CreatedAt => store::CopySort::CreatedAt,
        wire::CopySort::UpdatedAt => store::CopySort::UpdatedAt,
    }
}

impl WireSort for wire::CopySort {
    const ALL: &'static [Self] = &wire::CopySort::ALL;
    fn name(self) -> &'static str {
        self.as_str()
    }
    fn keyed(self) -> Keyed {
        match self {
            wire::CopySort::Id => Keyed::Id,
            wire::CopySort::Identifier | wire::CopySort::State | wire::CopySort::CopyType => {
                Keyed::Text
            }
            wire::CopySort::ResourceId | wire::CopySort::Size => Keyed::Int,
            wire::CopySort::Attempts => Keyed::Int32,
            wire::CopySort::CreatedAt | wire::CopySort::UpdatedAt => Keyed::Time,
        }
    }
}

/// A copies page's cursor on the wire (see [`super::cursor`]).
pub fn copy_cursor_out(sort: wire::CopySort, c: &store::CopyCursor) -> String {
    cursor_out(sort, c)
}

pub fn copy_cursor_in(s: &str, sort: wire::CopySort) -> Result<store::CopyCursor, ApiError> {
    cursor_in(s, sort)
}

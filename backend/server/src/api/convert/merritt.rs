//! Merritt submissions between the replication crate's types and the wire types: states,
//! submissions with their history, sort keys and paging cursors.

use longjobs_openapi as wire;
use longjobs_replication::listing::Cursor;
use longjobs_replication::merritt::store::SubmissionSort;
use longjobs_replication::merritt::{StateEntry, Submission, SubmissionState};

use super::cursor::{Keyed, WireSort, cursor_in, cursor_out};
use super::utc;
use crate::error::ApiError;

pub fn sub_state_out(s: SubmissionState) -> wire::SubmissionState {
    match s {
        SubmissionState::Enqueued => wire::SubmissionState::Enqueued,
        SubmissionState::Processing => wire::SubmissionState::Processing,
        SubmissionState::ProvisionalComplete => wire::SubmissionState::ProvisionalComplete,
        SubmissionState::Completed => wire::SubmissionState::Completed,
        SubmissionState::Errored => wire::SubmissionState::Errored,
        SubmissionState::RejectedShuttingDown => wire::SubmissionState::RejectedShuttingDown,
        SubmissionState::GivenUp => wire::SubmissionState::GivenUp,
    }
}

pub fn sub_state_in(s: wire::SubmissionState) -> SubmissionState {
    match s {
        wire::SubmissionState::Enqueued => SubmissionState::Enqueued,
        wire::SubmissionState::Processing => SubmissionState::Processing,
        wire::SubmissionState::ProvisionalComplete => SubmissionState::ProvisionalComplete,
        wire::SubmissionState::Completed => SubmissionState::Completed,
        wire::SubmissionState::Errored => SubmissionState::Errored,
        wire::SubmissionState::RejectedShuttingDown => SubmissionState::RejectedShuttingDown,
        wire::SubmissionState::GivenUp => SubmissionState::GivenUp,
    }
}

pub fn sub_out(s: &Submission, history: Vec<StateEntry>) -> wire::Submission {
    wire::Submission {
        id: s.id,
        resource_id: s.resource_id,
        identifier: s.identifier.clone(),
        state: sub_state_out(s.state),
        host: s.host.clone(),
        ark: s.ark.clone(),
        job_id: s.job_id,
        last_error: s.last_error.clone(),
        created_at: utc(s.created_at),
        updated_at: utc(s.updated_at),
        size: s.size,
        history: history
            .into_iter()
            .map(|h| wire::SubmissionStateEntry {
                state: sub_state_out(h.state),
                host: h.host,
                note: h.note,
                at: utc(h.at),
            })
            .collect(),
    }
}

pub fn sub_sort_in(s: wire::SubmissionSort) -> SubmissionSort {
    match s {
        wire::SubmissionSort::Id => SubmissionSort::Id,
        wire::SubmissionSort::Identifier => SubmissionSort::Identifier,
        wire::SubmissionSort::ResourceId => SubmissionSort::ResourceId,
        wire::SubmissionSort::State => SubmissionSort::State,
        wire::SubmissionSort::Size => SubmissionSort::Size,
        wire::SubmissionSort::CreatedAt => SubmissionSort::CreatedAt,
        wire::SubmissionSort::UpdatedAt => SubmissionSort::UpdatedAt,
    }
}

impl WireSort for wire::SubmissionSort {
    const ALL: &'static [Self] = &wire::SubmissionSort::ALL;
    fn name(self) -> &'static str {
        self.as_str()
    }
    fn keyed(self) -> Keyed {
        match self {
            wire::SubmissionSort::Id => Keyed::Id,
            wire::SubmissionSort::Identifier | wire::SubmissionSort::State => Keyed::Text,
            wire::SubmissionSort::ResourceId | wire::SubmissionSort::Size => Keyed::Int,
            wire::SubmissionSort::CreatedAt | wire::SubmissionSort::UpdatedAt => Keyed::Time,
        }
    }
}

/// A submissions page's cursor on the wire, read as copies' cursors are (see
/// [`super::cursor`]).
pub fn sub_cursor_out(sort: wire::SubmissionSort, c: &Cursor) -> String {
    cursor_out(sort, c)
}

pub fn sub_cursor_in(s: &str, sort: wire::SubmissionSort) -> Result<Cursor, ApiError> {
    cursor_in(s, sort)
}

//! Merritt submissions between the replication crate's types and the wire types: states,
//! submissions with their history, sort keys and paging cursors.

use longjobs_openapi as wire;
use longjobs_replication::listing::{Cursor, SortValue};
use longjobs_replication::merritt::store::SubmissionSort;
use longjobs_replication::merritt::{StateEntry, Submission, SubmissionState};

use super::{TIME_FORMAT, utc};
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

/// `{sort}.{value}.{id}` (`id.{id}` when sorting by id), as copies' cursors read: the
/// sort's name lets a cursor of another sort order be refused.
pub fn sub_cursor_out(sort: wire::SubmissionSort, c: &Cursor) -> String {
    let value = match &c.value {
        SortValue::Id => return format!("id.{}", c.id),
        SortValue::Text(t) => t.clone(),
        SortValue::Int(n) => n.to_string(),
        SortValue::Time(t) => t.format(TIME_FORMAT).to_string(),
    };
    format!("{}.{value}.{}", sort.as_str(), c.id)
}

pub fn sub_cursor_in(s: &str, sort: wire::SubmissionSort) -> Result<Cursor, ApiError> {
    let bad = || ApiError::bad_request(format!("cursor {s:?} is not one this API gave out"));
    let (name, rest) = s.split_once('.').ok_or_else(bad)?;
    let of = wire::SubmissionSort::ALL
        .into_iter()
        .find(|k| k.as_str() == name)
        .ok_or_else(bad)?;
    if of != sort {
        return Err(ApiError::bad_request(format!(
            "the cursor belongs to the sort by {name}, not by {}; start again without it",
            sort.as_str()
        )));
    }
    if sort == wire::SubmissionSort::Id {
        let id = rest.parse().map_err(|_| bad())?;
        return Ok(Cursor {
            value: SortValue::Id,
            id,
        });
    }
    let (value, id) = rest.rsplit_once('.').ok_or_else(bad)?;
    let id: i64 = id.parse().map_err(|_| bad())?;
    let value = match sort {
        wire::SubmissionSort::Identifier | wire::SubmissionSort::State => {
            SortValue::Text(value.to_string())
        }
        wire::SubmissionSort::ResourceId | wire::SubmissionSort::Size => {
            SortValue::Int(value.parse().map_err(|_| bad())?)
        }
        wire::SubmissionSort::Id
        | wire::SubmissionSort::CreatedAt
        | wire::SubmissionSort::UpdatedAt => SortValue::Time(
            chrono::NaiveDateTime::parse_from_str(value, TIME_FORMAT).map_err(|_| bad())?,
        ),
    };
    Ok(Cursor { value, id })
}

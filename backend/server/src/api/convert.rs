//! Conversions between the engine's types and the wire types.

use chrono::{DateTime, NaiveDateTime, Utc};
use longjobs_core::access::Role;
use longjobs_core::job::{ErrorKind, Job};
use longjobs_core::queue::{ActionOutcome, Cursor, JobFilter, SortKey};
use longjobs_core::{JobId, JobState};
use longjobs_openapi as wire;

use crate::error::ApiError;

pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

pub fn naive(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc()
}

pub fn state_out(s: JobState) -> wire::JobState {
    match s {
        JobState::Scheduled => wire::JobState::Scheduled,
        JobState::Available => wire::JobState::Available,
        JobState::Running => wire::JobState::Running,
        JobState::Retryable => wire::JobState::Retryable,
        JobState::Completed => wire::JobState::Completed,
        JobState::Discarded => wire::JobState::Discarded,
        JobState::Cancelled => wire::JobState::Cancelled,
    }
}

pub fn state_in(s: wire::JobState) -> JobState {
    match s {
        wire::JobState::Scheduled => JobState::Scheduled,
        wire::JobState::Available => JobState::Available,
        wire::JobState::Running => JobState::Running,
        wire::JobState::Retryable => JobState::Retryable,
        wire::JobState::Completed => JobState::Completed,
        wire::JobState::Discarded => JobState::Discarded,
        wire::JobState::Cancelled => JobState::Cancelled,
    }
}

pub fn role_out(r: Role) -> wire::Role {
    match r {
        Role::Viewer => wire::Role::Viewer,
        Role::Operator => wire::Role::Operator,
        Role::Admin => wire::Role::Admin,
    }
}

pub fn role_in(r: wire::Role) -> Role {
    match r {
        wire::Role::Viewer => Role::Viewer,
        wire::Role::Operator => Role::Operator,
        wire::Role::Admin => Role::Admin,
    }
}

pub fn job_summary(j: &Job) -> wire::JobSummary {
    wire::JobSummary {
        id: j.id.0,
        queue: j.queue.clone(),
        kind: j.kind.clone(),
        state: state_out(j.state),
        priority: j.priority,
        attempt: j.attempt,
        max_attempts: j.max_attempts,
        run_at: utc(j.run_at),
        unique_key: j.unique_key.clone(),
        ordering_key: j.ordering_key.clone(),
        lease_owner: j.lease_owner.clone(),
        cancel_requested: j.cancel_requested,
        last_error: j.last_error.clone(),
        created_at: utc(j.created_at),
        attempted_at: j.attempted_at.map(utc),
        finished_at: j.finished_at.map(utc),
    }
}

pub fn job_detail(j: &Job) -> wire::JobDetail {
    let payload = serde_json::from_str(&j.payload)
        .unwrap_or_else(|_| serde_json::Value::String(j.payload.clone()));
    wire::JobDetail {
        job: job_summary(j),
        payload,
        lease_expires_at: j.lease_expires_at.map(utc),
        history: j
            .error_history()
            .into_iter()
            .map(|e| wire::JobHistoryEntry {
                at: utc(e.at),
                attempt: e.attempt,
                kind: match e.kind {
                    ErrorKind::Error => "error",
                    ErrorKind::Rescued => "rescued",
                    ErrorKind::HandedBack => "handed_back",
                    ErrorKind::Operator => "operator",
                }
                .to_string(),
                message: e.message,
                worker: e.worker,
            })
            .collect(),
    }
}

pub fn filter_in(f: wire::JobFilter) -> JobFilter {
    JobFilter {
        queue: f.queue.map(String::from),
        kind: f.kind.map(String::from),
        states: f.states.into_iter().map(state_in).collect(),
        ordering_key: f.ordering_key.map(String::from),
        unique_key: f.unique_key.map(String::from),
        text: f.text.map(String::from).filter(|t| !t.is_empty()),
        created_after: f.created_after.map(naive),
        created_before: f.created_before.map(naive),
        finished_after: f.finished_after.map(naive),
        finished_before: f.finished_before.map(naive),
        ids: Vec::new(),
        max_id: f.max_id.map(JobId),
    }
}

pub fn sort_in(s: wire::JobSort) -> SortKey {
    match s {
        wire::JobSort::Id => SortKey::Id,
        wire::JobSort::CreatedAt => SortKey::CreatedAt,
        wire::JobSort::RunAt => SortKey::RunAt,
        wire::JobSort::Priority => SortKey::Priority,
    }
}

const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6f";

/// Cursors are opaque to clients: `i.<id>`, `t.<time>.<id>` or `p.<priority>.<id>`.
pub fn cursor_out(c: &Cursor) -> String {
    match c {
        Cursor::Id(id) => format!("i.{id}"),
        Cursor::Time(t, id) => format!("t.{}.{id}", t.format(TIME_FORMAT)),
        Cursor::Int(v, id) => format!("p.{v}.{id}"),
    }
}

pub fn cursor_in(s: &str) -> Result<Cursor, ApiError> {
    let bad = || ApiError::bad_request(format!("cursor {s:?} is not one this API gave out"));
    let (kind, rest) = s.split_once('.').ok_or_else(bad)?;
    let id_of = |v: &str| v.parse::<i64>().map(JobId).map_err(|_| bad());
    match kind {
        "i" => Ok(Cursor::Id(id_of(rest)?)),
        "t" => {
            let (t, id) = rest.rsplit_once('.').ok_or_else(bad)?;
            let t = NaiveDateTime::parse_from_str(t, TIME_FORMAT).map_err(|_| bad())?;
            Ok(Cursor::Time(t, id_of(id)?))
        }
        "p" => {
            let (v, id) = rest.rsplit_once('.').ok_or_else(bad)?;
            Ok(Cursor::Int(v.parse().map_err(|_| bad())?, id_of(id)?))
        }
        _ => Err(bad()),
    }
}

pub fn outcome_out(id: JobId, o: &ActionOutcome) -> wire::ActionOutcome {
    let (outcome, state, reason) = match o {
        ActionOutcome::Done { state } => ("done", Some(state_out(*state)), None),
        ActionOutcome::CancelRequested => ("cancel_requested", None, None),
        ActionOutcome::Refused { reason } => ("refused", None, Some(reason.clone())),
        ActionOutcome::NotFound => ("not_found", None, None),
    };
    wire::ActionOutcome {
        id: id.0,
        outcome: outcome.to_string(),
        state,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let t = longjobs_core::clock::now();
        for c in [
            Cursor::Id(JobId(7)),
            Cursor::Time(t, JobId(9)),
            Cursor::Int(-3, JobId(2)),
        ] {
            assert_eq!(cursor_in(&cursor_out(&c)).ok(), Some(c));
        }
        for bad in ["", "x.1", "i.abc", "t.2026.1", "p..1"] {
            assert!(cursor_in(bad).is_err(), "{bad}");
        }
    }
}

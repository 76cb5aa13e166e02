//! Conversions between the engine's types and the wire types: jobs, roles, times, filters
//! and cursors here; Zenodo copies and Merritt submissions in their own modules.

pub mod cursor; // the paging cursors of the copies and submissions listings
pub mod merritt; // submission states and submissions with their history
pub mod zenodo; // copy types, states, copies, sort keys and paging cursors

use chrono::{DateTime, NaiveDateTime, Utc};
use longjobs_core::access::Role;
use longjobs_core::job::{ErrorKind, Job};
use longjobs_core::queue::{
    self, Action, ActionOutcome, Cursor, EnqueueRequest, JobFilter, SortKey,
};
use longjobs_core::{Backend, JobId, JobState};
use longjobs_openapi::{self as wire, Text};

use crate::error::ApiError;

pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

pub fn naive(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc()
}

/// An operator's reason for an action, trimmed; blank is a 400 (every such action is
/// audited with its reason).
pub fn reason_in(r: &wire::Text) -> Result<String, ApiError> {
    let reason = r.trim().to_string();
    if reason.is_empty() {
        return Err(ApiError::bad_request("reason must say why (it is empty)"));
    }
    Ok(reason)
}

/// Job `i` of `POST /api/jobs` as the queue takes it (its `run_at` checked to fit the
/// database).
pub fn job_request_in(
    i: usize,
    j: wire::NewJob,
    backend: Backend,
) -> Result<EnqueueRequest, ApiError> {
    let run_at = j
        .run_at
        .map(|t| check_stored_time(backend, &format!("jobs[{i}].run_at"), t))
        .transpose()?;
    Ok(EnqueueRequest {
        queue: j.queue.0,
        kind: j.kind.0,
        payload: j.payload.unwrap_or_else(|| serde_json::json!({})),
        priority: j.priority.unwrap_or(0),
        max_attempts: j.max_attempts,
        run_at: run_at.map(naive),
        unique_key: j.unique_key.map(String::from),
        ordering_key: j.ordering_key.map(String::from),
    })
}

/// What a bulk action acts on: the listed `ids`, the jobs `filter` matches, or with `all`
/// every job — exactly one of them; a filter that narrows nothing needs `all` too.
pub fn bulk_filter_in(
    ids: &[i64],
    filter: Option<wire::JobFilter>,
    all: bool,
    backend: Backend,
) -> Result<JobFilter, ApiError> {
    let filter = match (ids.is_empty(), filter) {
        (false, Some(_)) => {
            return Err(ApiError::bad_request("give either ids or filter, not both"));
        }
        (false, None) if all => {
            return Err(ApiError::bad_request("give either ids or all, not both"));
        }
        (true, None) if all => JobFilter::default(),
        (true, None) => return Err(ApiError::bad_request("give ids or a filter")),
        (false, None) => JobFilter {
            ids: ids
                .iter()
                .map(|&i| job_id_in(i))
                .collect::<Result<_, _>>()?,
            ..JobFilter::default()
        },
        (true, Some(f)) => {
            if let Some(max) = f.max_id
                && max <= 0
            {
                return Err(ApiError::bad_request(format!(
                    "filter.max_id must be a positive whole number, got {max}"
                )));
            }
            if !all && !narrows(&f) {
                return Err(ApiError::bad_request(
                    "the filter is empty and would act on every job: narrow it, or send \
                     \"all\": true to act on every job",
                ));
            }
            filter_in(f, backend)?
        }
    };
    Ok(filter)
}

/// Whether a bulk filter narrows the jobs at all (`max_id` alone does not: it only keeps
/// out jobs enqueued after a dry run).
fn narrows(f: &wire::JobFilter) -> bool {
    let text = |t: &Option<Text>| t.is_some();
    text(&f.queue)
        || text(&f.kind)
        || !f.states.is_empty()
        || text(&f.ordering_key)
        || text(&f.unique_key)
        || f.text.as_ref().is_some_and(|t| !t.0.is_empty())
        || f.created_after.is_some()
        || f.created_before.is_some()
        || f.finished_after.is_some()
        || f.finished_before.is_some()
}

/// A job id from a path or a list: positive.
pub fn job_id_in(id: i64) -> Result<JobId, ApiError> {
    if id <= 0 {
        return Err(ApiError::bad_request(format!(
            "job ids are positive whole numbers, got {id}"
        )));
    }
    Ok(JobId(id))
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
        actions: queue::ACTIONS
            .into_iter()
            .map(|a| {
                let reason = queue::refusal(a, j.state);
                wire::JobActionCheck {
                    action: action_out(a),
                    applies: reason.is_none(),
                    reason,
                }
            })
            .collect(),
        unserved_reason: None,
    }
}

fn action_out(a: Action) -> wire::JobAction {
    match a {
        Action::Retry => wire::JobAction::Retry,
        Action::Cancel => wire::JobAction::Cancel,
        Action::Discard => wire::JobAction::Discard,
    }
}

/// Longest `q` / `filter.text` accepted, in characters (a longer LIKE pattern is refused
/// by SQLite as "too complex", and no payload search needs it).
pub const MAX_TEXT_FILTER_CHARS: usize = 500;

/// Refuses a time outside years 0001–9999: what every database stores (PostgreSQL refuses
/// years before 4713 BC, MySQL's DATETIME ends at 9999) and RFC 3339 can write.
pub fn check_time(name: &str, t: DateTime<Utc>) -> Result<DateTime<Utc>, ApiError> {
    use chrono::Datelike;
    if (1..=9999).contains(&t.year()) {
        Ok(t)
    } else {
        Err(ApiError::bad_request(format!(
            "{name} must be a time in the years 0001 to 9999, got {}",
            t.to_rfc3339()
        )))
    }
}

/// The times a MySQL / MariaDB connection can bind: diesel sends them as `TIMESTAMP`
/// values, whose range is 1970-01-01T00:00:01Z to 2038-01-19T03:14:07Z (the columns are
/// `DATETIME(6)`, but a value outside that range arrives as NULL).
fn mysql_range() -> (DateTime<Utc>, DateTime<Utc>) {
    (
        DateTime::from_timestamp(1, 0).unwrap_or_default(),
        DateTime::from_timestamp(i64::from(i32::MAX), 0).unwrap_or_default(),
    )
}

/// A time to store (a job's `run_at`): years 0001–9999, and on MySQL / MariaDB the range it
/// can bind.
pub fn check_stored_time(
    backend: Backend,
    name: &str,
    t: DateTime<Utc>,
) -> Result<DateTime<Utc>, ApiError> {
    let t = check_time(name, t)?;
    let (lo, hi) = mysql_range();
    if backend == Backend::Mysql && (t < lo || t > hi) {
        return Err(ApiError::bad_request(format!(
            "{name} must be a time from {} to {} on MySQL / MariaDB, got {}",
            lo.to_rfc3339(),
            hi.to_rfc3339(),
            t.to_rfc3339()
        )));
    }
    Ok(t)
}

/// A filter's time: years 0001–9999; on MySQL / MariaDB moved into the range it can bind,
/// which every stored time is in, so the filter matches the same jobs.
fn check_opt_time(
    backend: Backend,
    name: &str,
    t: Option<DateTime<Utc>>,
) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(t) = t else { return Ok(None) };
    let t = check_time(name, t)?;
    if backend == Backend::Mysql {
        let (lo, hi) = mysql_range();
        return Ok(Some(t.clamp(lo, hi)));
    }
    Ok(Some(t))
}

/// A listing's or bulk action's filter, its times and text checked.
pub fn filter_in(f: wire::JobFilter, backend: Backend) -> Result<JobFilter, ApiError> {
    if let Some(t) = &f.text {
        let n = t.0.chars().count();
        if n > MAX_TEXT_FILTER_CHARS {
            return Err(ApiError::bad_request(format!(
                "the text to search for (q) is {n} characters; at most \
                 {MAX_TEXT_FILTER_CHARS} are accepted"
            )));
        }
    }
    let created_after = check_opt_time(backend, "created_after", f.created_after)?;
    let created_before = check_opt_time(backend, "created_before", f.created_before)?;
    let finished_after = check_opt_time(backend, "finished_after", f.finished_after)?;
    let finished_before = check_opt_time(backend, "finished_before", f.finished_before)?;
    Ok(JobFilter {
        queue: f.queue.map(String::from),
        kind: f.kind.map(String::from),
        states: f.states.into_iter().map(state_in).collect(),
        ordering_key: f.ordering_key.map(String::from),
        unique_key: f.unique_key.map(String::from),
        text: f.text.map(String::from).filter(|t| !t.is_empty()),
        created_after: created_after.map(naive),
        created_before: created_before.map(naive),
        finished_after: finished_after.map(naive),
        finished_before: finished_before.map(naive),
        ids: Vec::new(),
        max_id: f.max_id.map(JobId),
    })
}

pub fn sort_in(s: wire::JobSort) -> SortKey {
    match s {
        wire::JobSort::Id => SortKey::Id,
        wire::JobSort::CreatedAt => SortKey::CreatedAt,
        wire::JobSort::RunAt => SortKey::RunAt,
        wire::JobSort::Priority => SortKey::Priority,
    }
}

pub const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6f";

/// Cursors are opaque to clients: `i.<id>`, `t.<time>.<id>` or `p.<priority>.<id>`.
pub fn cursor_out(c: &Cursor) -> String {
    match c {
        Cursor::Id(id) => format!("i.{id}"),
        Cursor::Time(t, id) => format!("t.{}.{id}", t.format(TIME_FORMAT)),
        Cursor::Int(v, id) => format!("p.{v}.{id}"),
    }
}

/// A page cursor of `GET /api/jobs` for the sort by `sort`: one of another sort order is
/// refused.
pub fn cursor_for(s: &str, sort: SortKey) -> Result<Cursor, ApiError> {
    let cursor = cursor_in(s)?;
    let fits = matches!(
        (sort, &cursor),
        (SortKey::Id, Cursor::Id(_))
            | (SortKey::CreatedAt | SortKey::RunAt, Cursor::Time(..))
            | (SortKey::Priority, Cursor::Int(..))
    );
    if !fits {
        return Err(ApiError::bad_request(
            "the cursor belongs to another sort order; start again without it",
        ));
    }
    Ok(cursor)
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
    use wire::ActionResult as R;
    let (outcome, state, reason) = match o {
        ActionOutcome::Done { state } => (R::Done, Some(state_out(*state)), None),
        ActionOutcome::CancelRequested => (R::CancelRequested, None, None),
        ActionOutcome::Refused { reason } => (R::Refused, None, Some(reason.clone())),
        ActionOutcome::NotFound => (R::NotFound, None, None),
    };
    wire::ActionOutcome {
        id: id.0,
        outcome,
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

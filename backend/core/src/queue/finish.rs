//! Recording what became of claimed jobs: completed, failed (retry or discard), handed back.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::job::{ErrorEntry, ErrorKind, Job, JobId, JobState};
use crate::schema::jobs;

/// What a worker reports for a job that did not simply complete.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// Try again at `retry_at` if attempts remain, else discard.
    Retry {
        error: String,
        retry_at: NaiveDateTime,
    },
    /// Permanent: discard now whatever attempts remain.
    Discard { error: String },
    /// Stop: the job was cancelled (by an operator, seen at heartbeat, or by its handler).
    Cancel { reason: String },
    /// Not a failure: run again at `until` without spending the attempt.
    Snooze { until: NaiveDateTime, note: String },
    /// Claimed ahead but never started: back to the queue as it was, the attempt unspent
    /// and nothing added to its history (nothing happened to it).
    Release,
}

/// Marks `ids` completed, if `owner` still holds them. Returns how many were.
///
/// A job missing from the count had lost its lease (rescued or handed back meanwhile);
/// its outcome is dropped and it will run again.
pub fn complete_many(
    conn: &mut DbConn,
    owner: &str,
    ids: &[JobId],
    now: NaiveDateTime,
) -> QueryResult<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    diesel::update(
        jobs::table
            .filter(jobs::id.eq_any(ids))
            .filter(jobs::state.eq(JobState::Running))
            .filter(jobs::lease_owner.eq(owner)),
    )
    .set((
        jobs::state.eq(JobState::Completed),
        jobs::finished_at.eq(now),
        jobs::lease_owner.eq(None::<String>),
        jobs::lease_expires_at.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)
}

/// Records failures of jobs `owner` holds, in one transaction. Returns how many applied.
pub fn record_failures(
    conn: &mut DbConn,
    owner: &str,
    failures: &[(Job, Failure)],
    now: NaiveDateTime,
) -> QueryResult<usize> {
    if failures.is_empty() {
        return Ok(0);
    }
    conn.transaction(|conn| {
        let mut applied = 0;
        for (job, failure) in failures {
            let change = failure_change(job, failure, owner, now);
            applied += diesel::update(
                jobs::table
                    .filter(jobs::id.eq(job.id))
                    .filter(jobs::state.eq(JobState::Running))
                    .filter(jobs::lease_owner.eq(owner)),
            )
            .set(change)
            .execute(conn)?;
        }
        Ok(applied)
    })
}

/// The columns a failure changes.
#[derive(AsChangeset)]
#[diesel(table_name = jobs, treat_none_as_null = true)]
pub(crate) struct Reschedule {
    pub state: JobState,
    pub attempt: i32,
    pub max_attempts: i32,
    pub run_at: NaiveDateTime,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub errors: String,
    pub finished_at: Option<NaiveDateTime>,
    pub cancel_requested: bool,
}

impl Reschedule {
    /// The job released from its lease with `state`, keeping its other fields.
    pub(crate) fn release(job: &Job, state: JobState, now: NaiveDateTime) -> Self {
        Reschedule {
            state,
            attempt: job.attempt,
            max_attempts: job.max_attempts,
            run_at: job.run_at,
            lease_owner: None,
            lease_expires_at: None,
            last_error: job.last_error.clone(),
            errors: job.errors.clone(),
            finished_at: state.is_finished().then_some(now),
            cancel_requested: false,
        }
    }
}

fn failure_change(job: &Job, failure: &Failure, owner: &str, now: NaiveDateTime) -> Reschedule {
    let mut change = Reschedule::release(job, JobState::Discarded, now);
    let (kind, message) = match failure {
        Failure::Release => {
            change.state = JobState::Available;
            change.attempt = job.attempt.saturating_sub(1).max(0);
            change.finished_at = None;
            return change;
        }
        Failure::Retry { error, retry_at } => {
            if job.attempt < job.max_attempts {
                change.state = JobState::Retryable;
                change.run_at = *retry_at;
                change.finished_at = None;
            }
            (ErrorKind::Error, error.clone())
        }
        Failure::Discard { error } => (ErrorKind::Error, error.clone()),
        Failure::Cancel { reason } => {
            change.state = JobState::Cancelled;
            (ErrorKind::Operator, reason.clone())
        }
        Failure::Snooze { until, note } => {
            change.state = if *until <= now {
                JobState::Available
            } else {
                JobState::Scheduled
            };
            change.run_at = *until;
            change.attempt = job.attempt.saturating_sub(1).max(0);
            change.finished_at = None;
            (ErrorKind::HandedBack, note.clone())
        }
    };
    let entry = ErrorEntry::new(now, job.attempt, kind, message).by(owner);
    if kind == ErrorKind::Error {
        change.last_error = Some(entry.message.clone());
    }
    change.errors = job.errors_with(entry);
    change
}

/// Gives jobs `owner` claimed ahead but never started back to the queue as they were
/// (available, attempt unspent, no history entry). Returns how many.
pub fn release_unstarted(
    conn: &mut DbConn,
    owner: &str,
    jobs_held: &[Job],
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let releases: Vec<(Job, Failure)> = jobs_held
        .iter()
        .map(|j| (j.clone(), Failure::Release))
        .collect();
    record_failures(conn, owner, &releases, now)
}

/// Hands unfinished jobs back to the queue when `owner` shuts down: available at once,
/// the attempt not spent, and a note in their history saying so. Returns how many.
pub fn hand_back(
    conn: &mut DbConn,
    owner: &str,
    jobs_held: &[Job],
    note: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let failures: Vec<(Job, Failure)> = jobs_held
        .iter()
        .map(|j| {
            (
                j.clone(),
                Failure::Snooze {
                    until: now,
                    note: note.to_string(),
                },
            )
        })
        .collect();
    record_failures(conn, owner, &failures, now)
}

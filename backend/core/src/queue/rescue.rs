//! The rescuer: jobs whose worker stopped renewing their lease go back to the queue.

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::finish::Reschedule;
use crate::clock;
use crate::db::{DbConn, transaction};
use crate::job::{ErrorEntry, ErrorKind, Job, JobState};
use crate::schema::jobs;

/// How many expired jobs one rescue pass takes.
pub const RESCUE_BATCH: i64 = 1_000;

/// Takes back running jobs whose lease expired before `now`: retryable (at once) while
/// attempts remain, discarded otherwise, each with a history entry naming the lost worker.
/// Safe to run from every worker at once. Returns the jobs as they were before rescue.
pub fn rescue_expired(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Vec<Job>> {
    transaction(conn, |conn| {
        let expired = jobs::table
            .filter(jobs::state.eq(JobState::Running))
            .filter(jobs::lease_expires_at.lt(now))
            .order(jobs::id.asc())
            .limit(RESCUE_BATCH);
        let found: Vec<Job> = match conn {
            // PostgreSQL and MySQL: rescuers on several hosts split the work instead of
            // waiting. SQLite: the transaction's write lock already keeps the others out.
            DbConn::Postgres(c) => {
                let selected = expired.select(Job::as_select());
                selected.for_update().skip_locked().load(c)?
            }
            DbConn::Mysql(c) => {
                let selected = expired.select(Job::as_select());
                selected.for_update().skip_locked().load(c)?
            }
            DbConn::Sqlite(c) => expired.select(Job::as_select()).load(c)?,
        };
        for job in &found {
            diesel::update(jobs::table)
                .filter(jobs::id.eq(job.id).and(jobs::state.eq(JobState::Running)))
                .set(&rescue_change(job, now))
                .execute(conn)?;
        }
        Ok(found)
    })
}

fn rescue_change(job: &Job, now: NaiveDateTime) -> Reschedule {
    let state = if job.attempt < job.max_attempts {
        JobState::Retryable
    } else {
        JobState::Discarded
    };
    let mut change = Reschedule::release(job, state, now);
    change.run_at = now;
    let worker = job.lease_owner.as_deref().unwrap_or("unknown");
    let expired = job
        .lease_expires_at
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default();
    let message = format!(
        "rescued: worker {worker} stopped renewing its lease (expired {expired}); {}",
        if state == JobState::Retryable {
            "will run again"
        } else {
            "no attempts left"
        }
    );
    let entry = ErrorEntry::new(now, job.attempt, ErrorKind::Rescued, message);
    change.last_error = Some(entry.message.clone());
    change.errors = job.errors_with(entry);
    change
}

/// Moves scheduled and retryable jobs whose time has come to `available`, so listings
/// show them as ready (claiming takes them either way). Returns how many moved.
pub fn promote_due(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        jobs::table
            .filter(jobs::state.eq_any([JobState::Scheduled, JobState::Retryable]))
            .filter(jobs::run_at.le(now)),
    )
    .set(jobs::state.eq(JobState::Available))
    .execute(conn)
}

/// The lease expiry for a lease of `length` taken now.
pub fn lease_until(length: Duration) -> NaiveDateTime {
    clock::now() + clock::delta(length)
}

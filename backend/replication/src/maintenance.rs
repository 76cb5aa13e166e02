//! The maintenance switches as the job handlers read them.

use diesel::QueryResult;
use longjobs_core::DbConn;
use longjobs_core::maintenance::{self, DEFER_ZENODO, HOLD_MERRITT};

/// Is Zenodo replication deferred?
pub fn zenodo_deferred(conn: &mut DbConn) -> QueryResult<bool> {
    Ok(maintenance::get(conn, DEFER_ZENODO)?.is_some())
}

/// Are Merritt submissions held?
pub fn merritt_held(conn: &mut DbConn) -> QueryResult<bool> {
    Ok(maintenance::get(conn, HOLD_MERRITT)?.is_some())
}

use chrono::NaiveDateTime;
use diesel::prelude::*;
use longjobs_core::job::{Job, JobState};
use longjobs_core::schema::jobs;
use longjobs_core::with_conn;

/// The job kinds a drain waits for: the work a machine restart would cut off.
pub const DRAINED_KINDS: [&str; 2] = [crate::KIND_ZENODO_COPY, crate::KIND_MERRITT_SUBMIT];

/// Jobs of `kinds` running under a live lease (a dead worker's jobs stop counting when
/// their lease expires, before the rescuer even runs), started before `started_before`
/// when given: a job that starts after a drain began sees the switch and parks its work
/// at once, so it is nothing a shutdown could cut off.
pub fn running(
    conn: &mut DbConn,
    kinds: &[&str],
    now: NaiveDateTime,
    started_before: Option<NaiveDateTime>,
) -> QueryResult<Vec<Job>> {
    let kinds: Vec<String> = kinds.iter().map(|k| k.to_string()).collect();
    with_conn!(conn, |c| {
        let mut q = jobs::table
            .filter(jobs::state.eq(JobState::Running))
            .filter(jobs::kind.eq_any(&kinds))
            .filter(jobs::lease_expires_at.gt(now))
            .into_boxed();
        if let Some(t) = started_before {
            q = q.filter(jobs::attempted_at.le(t));
        }
        q.order(jobs::attempted_at.asc())
            .select(Job::as_select())
            .load(c)
    })
}

/// When the last job of `kinds` ended after `since`.
pub fn last_finished_since(
    conn: &mut DbConn,
    kinds: &[&str],
    since: NaiveDateTime,
) -> QueryResult<Option<NaiveDateTime>> {
    let kinds: Vec<String> = kinds.iter().map(|k| k.to_string()).collect();
    with_conn!(conn, |c| jobs::table
        .filter(jobs::kind.eq_any(&kinds))
        .filter(jobs::finished_at.ge(since))
        .select(diesel::dsl::max(jobs::finished_at))
        .first::<Option<NaiveDateTime>>(c))
}

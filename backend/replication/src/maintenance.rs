//! The maintenance switches as the job handlers read them.

use chrono::NaiveDateTime;
use diesel::QueryResult;
use longjobs_core::maintenance::{self, DEFER_ZENODO, HOLD_MERRITT};
use longjobs_core::{DbConn, Job, queue};

/// Is Zenodo replication deferred?
pub fn zenodo_deferred(conn: &mut DbConn) -> QueryResult<bool> {
    Ok(maintenance::get(conn, DEFER_ZENODO)?.is_some())
}

/// Are Merritt submissions held?
pub fn merritt_held(conn: &mut DbConn) -> QueryResult<bool> {
    Ok(maintenance::get(conn, HOLD_MERRITT)?.is_some())
}

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
    queue::running_of_kinds(conn, kinds, now, started_before)
}

/// When the last job of `kinds` ended after `since`.
pub fn last_finished_since(
    conn: &mut DbConn,
    kinds: &[&str],
    since: NaiveDateTime,
) -> QueryResult<Option<NaiveDateTime>> {
    queue::last_finished_of_kinds(conn, kinds, since)
}

//! Counts for the console: jobs by queue and state, and per-minute throughput.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use crate::db::DbConn;
use crate::job::JobState;
use crate::schema::jobs;

/// How many jobs of `queue` are in `state`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct StateCount {
    pub queue: String,
    pub state: JobState,
    pub count: i64,
}

/// Jobs per queue and state (only non-zero pairs).
pub fn counts(conn: &mut DbConn) -> QueryResult<Vec<StateCount>> {
    jobs::table
        .group_by((jobs::queue, jobs::state))
        .select((jobs::queue, jobs::state, diesel::dsl::count_star()))
        .order((jobs::queue.asc(), jobs::state.asc()))
        .load(conn)
}

/// Jobs of one queue and kind waiting to run since before a moment (due, not running).
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Waiting {
    pub queue: String,
    pub kind: String,
    pub count: i64,
    /// When the oldest of them became due.
    pub since: NaiveDateTime,
}

/// Due jobs (`available`, `scheduled` or `retryable` with `run_at` at or before
/// `due_before`), by queue and kind: the work a live worker should have taken by now.
pub fn waiting(conn: &mut DbConn, due_before: NaiveDateTime) -> QueryResult<Vec<Waiting>> {
    jobs::table
        .filter(jobs::state.eq_any([
            JobState::Scheduled,
            JobState::Available,
            JobState::Retryable,
        ]))
        .filter(jobs::run_at.le(due_before))
        .group_by((jobs::queue, jobs::kind))
        .select((
            jobs::queue,
            jobs::kind,
            diesel::dsl::count_star(),
            diesel::dsl::min(jobs::run_at).assume_not_null(),
        ))
        .order((jobs::queue.asc(), jobs::kind.asc()))
        .load(conn)
}

/// Jobs that finished in one minute, by final state.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct MinuteCount {
    /// The minute, as `YYYY-MM-DD HH:MM` (UTC).
    #[diesel(sql_type = Text)]
    pub minute: String,
    #[diesel(sql_type = Text)]
    pub state: String,
    #[diesel(sql_type = BigInt)]
    pub count: i64,
}

/// Finished jobs per minute and final state since `since` (failures are the discarded;
/// retries show in `retryable` counts of [`counts`]).
pub fn per_minute(conn: &mut DbConn, since: NaiveDateTime) -> QueryResult<Vec<MinuteCount>> {
    match conn {
        // PostgreSQL: to_char on the truncated minute.
        DbConn::Postgres(c) => diesel::sql_query(
            "SELECT to_char(date_trunc('minute', finished_at), 'YYYY-MM-DD HH24:MI') AS minute, \
                    state, count(*) AS count \
             FROM jobs WHERE state IN ('completed', 'discarded', 'cancelled') \
               AND finished_at >= $1 GROUP BY 1, 2 ORDER BY 1, 2",
        )
        .bind::<Timestamp, _>(since)
        .load(c),
        // SQLite: timestamps are text; the first 16 characters are the minute.
        DbConn::Sqlite(c) => diesel::sql_query(
            "SELECT substr(finished_at, 1, 16) AS minute, state, count(*) AS count \
             FROM jobs WHERE state IN ('completed', 'discarded', 'cancelled') \
               AND finished_at >= ?1 GROUP BY 1, 2 ORDER BY 1, 2",
        )
        .bind::<Timestamp, _>(since)
        .load(c),
        // MySQL / MariaDB: DATE_FORMAT to the minute.
        DbConn::Mysql(c) => diesel::sql_query(
            "SELECT DATE_FORMAT(finished_at, '%Y-%m-%d %H:%i') AS minute, state, \
                    count(*) AS count \
             FROM jobs WHERE state IN ('completed', 'discarded', 'cancelled') \
               AND finished_at >= ? GROUP BY 1, 2 ORDER BY 1, 2",
        )
        .bind::<Timestamp, _>(since)
        .load(c),
    }
}

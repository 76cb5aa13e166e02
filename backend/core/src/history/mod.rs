//! History that outlives the job rows: finished jobs rolled up per minute and per hour,
//! queue and kind, into `job_history`, kept for 90 days (a setting) while the job rows go
//! after a day.
//!
//! - What a bucket counts, by `finished_at`: `completed`, `discarded` (failed for good),
//!   `cancelled`, and `failed_attempts` — the attempts that failed among the jobs that
//!   finished in it (every attempt of a discarded job, all but the last of a completed one;
//!   a rescued attempt counts, a snooze or hand-back does not spend one).
//! - Run time: `finished_at - attempted_at` of the last attempt; queue wait:
//!   `attempted_at - run_at` (how long the last attempt waited after it was due). Both of
//!   completed and discarded jobs whose last attempt started at or after `run_at` (a job
//!   discarded by an operator while waiting for its retry has no run of that kind).
//! - Durations are kept as fixed log histograms ([`Histogram`]), so minutes merge into hours
//!   and queues into totals exactly; a percentile read from them is the top of the bucket
//!   holding it, at most 9 % above the true value.
//! - The roll-up ([`roll_up`]) runs first in every pruning round. It advances one
//!   watermark (`job_history_rollup.rolled_through`) under a row lock (`BEGIN IMMEDIATE` on
//!   SQLite), so each finished job is counted once however many workers roll up, and the
//!   pruner deletes no finished job at or after the watermark. A minute is rolled up
//!   [`ROLLUP_DELAY`] after it ends, so a completion written late (a slow batch, a clock a
//!   little behind) still lands in it; readers add what lies past the watermark from the job
//!   rows themselves ([`series`]), so charts are current.

mod histogram;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DurationRound, NaiveDateTime, TimeDelta};
use diesel::prelude::*;

pub use histogram::{Histogram, bucket_of, bucket_top};

use crate::db::{DbConn, dialect};
use crate::job::JobState;
use crate::schema::{job_history, job_history_rollup, jobs};

/// Span of a minute row, in seconds.
pub const MINUTE: i32 = 60;
/// Span of an hour row, in seconds.
pub const HOUR: i32 = 3600;
/// Default time history rows are kept.
pub const DEFAULT_HISTORY_RETENTION: Duration = Duration::from_secs(90 * 24 * 60 * 60);
/// How long after a minute ends it is rolled up.
pub const ROLLUP_DELAY: TimeDelta = TimeDelta::minutes(2);
/// Most time rolled up in one transaction.
pub const ROLLUP_CHUNK: TimeDelta = TimeDelta::minutes(10);
/// Most job rows read in one transaction (bounds the memory under heavy throughput); a
/// minute with more is rolled up in parts, its row merged.
pub const ROLLUP_BATCH: usize = 50_000;

/// What finished in one bucket (of one queue and kind, or merged).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Aggregate {
    pub completed: i64,
    pub discarded: i64,
    pub cancelled: i64,
    pub failed_attempts: i64,
    pub run: Histogram,
    pub wait: Histogram,
}

impl Aggregate {
    /// Counts one finished job.
    pub fn add_job(&mut self, j: &FinishedJob) {
        match j.state {
            JobState::Completed => {
                self.completed += 1;
                self.failed_attempts += i64::from((j.attempt - 1).max(0));
            }
            JobState::Discarded => {
                self.discarded += 1;
                self.failed_attempts += i64::from(j.attempt.max(0));
            }
            JobState::Cancelled => self.cancelled += 1,
            _ => return,
        }
        if j.state == JobState::Cancelled {
            return;
        }
        if let (Some(started), Some(finished)) = (j.attempted_at, j.finished_at)
            && started >= j.run_at
        {
            self.run.record((finished - started).num_milliseconds());
            self.wait.record((started - j.run_at).num_milliseconds());
        }
    }

    pub fn merge(&mut self, o: &Aggregate) {
        self.completed += o.completed;
        self.discarded += o.discarded;
        self.cancelled += o.cancelled;
        self.failed_attempts += o.failed_attempts;
        self.run.merge(&o.run);
        self.wait.merge(&o.wait);
    }

    pub fn is_empty(&self) -> bool {
        self.completed + self.discarded + self.cancelled == 0
    }
}

/// The columns of a finished job the history needs.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct FinishedJob {
    pub queue: String,
    pub kind: String,
    pub state: JobState,
    pub attempt: i32,
    pub run_at: NaiveDateTime,
    pub attempted_at: Option<NaiveDateTime>,
    pub finished_at: Option<NaiveDateTime>,
}

/// A bucket's key: start, queue, kind.
pub type Key = (NaiveDateTime, String, String);

/// `t` truncated to its bucket of `span_secs`.
pub fn bucket_start(t: NaiveDateTime, span_secs: i32) -> NaiveDateTime {
    t.duration_trunc(TimeDelta::seconds(i64::from(span_secs)))
        .unwrap_or(t)
}

/// Finished jobs by bucket of `span_secs`, queue and kind.
pub fn aggregate(rows: &[FinishedJob], span_secs: i32) -> BTreeMap<Key, Aggregate> {
    let mut out: BTreeMap<Key, Aggregate> = BTreeMap::new();
    for j in rows {
        let Some(at) = j.finished_at else { continue };
        out.entry((bucket_start(at, span_secs), j.queue.clone(), j.kind.clone()))
            .or_default()
            .add_job(j);
    }
    out
}

const FINISHED: [JobState; 3] = [
    JobState::Completed,
    JobState::Discarded,
    JobState::Cancelled,
];

/// Finished jobs with `from <= finished_at < to` (optionally of one queue and kind).
pub fn load_finished(
    conn: &mut DbConn,
    from: NaiveDateTime,
    to: Option<NaiveDateTime>,
    queue: Option<&str>,
    kind: Option<&str>,
) -> QueryResult<Vec<FinishedJob>> {
    let mut q = jobs::table
        .filter(jobs::state.eq_any(FINISHED))
        .filter(jobs::finished_at.ge(from))
        .select((
            jobs::queue,
            jobs::kind,
            jobs::state,
            jobs::attempt,
            jobs::run_at,
            jobs::attempted_at,
            jobs::finished_at,
        ))
        .into_boxed();
    if let Some(to) = to {
        q = q.filter(jobs::finished_at.lt(to));
    }
    if let Some(queue) = queue {
        q = q.filter(jobs::queue.eq(queue.to_string()));
    }
    if let Some(kind) = kind {
        q = q.filter(jobs::kind.eq(kind.to_string()));
    }
    q.load(conn)
}

/// Finished jobs with `from <= finished_at < to`, oldest first, at most `limit`.
fn load_oldest(
    conn: &mut DbConn,
    from: NaiveDateTime,
    to: NaiveDateTime,
    limit: usize,
) -> QueryResult<Vec<FinishedJob>> {
    jobs::table
        .filter(jobs::state.eq_any(FINISHED))
        .filter(jobs::finished_at.ge(from))
        .filter(jobs::finished_at.lt(to))
        .order(jobs::finished_at.asc())
        .limit(i64::try_from(limit).unwrap_or(i64::MAX))
        .select((
            jobs::queue,
            jobs::kind,
            jobs::state,
            jobs::attempt,
            jobs::run_at,
            jobs::attempted_at,
            jobs::finished_at,
        ))
        .load(conn)
}

/// A stored history row.
#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = job_history)]
struct Row {
    span_secs: i32,
    bucket_start: NaiveDateTime,
    queue: String,
    kind: String,
    completed: i64,
    discarded: i64,
    cancelled: i64,
    failed_attempts: i64,
    run_count: i64,
    run_sum_ms: i64,
    run_max_ms: i64,
    run_hist: String,
    wait_count: i64,
    wait_sum_ms: i64,
    wait_max_ms: i64,
    wait_hist: String,
}

impl Row {
    fn new(span_secs: i32, (start, queue, kind): Key, a: &Aggregate) -> Self {
        Row {
            span_secs,
            bucket_start: start,
            queue,
            kind,
            completed: a.completed,
            discarded: a.discarded,
            cancelled: a.cancelled,
            failed_attempts: a.failed_attempts,
            run_count: a.run.count,
            run_sum_ms: a.run.sum_ms,
            run_max_ms: a.run.max_ms,
            run_hist: a.run.encode_buckets(),
            wait_count: a.wait.count,
            wait_sum_ms: a.wait.sum_ms,
            wait_max_ms: a.wait.max_ms,
            wait_hist: a.wait.encode_buckets(),
        }
    }

    fn aggregate(&self) -> QueryResult<Aggregate> {
        let bad = |e: String| {
            diesel::result::Error::DeserializationError(
                format!(
                    "job_history row {} {} {} {}: {e}",
                    self.span_secs, self.bucket_start, self.queue, self.kind
                )
                .into(),
            )
        };
        Ok(Aggregate {
            completed: self.completed,
            discarded: self.discarded,
            cancelled: self.cancelled,
            failed_attempts: self.failed_attempts,
            run: Histogram::decode(
                self.run_count,
                self.run_sum_ms,
                self.run_max_ms,
                &self.run_hist,
            )
            .map_err(bad)?,
            wait: Histogram::decode(
                self.wait_count,
                self.wait_sum_ms,
                self.wait_max_ms,
                &self.wait_hist,
            )
            .map_err(bad)?,
        })
    }
}

/// Adds `buckets` to the stored rows of `span_secs` (read, merge, write back). Call only
/// under the roll-up lock.
fn add_to_stored(
    conn: &mut DbConn,
    span_secs: i32,
    buckets: BTreeMap<Key, Aggregate>,
) -> QueryResult<()> {
    for (key, mut agg) in buckets {
        let pk = (span_secs, key.0, key.1.clone(), key.2.clone());
        let existing: Option<Row> = job_history::table.find(pk.clone()).first(conn).optional()?;
        if let Some(row) = existing {
            agg.merge(&row.aggregate()?);
            diesel::delete(job_history::table.find(pk)).execute(conn)?;
        }
        diesel::insert_into(job_history::table)
            .values(Row::new(span_secs, key, &agg))
            .execute(conn)?;
    }
    Ok(())
}

/// Where the roll-up stands: finished jobs before it are in the history. `None` before the
/// first roll-up.
pub fn rolled_through(conn: &mut DbConn) -> QueryResult<Option<NaiveDateTime>> {
    job_history_rollup::table
        .find(1)
        .select(job_history_rollup::rolled_through)
        .first(conn)
        .optional()
}

/// Creates the watermark at the oldest finished job's minute (or `start` when there is
/// none) unless it exists.
fn ensure_watermark(conn: &mut DbConn, start: NaiveDateTime) -> QueryResult<()> {
    if rolled_through(conn)?.is_some() {
        return Ok(());
    }
    // `finished_at IS NOT NULL` lets PostgreSQL read its index of finished jobs.
    let oldest: Option<NaiveDateTime> = jobs::table
        .filter(jobs::state.eq_any(FINISHED))
        .filter(jobs::finished_at.is_not_null())
        .select(diesel::dsl::min(jobs::finished_at))
        .first(conn)?;
    let from = oldest.map_or(start, |t| bucket_start(t, MINUTE).min(start));
    let row = (
        job_history_rollup::id.eq(1),
        job_history_rollup::rolled_through.eq(from),
        job_history_rollup::updated_at.eq(start),
    );
    crate::with_conn_or_mysql!(
        conn,
        |c| diesel::insert_into(job_history_rollup::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c),
        mysql: |c| diesel::insert_or_ignore_into(job_history_rollup::table)
            .values(row)
            .execute(c)
    )?;
    Ok(())
}

/// Reads the watermark, locking its row until the transaction ends (SQLite holds the
/// whole database from `BEGIN IMMEDIATE`).
fn lock_watermark(conn: &mut DbConn) -> QueryResult<NaiveDateTime> {
    let q = job_history_rollup::table
        .find(1)
        .select(job_history_rollup::rolled_through);
    match conn {
        DbConn::Postgres(c) => q.for_update().first(c),
        DbConn::Mysql(c) => q.for_update().first(c),
        DbConn::Sqlite(c) => q.first(c),
    }
}

/// What one call of [`roll_up`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RolledUp {
    /// Finished jobs counted into the history now.
    pub jobs: usize,
    /// The watermark after it.
    pub through: NaiveDateTime,
}

/// Rolls finished jobs up into minute and hour rows, through the minute that ended
/// [`ROLLUP_DELAY`] before `now`, a [`ROLLUP_CHUNK`] or [`ROLLUP_BATCH`] jobs per
/// transaction. Safe to call from any number of workers at once: each job is counted once.
pub fn roll_up(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<RolledUp> {
    roll_up_in_batches(conn, now, ROLLUP_BATCH)
}

/// [`roll_up`] reading at most `batch` job rows per transaction (more only when that many
/// finished at the very same instant).
pub fn roll_up_in_batches(
    conn: &mut DbConn,
    now: NaiveDateTime,
    batch: usize,
) -> QueryResult<RolledUp> {
    let batch = batch.max(1);
    let target = bucket_start(now - ROLLUP_DELAY, MINUTE);
    ensure_watermark(conn, target)?;
    let mut total = 0;
    loop {
        let step = dialect::transaction(conn, |c| {
            let from = lock_watermark(c)?;
            if from >= target {
                return Ok::<_, diesel::result::Error>((from, None));
            }
            // Skip empty time at once (a first roll-up may start days back).
            let next: Option<NaiveDateTime> = jobs::table
                .filter(jobs::state.eq_any(FINISHED))
                .filter(jobs::finished_at.ge(from))
                .select(diesel::dsl::min(jobs::finished_at))
                .first(c)?;
            let to = match next {
                Some(n) if n < target => {
                    (bucket_start(n, MINUTE).max(from) + ROLLUP_CHUNK).min(target)
                }
                _ => target,
            };
            let mut rows = load_oldest(c, from, to, batch + 1)?;
            let to = match rows.get(batch).and_then(|r| r.finished_at) {
                // More than a batch: stop before the first instant left out, so that
                // instant's jobs are all read next time.
                Some(cut) => {
                    rows.retain(|r| r.finished_at < Some(cut));
                    if rows.is_empty() {
                        // A batch or more finished at one instant: take that instant whole.
                        let past = cut + TimeDelta::microseconds(1);
                        rows = load_finished(c, from, Some(past), None, None)?;
                        past
                    } else {
                        cut
                    }
                }
                None => to,
            };
            let minutes = aggregate(&rows, MINUTE);
            let mut hours: BTreeMap<Key, Aggregate> = BTreeMap::new();
            for ((start, q, k), a) in &minutes {
                hours
                    .entry((bucket_start(*start, HOUR), q.clone(), k.clone()))
                    .or_default()
                    .merge(a);
            }
            add_to_stored(c, MINUTE, minutes)?;
            add_to_stored(c, HOUR, hours)?;
            diesel::update(job_history_rollup::table.find(1))
                .set((
                    job_history_rollup::rolled_through.eq(to),
                    job_history_rollup::updated_at.eq(now),
                ))
                .execute(c)?;
            Ok((to, Some(rows.len())))
        })?;
        match step {
            (through, None) => {
                return Ok(RolledUp {
                    jobs: total,
                    through,
                });
            }
            (_, Some(n)) => total += n,
        }
    }
}

/// Deletes history rows of buckets that started before `before`. Returns how many.
pub fn drop_older(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        job_history::table
            .filter(job_history::span_secs.eq_any([MINUTE, HOUR]))
            .filter(job_history::bucket_start.lt(before)),
    )
    .execute(conn)
}

/// What to read: buckets of `span_secs` from the one holding `from` up to `to`, of one
/// queue and kind or all.
#[derive(Debug, Clone)]
pub struct SeriesQuery {
    pub span_secs: i32,
    pub from: NaiveDateTime,
    pub to: NaiveDateTime,
    pub queue: Option<String>,
    pub kind: Option<String>,
}

/// Every bucket from `from` to `to`, oldest first (empty ones too): the stored rows
/// merged across queues and kinds, plus the finished jobs past the watermark.
pub fn series(conn: &mut DbConn, q: &SeriesQuery) -> QueryResult<Vec<(NaiveDateTime, Aggregate)>> {
    let from = bucket_start(q.from, q.span_secs);
    let mut stored = job_history::table
        .filter(job_history::span_secs.eq(q.span_secs))
        .filter(job_history::bucket_start.ge(from))
        .filter(job_history::bucket_start.lt(q.to))
        .into_boxed();
    if let Some(queue) = &q.queue {
        stored = stored.filter(job_history::queue.eq(queue.clone()));
    }
    if let Some(kind) = &q.kind {
        stored = stored.filter(job_history::kind.eq(kind.clone()));
    }
    let rows: Vec<Row> = stored.load(conn)?;
    let mut by_start: BTreeMap<NaiveDateTime, Aggregate> = BTreeMap::new();
    for r in &rows {
        by_start
            .entry(r.bucket_start)
            .or_default()
            .merge(&r.aggregate()?);
    }
    let tail_from = rolled_through(conn)?.map_or(from, |w| w.max(from));
    let tail = load_finished(conn, tail_from, None, q.queue.as_deref(), q.kind.as_deref())?;
    for ((start, _, _), a) in aggregate(&tail, q.span_secs) {
        by_start.entry(start).or_default().merge(&a);
    }
    let step = TimeDelta::seconds(i64::from(q.span_secs));
    let mut out = Vec::new();
    let mut t = from;
    while t < q.to {
        out.push((t, by_start.remove(&t).unwrap_or_default()));
        t += step;
    }
    Ok(out)
}

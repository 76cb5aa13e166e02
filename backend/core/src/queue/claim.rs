//! Claiming: a worker takes a batch of runnable jobs atomically, under a lease.

use std::sync::LazyLock;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Integer, Nullable, Text, Timestamp};

use crate::db::DbConn;
use crate::job::{Job, JobState};
use crate::schema::{jobs, paused_kinds, queues};

/// The runnable jobs of `$1` in claim order (highest priority, then run_at, then id): due,
/// queue not paused, and first in line for their ordering key. `$2` is now, `$3` the limit.
/// The argument is an extra condition on `j` (the kind-pause filter, or nothing). The pause
/// is asked of `$1`, not of `j.queue`: uncorrelated, PostgreSQL reads the queue's row once
/// per claim instead of once per job picked.
macro_rules! runnable_jobs_sql {
    ($extra:expr) => {
        concat!(
            "SELECT j.id FROM jobs j \
         WHERE j.queue = $1 \
           AND j.state IN ('scheduled', 'available', 'retryable') \
           AND j.run_at <= $2 \
           AND NOT EXISTS (SELECT 1 FROM queues q WHERE q.name = $1 AND q.paused) ",
            $extra,
            " AND (j.ordering_key IS NULL OR NOT EXISTS ( \
                SELECT 1 FROM jobs e \
                WHERE e.ordering_key = j.ordering_key AND e.id < j.id \
                  AND e.state NOT IN ('completed', 'cancelled'))) \
         ORDER BY j.priority DESC, j.run_at, j.id \
         LIMIT $3"
        )
    };
}

/// Leaves out jobs of a paused kind; only added while some kind is paused.
macro_rules! not_paused_kind_sql {
    () => {
        "AND NOT EXISTS (SELECT 1 FROM paused_kinds pk WHERE pk.kind = j.kind)"
    };
}

/// Marks the picked ids running under the caller's lease; `$4` owner, `$5` lease expiry.
macro_rules! take_lease_sql {
    () => {
        "UPDATE jobs SET state = 'running', attempt = attempt + 1, lease_owner = $4, \
             lease_expires_at = $5, attempted_at = $2, cancel_requested = FALSE "
    };
}

/// SQLite numbers `$n` parameters by first appearance; `?n` keeps the numbers as written.
static SQLITE_CLAIM: LazyLock<String> = LazyLock::new(|| {
    concat!(
        take_lease_sql!(),
        "WHERE id IN (",
        runnable_jobs_sql!(""),
        ") RETURNING *"
    )
    .replace('$', "?")
});
static SQLITE_CLAIM_KINDS: LazyLock<String> = LazyLock::new(|| {
    concat!(
        take_lease_sql!(),
        "WHERE id IN (",
        runnable_jobs_sql!(not_paused_kind_sql!()),
        ") RETURNING *"
    )
    .replace('$', "?")
});
const POSTGRES_CLAIM: &str = concat!(
    "WITH picked AS (",
    runnable_jobs_sql!(""),
    " FOR UPDATE OF j SKIP LOCKED) ",
    take_lease_sql!(),
    "FROM picked WHERE jobs.id = picked.id RETURNING jobs.*"
);
const POSTGRES_CLAIM_KINDS: &str = concat!(
    "WITH picked AS (",
    runnable_jobs_sql!(not_paused_kind_sql!()),
    " FOR UPDATE OF j SKIP LOCKED) ",
    take_lease_sql!(),
    "FROM picked WHERE jobs.id = picked.id RETURNING jobs.*"
);

/// MySQL / MariaDB: no `UPDATE … RETURNING`, so the ids are locked first (SKIP LOCKED,
/// MariaDB 10.6+ and MySQL 8), then updated and read back in the same transaction.
/// `claim_rank` is -priority while a job is runnable, NULL otherwise (a stored column with
/// its own index, in place of PostgreSQL's partial index).
macro_rules! mysql_pick_sql {
    ($extra:expr) => {
        concat!(
            "SELECT j.id FROM jobs j \
     WHERE j.queue = ? \
       AND j.claim_rank IS NOT NULL \
       AND j.run_at <= ? \
       AND NOT EXISTS (SELECT 1 FROM queues q WHERE q.name = j.queue AND q.paused) ",
            $extra,
            " AND (j.ordering_key IS NULL OR NOT EXISTS ( \
            SELECT 1 FROM jobs e \
            WHERE e.ordering_key = j.ordering_key AND e.id < j.id \
              AND e.state NOT IN ('completed', 'cancelled'))) \
     ORDER BY j.claim_rank, j.run_at, j.id \
     LIMIT ? \
     FOR UPDATE SKIP LOCKED"
        )
    };
}
const MYSQL_PICK: &str = mysql_pick_sql!("");
const MYSQL_PICK_KINDS: &str = mysql_pick_sql!(not_paused_kind_sql!());

#[derive(QueryableByName)]
struct PickedId {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// What a claim must respect beyond the queue's pause, as the claimer last read it (see
/// [`claim_rules`]). The default, nothing: the plain claim, at no extra cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClaimRules {
    /// The queue has a concurrency or rate limit: the claim locks the queue's row, reads
    /// the limits afresh and counts under that lock.
    pub limited: bool,
    /// Some job kind is paused: the claim leaves out jobs of paused kinds.
    pub kinds_paused: bool,
}

/// Claims up to `limit` runnable jobs of `queue` for `owner`, leased until `lease_until`.
///
/// Each job is claimed by exactly one caller, however many claim at once; each claimed
/// job's `attempt` is raised by one. Returns them in claim order (possibly none).
pub fn claim(
    conn: &mut DbConn,
    queue: &str,
    limit: usize,
    owner: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> QueryResult<Vec<Job>> {
    claim_with(
        conn,
        queue,
        limit,
        owner,
        now,
        lease_until,
        ClaimRules::default(),
    )
}

/// [`claim`] under `rules`: with `limited`, at most the queue's concurrency limit of its
/// jobs run at once and at most its rate limit start per period, across every worker —
/// counted in the claim's transaction, under a lock on the queue's row, so claimers on any
/// number of hosts take turns; with `kinds_paused`, no job of a paused kind is claimed.
pub fn claim_with(
    conn: &mut DbConn,
    queue: &str,
    limit: usize,
    owner: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    rules: ClaimRules,
) -> QueryResult<Vec<Job>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    // Up to `n` jobs; `in_tx`: inside the limits' transaction.
    let rows = |conn: &mut DbConn, n: usize, in_tx: bool| {
        claim_rows(
            conn,
            queue,
            n,
            owner,
            now,
            lease_until,
            rules.kinds_paused,
            in_tx,
        )
    };
    if !rules.limited {
        return rows(conn, limit, false);
    }
    crate::db::transaction(conn, |conn| {
        let Some(limits) = lock_limits(conn, queue)? else {
            return rows(conn, limit, true);
        };
        let mut allowed = limit;
        if let Some(max) = limits.concurrency {
            let running: i64 = jobs::table
                .filter(jobs::queue.eq(queue))
                .filter(jobs::state.eq(JobState::Running))
                .count()
                .get_result(conn)?;
            let free = usize::try_from(i64::from(max) - running).unwrap_or(0);
            allowed = allowed.min(free);
        }
        let tokens = limits.tokens(now);
        if let Some(t) = tokens {
            // Whole starts only; a fraction waits for the bucket to refill.
            allowed = allowed.min(t.floor() as usize);
        }
        let jobs = if allowed == 0 {
            Vec::new()
        } else {
            rows(conn, allowed, true)?
        };
        if let Some(t) = tokens {
            diesel::update(queues::table.find(queue))
                .set((
                    queues::rate_tokens.eq(Some(t - jobs.len() as f64)),
                    queues::rate_checked_at.eq(Some(now)),
                ))
                .execute(conn)?;
        }
        Ok(jobs)
    })
}

/// Which queues have limits and whether any kind is paused: what a worker re-reads every
/// few seconds to pick each queue's [`ClaimRules`]. Two small reads.
pub fn claim_rules(conn: &mut DbConn) -> QueryResult<(Vec<String>, bool)> {
    let limited = queues::table
        .filter(
            queues::concurrency
                .is_not_null()
                .or(queues::rate_limit.is_not_null()),
        )
        .select(queues::name)
        .load(conn)?;
    let paused: i64 = paused_kinds::table.count().get_result(conn)?;
    Ok((limited, paused > 0))
}

/// A queue's limits and its rate bucket, as read under the row's lock.
#[derive(QueryableByName)]
struct LockedLimits {
    #[diesel(sql_type = Nullable<Integer>)]
    concurrency: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    rate_limit: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    rate_period_secs: Option<i32>,
    #[diesel(sql_type = Nullable<Double>)]
    rate_tokens: Option<f64>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    rate_checked_at: Option<NaiveDateTime>,
}

impl LockedLimits {
    /// The starts the rate limit allows at `now` (refilled since the last claim, at most
    /// the limit); `None` without a rate limit.
    fn tokens(&self, now: NaiveDateTime) -> Option<f64> {
        let rate = f64::from(self.rate_limit?);
        let period = f64::from(self.rate_period_secs.unwrap_or(60).max(1));
        Some(match (self.rate_tokens, self.rate_checked_at) {
            (Some(left), Some(at)) => {
                let elapsed = (now - at).num_milliseconds().max(0) as f64 / 1000.0;
                (left + elapsed * rate / period).min(rate)
            }
            _ => rate,
        })
    }
}

/// Reads `queue`'s limits, locking its row until the transaction ends (SQLite: the write
/// lock the transaction already holds). `None`: no row, or no limit in it.
fn lock_limits(conn: &mut DbConn, queue: &str) -> QueryResult<Option<LockedLimits>> {
    const COLS: &str = "SELECT concurrency, rate_limit, rate_period_secs, rate_tokens, \
                        rate_checked_at FROM queues WHERE name = ";
    let row: Option<LockedLimits> = match conn {
        DbConn::Postgres(c) => diesel::sql_query(format!("{COLS}$1 FOR UPDATE"))
            .bind::<Text, _>(queue)
            .get_result(c)
            .optional()?,
        DbConn::Sqlite(c) => diesel::sql_query(format!("{COLS}?"))
            .bind::<Text, _>(queue)
            .get_result(c)
            .optional()?,
        DbConn::Mysql(c) => diesel::sql_query(format!("{COLS}? FOR UPDATE"))
            .bind::<Text, _>(queue)
            .get_result(c)
            .optional()?,
    };
    Ok(row.filter(|l| l.concurrency.is_some() || l.rate_limit.is_some()))
}

/// The claim itself. `in_tx`: the caller holds a transaction (and, on SQLite, the write
/// lock), so SQLite and MySQL need not open their own.
#[allow(clippy::too_many_arguments)]
fn claim_rows(
    conn: &mut DbConn,
    queue: &str,
    limit: usize,
    owner: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    kinds_paused: bool,
    in_tx: bool,
) -> QueryResult<Vec<Job>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut jobs: Vec<Job> = match conn {
        // PostgreSQL: concurrent claimers skip each other's locked rows.
        DbConn::Postgres(c) => diesel::sql_query(if kinds_paused {
            POSTGRES_CLAIM_KINDS
        } else {
            POSTGRES_CLAIM
        })
        .bind::<Text, _>(queue)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .bind::<Text, _>(owner)
        .bind::<Timestamp, _>(lease_until)
        .load(c)?,
        DbConn::Sqlite(c) => {
            let sql = if kinds_paused {
                SQLITE_CLAIM_KINDS.as_str()
            } else {
                SQLITE_CLAIM.as_str()
            };
            let run = |c: &mut diesel::SqliteConnection| {
                diesel::sql_query(sql)
                    .bind::<Text, _>(queue)
                    .bind::<Timestamp, _>(now)
                    .bind::<BigInt, _>(limit)
                    .bind::<Text, _>(owner)
                    .bind::<Timestamp, _>(lease_until)
                    .load(c)
            };
            if in_tx {
                run(c)?
            } else {
                // SQLite: one writer at a time; IMMEDIATE takes the write lock before reading.
                c.immediate_transaction(run)?
            }
        }
        DbConn::Mysql(c) => c.transaction(|c| {
            let ids: Vec<i64> = diesel::sql_query(if kinds_paused {
                MYSQL_PICK_KINDS
            } else {
                MYSQL_PICK
            })
            .bind::<Text, _>(queue)
            .bind::<Timestamp, _>(now)
            .bind::<BigInt, _>(limit)
            .load::<PickedId>(c)?
            .into_iter()
            .map(|p| p.id)
            .collect();
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            diesel::update(jobs::table.filter(jobs::id.eq_any(&ids)))
                .set((
                    jobs::state.eq(JobState::Running),
                    jobs::attempt.eq(jobs::attempt + 1),
                    jobs::lease_owner.eq(owner),
                    jobs::lease_expires_at.eq(lease_until),
                    jobs::attempted_at.eq(now),
                    jobs::cancel_requested.eq(false),
                ))
                .execute(c)?;
            jobs::table
                .filter(jobs::id.eq_any(&ids))
                .select(Job::as_select())
                .load(c)
        })?,
    };
    jobs.sort_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then(a.run_at.cmp(&b.run_at))
            .then(a.id.cmp(&b.id))
    });
    Ok(jobs)
}

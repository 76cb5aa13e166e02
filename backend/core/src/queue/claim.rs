//! Claiming: a worker takes a batch of runnable jobs atomically, under a lease.

use std::sync::LazyLock;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use crate::db::DbConn;
use crate::job::{Job, JobState};
use crate::schema::jobs;

/// The runnable jobs of `$1` in claim order (highest priority, then run_at, then id): due,
/// queue not paused, and first in line for their ordering key. `$2` is now, `$3` the limit.
macro_rules! runnable_jobs_sql {
    () => {
        "SELECT j.id FROM jobs j \
         WHERE j.queue = $1 \
           AND j.state IN ('scheduled', 'available', 'retryable') \
           AND j.run_at <= $2 \
           AND NOT EXISTS (SELECT 1 FROM queues q WHERE q.name = j.queue AND q.paused) \
           AND (j.ordering_key IS NULL OR NOT EXISTS ( \
                SELECT 1 FROM jobs e \
                WHERE e.ordering_key = j.ordering_key AND e.id < j.id \
                  AND e.state NOT IN ('completed', 'cancelled'))) \
         ORDER BY j.priority DESC, j.run_at, j.id \
         LIMIT $3"
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
        runnable_jobs_sql!(),
        ") RETURNING *"
    )
    .replace('$', "?")
});

/// MySQL / MariaDB: no `UPDATE … RETURNING`, so the ids are locked first (SKIP LOCKED,
/// MariaDB 10.6+ and MySQL 8), then updated and read back in the same transaction.
/// `claim_rank` is -priority while a job is runnable, NULL otherwise (a stored column with
/// its own index, in place of PostgreSQL's partial index).
const MYSQL_PICK: &str = "SELECT j.id FROM jobs j \
     WHERE j.queue = ? \
       AND j.claim_rank IS NOT NULL \
       AND j.run_at <= ? \
       AND NOT EXISTS (SELECT 1 FROM queues q WHERE q.name = j.queue AND q.paused) \
       AND (j.ordering_key IS NULL OR NOT EXISTS ( \
            SELECT 1 FROM jobs e \
            WHERE e.ordering_key = j.ordering_key AND e.id < j.id \
              AND e.state NOT IN ('completed', 'cancelled'))) \
     ORDER BY j.claim_rank, j.run_at, j.id \
     LIMIT ? \
     FOR UPDATE SKIP LOCKED";

#[derive(QueryableByName)]
struct PickedId {
    #[diesel(sql_type = BigInt)]
    id: i64,
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
    if limit == 0 {
        return Ok(Vec::new());
    }
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut jobs: Vec<Job> = match conn {
        // PostgreSQL: concurrent claimers skip each other's locked rows.
        DbConn::Postgres(c) => diesel::sql_query(concat!(
            "WITH picked AS (",
            runnable_jobs_sql!(),
            " FOR UPDATE OF j SKIP LOCKED) ",
            take_lease_sql!(),
            "FROM picked WHERE jobs.id = picked.id RETURNING jobs.*"
        ))
        .bind::<Text, _>(queue)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .bind::<Text, _>(owner)
        .bind::<Timestamp, _>(lease_until)
        .load(c)?,
        // SQLite: one writer at a time; IMMEDIATE takes the write lock before reading.
        DbConn::Sqlite(c) => c.immediate_transaction(|c| {
            diesel::sql_query(SQLITE_CLAIM.as_str())
                .bind::<Text, _>(queue)
                .bind::<Timestamp, _>(now)
                .bind::<BigInt, _>(limit)
                .bind::<Text, _>(owner)
                .bind::<Timestamp, _>(lease_until)
                .load(c)
        })?,
        DbConn::Mysql(c) => c.transaction(|c| {
            let ids: Vec<i64> = diesel::sql_query(MYSQL_PICK)
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

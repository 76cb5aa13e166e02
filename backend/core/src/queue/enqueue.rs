//! Putting jobs in the queue: one or many in one statement, with unique keys.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::notify;
use crate::clock;
use crate::db::DbConn;
use crate::job::{Job, JobState, NewJob};
use crate::schema::jobs;
use crate::with_conn_or_mysql;

/// Default number of attempts a job gets before it is discarded.
pub const DEFAULT_MAX_ATTEMPTS: i32 = 5;
/// Upper bound accepted for `max_attempts`.
pub const MAX_MAX_ATTEMPTS: i32 = 1_000;
/// Longest queue name, kind, unique key or ordering key accepted.
pub const MAX_NAME_LEN: usize = 200;
/// Largest payload accepted, in bytes of JSON.
pub const MAX_PAYLOAD_BYTES: usize = 1 << 20;
/// Rows per INSERT statement (keeps SQLite under its bound-parameter limit).
const INSERT_CHUNK: usize = 1_000;

/// What a caller asks to enqueue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnqueueRequest {
    pub queue: String,
    pub kind: String,
    #[serde(default = "empty_object")]
    pub payload: serde_json::Value,
    /// Higher runs first.
    #[serde(default)]
    pub priority: i32,
    #[serde(default)]
    pub max_attempts: Option<i32>,
    /// Not before this time (UTC); now when absent.
    #[serde(default)]
    pub run_at: Option<NaiveDateTime>,
    /// While a live job holds this key, enqueueing another returns that job instead.
    #[serde(default)]
    pub unique_key: Option<String>,
    /// Jobs sharing this key run one at a time in id order.
    #[serde(default)]
    pub ordering_key: Option<String>,
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(Default::default())
}

impl EnqueueRequest {
    pub fn new(queue: impl Into<String>, kind: impl Into<String>) -> Self {
        EnqueueRequest {
            queue: queue.into(),
            kind: kind.into(),
            payload: empty_object(),
            priority: 0,
            max_attempts: None,
            run_at: None,
            unique_key: None,
            ordering_key: None,
        }
    }

    pub fn payload(mut self, payload: serde_json::Value) -> Self {
        self.payload = payload;
        self
    }

    pub fn priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }

    pub fn max_attempts(mut self, n: i32) -> Self {
        self.max_attempts = Some(n);
        self
    }

    pub fn run_at(mut self, at: NaiveDateTime) -> Self {
        self.run_at = Some(at);
        self
    }

    pub fn unique_key(mut self, key: impl Into<String>) -> Self {
        self.unique_key = Some(key.into());
        self
    }

    pub fn ordering_key(mut self, key: impl Into<String>) -> Self {
        self.ordering_key = Some(key.into());
        self
    }

    /// Checks every field; the error names the field and what is wrong with it.
    pub fn validate(&self) -> Result<(), InvalidJob> {
        check_name("queue", &self.queue)?;
        check_name("kind", &self.kind)?;
        for (field, key) in [
            ("unique_key", &self.unique_key),
            ("ordering_key", &self.ordering_key),
        ] {
            if let Some(key) = key
                && (key.is_empty() || key.len() > MAX_NAME_LEN)
            {
                return Err(InvalidJob::new(
                    field,
                    format!("must be 1 to {MAX_NAME_LEN} bytes long"),
                ));
            }
        }
        if let Some(n) = self.max_attempts
            && !(1..=MAX_MAX_ATTEMPTS).contains(&n)
        {
            return Err(InvalidJob::new(
                "max_attempts",
                format!("must be between 1 and {MAX_MAX_ATTEMPTS}, got {n}"),
            ));
        }
        let size = self.payload.to_string().len();
        if size > MAX_PAYLOAD_BYTES {
            return Err(InvalidJob::new(
                "payload",
                format!("is {size} bytes; at most {MAX_PAYLOAD_BYTES} are accepted"),
            ));
        }
        Ok(())
    }

    fn to_row(&self, now: NaiveDateTime) -> NewJob {
        let run_at = self.run_at.unwrap_or(now);
        NewJob {
            queue: self.queue.clone(),
            kind: self.kind.clone(),
            payload: self.payload.to_string(),
            priority: self.priority,
            state: if run_at > now {
                JobState::Scheduled
            } else {
                JobState::Available
            },
            max_attempts: self.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS),
            run_at,
            unique_key: self.unique_key.clone(),
            ordering_key: self.ordering_key.clone(),
            created_at: now,
            errors: "[]".to_string(),
        }
    }
}

fn check_name(field: &'static str, value: &str) -> Result<(), InvalidJob> {
    let ok_chars = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'));
    if value.is_empty() || value.len() > MAX_NAME_LEN || !ok_chars {
        return Err(InvalidJob::new(
            field,
            format!(
                "must be 1 to {MAX_NAME_LEN} characters of letters, digits, '_', '-', '.' or ':', got {value:?}"
            ),
        ));
    }
    Ok(())
}

/// A request that cannot become a job, with the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {reason}")]
pub struct InvalidJob {
    pub field: &'static str,
    pub reason: String,
}

impl InvalidJob {
    fn new(field: &'static str, reason: String) -> Self {
        InvalidJob { field, reason }
    }
}

/// The job a request ended as: a new row, or the live job already holding its unique key.
#[derive(Debug, Clone, PartialEq)]
pub struct Enqueued {
    pub job: Job,
    /// False when the unique key was already held and `job` is the existing holder.
    pub inserted: bool,
}

/// Enqueues `requests` (validated by the caller) in one transaction, one INSERT per
/// thousand rows. Results come back in request order. On PostgreSQL the workers listening
/// for the queues involved are woken when the transaction commits.
pub fn enqueue_many(conn: &mut DbConn, requests: &[EnqueueRequest]) -> QueryResult<Vec<Enqueued>> {
    let now = clock::now();
    let rows: Vec<NewJob> = requests.iter().map(|r| r.to_row(now)).collect();
    let mut inserted: Vec<Job> = Vec::with_capacity(rows.len());
    with_conn_or_mysql!(
        conn,
        |c| c.transaction(|c| {
            for chunk in rows.chunks(INSERT_CHUNK) {
                inserted.extend(
                    diesel::insert_into(jobs::table)
                        .values(chunk)
                        .on_conflict_do_nothing()
                        .returning(Job::as_returning())
                        .get_results(c)?,
                );
            }
            Ok::<_, diesel::result::Error>(())
        }),
        // MySQL / MariaDB: no RETURNING. A multi-row INSERT's ids are consecutive from
        // LAST_INSERT_ID() only under the "traditional" or "consecutive" auto-increment lock
        // modes (0, 1: MariaDB's default) with a step of 1; then chunks without unique keys
        // go in one INSERT each. Otherwise (mode 2, MySQL 8's default), and for rows with a
        // unique key (a duplicate live key fails just that statement and the transaction
        // goes on), one INSERT per row reads each id back.
        mysql: |c| c.transaction(|c| {
            let consecutive = mysql_ids_are_consecutive(c)?;
            let mut ids = Vec::with_capacity(rows.len());
            for chunk in rows.chunks(INSERT_CHUNK) {
                if consecutive && chunk.len() > 1 && chunk.iter().all(|r| r.unique_key.is_none()) {
                    let n = diesel::insert_into(jobs::table).values(chunk).execute(c)?;
                    let first = diesel::select(last_insert_id()).get_result::<u64>(c)? as i64;
                    if n != chunk.len() {
                        return Err(diesel::result::Error::QueryBuilderError(
                            format!("inserted {n} of {} jobs", chunk.len()).into(),
                        ));
                    }
                    ids.extend(first..first + n as i64);
                    continue;
                }
                for row in chunk {
                    match diesel::insert_into(jobs::table).values(row).execute(c) {
                        Ok(_) => ids.push(
                            diesel::select(last_insert_id()).get_result::<u64>(c)? as i64,
                        ),
                        Err(diesel::result::Error::DatabaseError(
                            diesel::result::DatabaseErrorKind::UniqueViolation,
                            _,
                        )) if row.unique_key.is_some() => {}
                        Err(e) => return Err(e),
                    }
                }
            }
            for chunk in ids.chunks(INSERT_CHUNK) {
                let found: Vec<Job> = jobs::table
                    .filter(jobs::id.eq_any(chunk))
                    .select(Job::as_select())
                    .load(c)?;
                // A safety net for the consecutive-ids reading: every id must find a row.
                if found.len() != chunk.len() {
                    return Err(diesel::result::Error::QueryBuilderError(
                        "the ids of the inserted jobs could not be read back".into(),
                    ));
                }
                inserted.extend(found);
            }
            Ok::<_, diesel::result::Error>(())
        })
    )?;
    inserted.sort_by_key(|j| j.id);

    // Match rows back to requests: ids grow in VALUES order, and a request whose unique
    // key produced no row was answered by a live holder (found below).
    let mut results: Vec<Option<Enqueued>> = Vec::with_capacity(requests.len());
    let mut new_rows = inserted.into_iter().peekable();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut missing_keys: Vec<String> = Vec::new();
    for (i, req) in requests.iter().enumerate() {
        let takes_next = match (&req.unique_key, new_rows.peek()) {
            (None, _) => true,
            (Some(k), Some(row)) => {
                row.unique_key.as_deref() == Some(k.as_str()) && !by_key.contains_key(k)
            }
            (Some(_), None) => false,
        };
        if takes_next && let Some(job) = new_rows.next() {
            if let Some(k) = &req.unique_key {
                by_key.insert(k.clone(), i);
            }
            results.push(Some(Enqueued {
                job,
                inserted: true,
            }));
        } else {
            if let Some(k) = &req.unique_key
                && !by_key.contains_key(k)
            {
                missing_keys.push(k.clone());
            }
            results.push(None);
        }
    }

    let holders: HashMap<String, Job> = if missing_keys.is_empty() {
        HashMap::new()
    } else {
        find_by_unique_keys(conn, &missing_keys)?
    };
    let mut out = Vec::with_capacity(requests.len());
    for (i, (req, res)) in requests.iter().zip(results.iter()).enumerate() {
        if let Some(r) = res {
            out.push(r.clone());
            continue;
        }
        let key = req.unique_key.clone().unwrap_or_default();
        let job = match by_key.get(&key) {
            Some(&first) if first < i => results[first].as_ref().map(|r| r.job.clone()),
            _ => holders.get(&key).cloned(),
        };
        match job {
            Some(job) => out.push(Enqueued {
                job,
                inserted: false,
            }),
            None => return Err(diesel::result::Error::NotFound),
        }
    }

    if let DbConn::Postgres(c) = conn {
        // PostgreSQL only: wake listening workers (delivered when this commits; here at once).
        let mut queues: Vec<&str> = requests.iter().map(|r| r.queue.as_str()).collect();
        queues.sort_unstable();
        queues.dedup();
        for q in queues {
            notify::notify_queue(c, q)?;
        }
    }
    Ok(out)
}

#[derive(diesel::QueryableByName)]
struct AutoIncrement {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    lock_mode: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    step: i64,
}

/// Whether a multi-row INSERT on this MySQL / MariaDB server takes consecutive ids.
fn mysql_ids_are_consecutive(c: &mut diesel::MysqlConnection) -> QueryResult<bool> {
    let a: AutoIncrement = diesel::sql_query(
        "SELECT CAST(@@innodb_autoinc_lock_mode AS SIGNED) AS lock_mode, \
         CAST(@@auto_increment_increment AS SIGNED) AS step",
    )
    .get_result(c)?;
    Ok(matches!(a.lock_mode, 0 | 1) && a.step == 1)
}

diesel::define_sql_function! {
    /// MySQL's id of the row the connection inserted last.
    fn last_insert_id() -> diesel::sql_types::Unsigned<diesel::sql_types::BigInt>;
}

/// Enqueues one request.
pub fn enqueue(conn: &mut DbConn, request: &EnqueueRequest) -> QueryResult<Enqueued> {
    enqueue_many(conn, std::slice::from_ref(request))?
        .pop()
        .ok_or(diesel::result::Error::NotFound)
}

/// The job holding each key: the live one if any, else the newest (it may have just
/// finished between our insert and this read).
fn find_by_unique_keys(conn: &mut DbConn, keys: &[String]) -> QueryResult<HashMap<String, Job>> {
    let found: Vec<Job> = jobs::table
        .filter(jobs::unique_key.eq_any(keys))
        .order(jobs::id.asc())
        .select(Job::as_select())
        .load(conn)?;
    let mut out: HashMap<String, Job> = HashMap::new();
    for job in found {
        let key = job.unique_key.clone().unwrap_or_default();
        // At most one job holds a key while live; otherwise the newest finished one answers.
        let replace =
            !job.state.is_finished() || out.get(&key).is_none_or(|prev| prev.state.is_finished());
        if replace {
            out.insert(key, job);
        }
    }
    Ok(out)
}

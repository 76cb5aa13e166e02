//! The job row, the row to insert, and the entries of a job's error history.

use std::fmt;

use chrono::NaiveDateTime;
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::prelude::*;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::BigInt;
use diesel::{AsExpression, FromSqlRow};
use serde::{Deserialize, Serialize};

use super::JobState;
use crate::schema::jobs;

/// How many entries a job's error history keeps; older ones are dropped.
pub const ERROR_HISTORY_LIMIT: usize = 20;
/// Longest error message stored per entry; the rest is cut with a marker.
pub const ERROR_MESSAGE_LIMIT: usize = 4_000;

/// A job's id; ids grow with insertion order.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    AsExpression,
    FromSqlRow,
    Serialize,
    Deserialize,
)]
#[diesel(sql_type = BigInt)]
#[serde(transparent)]
pub struct JobId(pub i64);

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<DB> ToSql<BigInt, DB> for JobId
where
    DB: Backend,
    i64: ToSql<BigInt, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        self.0.to_sql(out)
    }
}

impl<DB> FromSql<BigInt, DB> for JobId
where
    DB: Backend,
    i64: FromSql<BigInt, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        i64::from_sql(bytes).map(JobId)
    }
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq, Queryable, QueryableByName, Selectable, Serialize)]
#[diesel(table_name = jobs)]
pub struct Job {
    pub id: JobId,
    pub queue: String,
    pub kind: String,
    pub payload: String,
    pub priority: i32,
    pub state: JobState,
    pub attempt: i32,
    pub max_attempts: i32,
    pub run_at: NaiveDateTime,
    pub unique_key: Option<String>,
    pub ordering_key: Option<String>,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<NaiveDateTime>,
    pub cancel_requested: bool,
    pub last_error: Option<String>,
    pub errors: String,
    pub created_at: NaiveDateTime,
    pub attempted_at: Option<NaiveDateTime>,
    pub finished_at: Option<NaiveDateTime>,
}

impl Job {
    /// The error history, oldest first. A history that does not parse (edited by hand)
    /// is reported as one entry saying so rather than hidden.
    pub fn error_history(&self) -> Vec<ErrorEntry> {
        serde_json::from_str(&self.errors).unwrap_or_else(|e| {
            vec![ErrorEntry {
                at: self.created_at,
                attempt: 0,
                kind: ErrorKind::Error,
                message: format!("unreadable error history ({e}): {}", self.errors),
                worker: None,
            }]
        })
    }

    /// The history with `entry` appended, bounded to [`ERROR_HISTORY_LIMIT`], as stored JSON.
    pub fn errors_with(&self, entry: ErrorEntry) -> String {
        let mut history = self.error_history();
        history.push(entry);
        let excess = history.len().saturating_sub(ERROR_HISTORY_LIMIT);
        history.drain(..excess);
        serde_json::to_string(&history).unwrap_or_else(|_| "[]".to_string())
    }
}

/// What an error-history entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The handler returned an error or panicked.
    Error,
    /// The worker holding the job stopped heartbeating; the rescuer took the job back.
    Rescued,
    /// The worker shut down before the job finished and handed it back unspent.
    HandedBack,
    /// An operator acted on the job (retry, cancel, discard).
    Operator,
}

/// One entry of a job's bounded error history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorEntry {
    pub at: NaiveDateTime,
    pub attempt: i32,
    pub kind: ErrorKind,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
}

impl ErrorEntry {
    pub fn new(
        at: NaiveDateTime,
        attempt: i32,
        kind: ErrorKind,
        message: impl Into<String>,
    ) -> Self {
        ErrorEntry {
            at,
            attempt,
            kind,
            message: truncate(message.into(), ERROR_MESSAGE_LIMIT),
            worker: None,
        }
    }

    pub fn by(mut self, worker: impl Into<String>) -> Self {
        self.worker = Some(worker.into());
        self
    }
}

/// Cuts `s` to at most `limit` bytes on a character boundary, saying how much was cut.
pub fn truncate(mut s: String, limit: usize) -> String {
    if s.len() <= limit {
        return s;
    }
    let mut cut = limit;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    let dropped = s.len() - cut;
    s.truncate(cut);
    s.push_str(&format!("… [{dropped} bytes cut]"));
    s
}

/// A row to insert; built by [`crate::queue::EnqueueRequest`].
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = jobs, treat_none_as_default_value = false)]
pub struct NewJob {
    pub queue: String,
    pub kind: String,
    pub payload: String,
    pub priority: i32,
    pub state: JobState,
    pub max_attempts: i32,
    pub run_at: NaiveDateTime,
    pub unique_key: Option<String>,
    pub ordering_key: Option<String>,
    pub created_at: NaiveDateTime,
    pub errors: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_char_boundaries_and_says_so() {
        let s = "é".repeat(10);
        let t = truncate(s, 5);
        assert!(t.starts_with("éé"));
        assert!(t.ends_with("[16 bytes cut]"), "{t}");
        assert_eq!(truncate("short".into(), 10), "short");
    }
}

//! The notification outbox: events worth telling an operator (a copy or submission that
//! ended in error, an alert condition that began), stored with what they report so none is
//! lost, and handled once per channel by the notifier (`longjobs-notify`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel::{AsExpression, FromSqlRow};
use serde::Serialize;

use crate::clock;
use crate::db::{DbConn, transaction};
use crate::schema::{notify_conditions, notify_events};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, AsExpression, FromSqlRow, Serialize)]
#[diesel(sql_type = Text)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A Zenodo copy failed for good (out of attempts, a permanent refusal, or its job
    /// ended without finishing it).
    CopyError,
    /// A Merritt submission failed for good, or never became visible in time.
    SubmissionError,
    /// A maintenance switch (hold Merritt, defer Zenodo) has been on longer than its limit.
    HoldTooOld,
    /// More unfinished jobs in a queue than its limit.
    TooManyInFlight,
    /// A worker stopped heart-beating without stopping cleanly.
    WorkerGone,
    /// Due jobs wait with no live worker at all.
    NoWorker,
    /// Due jobs wait in a queue no live worker serves, or of a kind none of them runs.
    Unserved,
}

crate::text_enum!(EventKind {
    CopyError => "copy_error",
    SubmissionError => "submission_error",
    HoldTooOld => "hold_too_old",
    TooManyInFlight => "too_many_in_flight",
    WorkerGone => "worker_gone",
    NoWorker => "no_worker",
    Unserved => "unserved",
});

/// Where an event can be told; each stamps its own column, so one failing never makes
/// the other send twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Email,
    Webhook,
}

impl Channel {
    pub const ALL: [Channel; 2] = [Channel::Email, Channel::Webhook];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Webhook => "webhook",
        }
    }
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = notify_events)]
pub struct Event {
    pub id: i64,
    pub kind: EventKind,
    /// One line a person reads first.
    pub subject: String,
    /// JSON object with the event's fields (ids, identifier, error, …).
    pub detail: String,
    pub created_at: NaiveDateTime,
    pub email_sent_at: Option<NaiveDateTime>,
    pub webhook_sent_at: Option<NaiveDateTime>,
}

impl Event {
    /// The detail as JSON (an object; `{}` if the stored text does not parse).
    pub fn detail_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.detail)
            .unwrap_or_else(|_| serde_json::Value::Object(Default::default()))
    }
}

/// Records an event. Call it inside the transaction that makes it true, so the event
/// exists exactly when the state it reports does.
pub fn record(
    conn: &mut DbConn,
    kind: EventKind,
    subject: &str,
    detail: &serde_json::Value,
) -> QueryResult<()> {
    let now = clock::now();
    let detail = detail.to_string();
    diesel::insert_into(notify_events::table)
        .values((
            notify_events::kind.eq(kind),
            notify_events::subject.eq(subject),
            notify_events::detail.eq(&detail),
            notify_events::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Events `channel` has not handled yet, oldest first, at most `limit`.
pub fn pending(conn: &mut DbConn, channel: Channel, limit: i64) -> QueryResult<Vec<Event>> {
    let q = notify_events::table
        .order(notify_events::id.asc())
        .limit(limit)
        .select(Event::as_select());
    match channel {
        Channel::Email => q.filter(notify_events::email_sent_at.is_null()).load(conn),
        Channel::Webhook => q
            .filter(notify_events::webhook_sent_at.is_null())
            .load(conn),
    }
}

/// When the oldest event some channel has not handled was recorded (`None`: nothing waits).
pub fn oldest_pending(conn: &mut DbConn) -> QueryResult<Option<NaiveDateTime>> {
    notify_events::table
        .filter(
            notify_events::email_sent_at
                .is_null()
                .or(notify_events::webhook_sent_at.is_null()),
        )
        .select(diesel::dsl::min(notify_events::created_at))
        .first::<Option<NaiveDateTime>>(conn)
}

/// How many events some channel has not handled yet.
pub fn count_pending(conn: &mut DbConn) -> QueryResult<i64> {
    notify_events::table
        .filter(
            notify_events::email_sent_at
                .is_null()
                .or(notify_events::webhook_sent_at.is_null()),
        )
        .count()
        .get_result(conn)
}

/// Stamps `ids` as handled by `channel` at `at`; returns how many were still unhandled.
pub fn mark_sent(
    conn: &mut DbConn,
    channel: Channel,
    ids: &[i64],
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let rows = notify_events::table.filter(notify_events::id.eq_any(ids));
    match channel {
        Channel::Email => diesel::update(rows.filter(notify_events::email_sent_at.is_null()))
            .set(notify_events::email_sent_at.eq(at))
            .execute(conn),
        Channel::Webhook => diesel::update(rows.filter(notify_events::webhook_sent_at.is_null()))
            .set(notify_events::webhook_sent_at.eq(at))
            .execute(conn),
    }
}

/// Deletes events recorded before `before`, handled or not (an event that old is news to
/// no one); returns how many.
pub fn prune(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(notify_events::table.filter(notify_events::created_at.lt(before))).execute(conn)
}

/// An alert condition that holds now.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = notify_conditions)]
pub struct Condition {
    /// Names the condition and its subject, e.g. `worker_gone:host:123:abc`.
    pub condition_key: String,
    pub kind: EventKind,
    pub since: NaiveDateTime,
}

/// Records that a condition holds. The first time (no row for `key`) it also records its
/// event, in the same transaction, and returns `true`; while the row stays, later calls
/// return `false` and record nothing — from any number of workers at once.
pub fn begin_condition(
    conn: &mut DbConn,
    key: &str,
    kind: EventKind,
    subject: &str,
    detail: &serde_json::Value,
) -> QueryResult<bool> {
    let now = clock::now();
    let result = transaction(conn, |conn| {
        let known: i64 = notify_conditions::table
            .filter(notify_conditions::condition_key.eq(key))
            .count()
            .get_result(conn)?;
        if known > 0 {
            return Ok(false);
        }
        diesel::insert_into(notify_conditions::table)
            .values((
                notify_conditions::condition_key.eq(key),
                notify_conditions::kind.eq(kind),
                notify_conditions::since.eq(now),
            ))
            .execute(conn)?;
        record(conn, kind, subject, detail)?;
        Ok(true)
    });
    match result {
        // Another worker recorded it between our read and our insert.
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(false),
        other => other,
    }
}

/// Every condition recorded as holding.
pub fn conditions(conn: &mut DbConn) -> QueryResult<Vec<Condition>> {
    notify_conditions::table
        .order(notify_conditions::condition_key.asc())
        .select(Condition::as_select())
        .load(conn)
}

/// Forgets conditions that no longer hold, so each is told again if it comes back.
pub fn end_conditions(conn: &mut DbConn, keys: &[String]) -> QueryResult<usize> {
    if keys.is_empty() {
        return Ok(0);
    }
    diesel::delete(notify_conditions::table.filter(notify_conditions::condition_key.eq_any(keys)))
        .execute(conn)
}

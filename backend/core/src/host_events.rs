//! Events for the host application — the repository that asks for copies and submissions:
//! a copy finished or failed for good, a submission completed or failed for good. Each is
//! written in the transaction that makes it true, listed with a cursor
//! (`GET /api/events`) and delivered in id order to a signed webhook
//! (`longjobs_notify::hooks`), retried with backoff until the host takes it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel::{AsExpression, FromSqlRow};

use crate::clock;
use crate::db::DbConn;
use crate::schema::host_events;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub enum HostEventKind {
    /// A Zenodo copy finished: its deposition, DOI and concept are known.
    CopyFinished,
    /// A Zenodo copy failed for good (no automatic retry remains).
    CopyError,
    /// A Merritt submission is visible in Merritt under its ARK.
    SubmissionCompleted,
    /// A Merritt submission failed for good.
    SubmissionError,
}

crate::text_enum!(HostEventKind {
    CopyFinished => "copy.finished",
    CopyError => "copy.error",
    SubmissionCompleted => "submission.completed",
    SubmissionError => "submission.error",
});

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = host_events)]
pub struct HostEvent {
    pub id: i64,
    pub kind: HostEventKind,
    pub subject_id: i64,
    pub identifier: String,
    /// The JSON object delivered for this event.
    pub payload: String,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
}

impl HostEvent {
    /// The payload as JSON (an empty object if the stored text does not parse).
    pub fn payload_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.payload)
            .unwrap_or_else(|_| serde_json::Value::Object(Default::default()))
    }

    /// What the host receives, in the webhook's body and in `GET /api/events` alike: the
    /// payload's fields with the event's `id` (the cursor), `event` and `created_at`.
    pub fn body(&self) -> serde_json::Value {
        let mut body = match self.payload_json() {
            serde_json::Value::Object(map) => map,
            _ => Default::default(),
        };
        body.insert("id".into(), self.id.into());
        body.insert("event".into(), self.kind.as_str().into());
        body.insert(
            "created_at".into(),
            format!("{}Z", self.created_at.format("%Y-%m-%dT%H:%M:%S%.6f")).into(),
        );
        serde_json::Value::Object(body)
    }
}

/// Records an event about `subject_id` (a copy or submission) of `identifier`. Call it in the
/// transaction that makes it true.
pub fn record(
    conn: &mut DbConn,
    kind: HostEventKind,
    subject_id: i64,
    identifier: &str,
    payload: &serde_json::Value,
) -> QueryResult<()> {
    let now = clock::now();
    let payload = payload.to_string();
    diesel::insert_into(host_events::table)
        .values((
            host_events::kind.eq(kind),
            host_events::subject_id.eq(subject_id),
            host_events::identifier.eq(identifier),
            host_events::payload.eq(&payload),
            host_events::created_at.eq(now),
            host_events::next_attempt_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Which events to list.
#[derive(Debug, Clone, Default)]
pub struct HostEventFilter {
    /// Events after this id (the previous page's cursor).
    pub after: Option<i64>,
    pub kind: Option<HostEventKind>,
    pub identifier: Option<String>,
    pub limit: i64,
}

/// Events in id order (oldest first) after the cursor.
pub fn list(conn: &mut DbConn, f: &HostEventFilter) -> QueryResult<Vec<HostEvent>> {
    let mut q = host_events::table
        .order(host_events::id.asc())
        .limit(f.limit)
        .select(HostEvent::as_select())
        .into_boxed();
    if let Some(after) = f.after {
        q = q.filter(host_events::id.gt(after));
    }
    if let Some(kind) = f.kind {
        q = q.filter(host_events::kind.eq(kind));
    }
    if let Some(identifier) = &f.identifier {
        q = q.filter(host_events::identifier.eq(identifier));
    }
    q.load(conn)
}

/// The undelivered events, oldest first, at most `limit` — delivered strictly in this order.
pub fn undelivered(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<HostEvent>> {
    host_events::table
        .filter(host_events::delivered_at.is_null())
        .order(host_events::id.asc())
        .limit(limit)
        .select(HostEvent::as_select())
        .load(conn)
}

/// Whether the oldest undelivered event is due for an attempt at `now` (`false` when none
/// waits, or the oldest waits out its backoff: later events wait behind it).
pub fn delivery_due(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<bool> {
    let first: Option<NaiveDateTime> = host_events::table
        .filter(host_events::delivered_at.is_null())
        .order(host_events::id.asc())
        .select(host_events::next_attempt_at)
        .first::<NaiveDateTime>(conn)
        .optional()?;
    Ok(first.is_some_and(|t| t <= now))
}

/// How many events wait for delivery.
pub fn count_undelivered(conn: &mut DbConn) -> QueryResult<i64> {
    host_events::table
        .filter(host_events::delivered_at.is_null())
        .count()
        .get_result(conn)
}

/// Stamps event `id` as taken by the host at `at`, counting the attempt.
pub fn mark_delivered(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        host_events::table
            .find(id)
            .filter(host_events::delivered_at.is_null()),
    )
    .set((
        host_events::delivered_at.eq(at),
        host_events::attempts.eq(host_events::attempts + 1),
        host_events::last_error.eq(None::<String>),
    ))
    .execute(conn)
}

/// Records a failed attempt at event `id`: the error, and when the next one may start.
pub fn mark_failed(
    conn: &mut DbConn,
    id: i64,
    error: &str,
    next_attempt_at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(host_events::table.find(id))
        .set((
            host_events::attempts.eq(host_events::attempts + 1),
            host_events::last_error.eq(error),
            host_events::next_attempt_at.eq(next_attempt_at),
        ))
        .execute(conn)
}

/// Deletes delivered events recorded before `before`; undelivered ones stay (they are the
/// host's to take). Returns how many went.
pub fn prune(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        host_events::table
            .filter(host_events::created_at.lt(before))
            .filter(host_events::delivered_at.is_not_null()),
    )
    .execute(conn)
}

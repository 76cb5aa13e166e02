//! Pausing and resuming a queue, and its limits; stored in the database so every worker
//! sees them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::schema::queues;

/// A queue's stored settings.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = queues)]
pub struct QueueSettings {
    pub name: String,
    pub paused: bool,
    pub paused_at: Option<NaiveDateTime>,
    pub paused_by: Option<String>,
    pub updated_at: NaiveDateTime,
    /// Most of its jobs running at once across every worker (`None`: no limit).
    pub concurrency: Option<i32>,
    /// Most jobs started per `rate_period_secs` across every worker (`None`: no limit).
    pub rate_limit: Option<i32>,
    pub rate_period_secs: Option<i32>,
}

/// Pauses (or, with `paused == false`, resumes) `queue`. Workers stop claiming from a
/// paused queue at their next claim; jobs already running finish. Idempotent: pausing a
/// paused queue keeps its original time and actor.
pub fn set_paused(
    conn: &mut DbConn,
    queue: &str,
    paused: bool,
    actor: &str,
    now: NaiveDateTime,
) -> QueryResult<QueueSettings> {
    crate::db::transaction(conn, |conn| {
        let current: Option<QueueSettings> = queues::table
            .find(queue)
            .select(QueueSettings::as_select())
            .first(conn)
            .optional()?;
        if let Some(cur) = &current
            && cur.paused == paused
        {
            return Ok(cur.clone());
        }
        let row = QueueSettings {
            name: queue.to_string(),
            paused,
            paused_at: paused.then_some(now),
            paused_by: paused.then(|| actor.to_string()),
            updated_at: now,
            concurrency: current.as_ref().and_then(|c| c.concurrency),
            rate_limit: current.as_ref().and_then(|c| c.rate_limit),
            rate_period_secs: current.as_ref().and_then(|c| c.rate_period_secs),
        };
        crate::upsert!(
            conn,
            queues::table,
            (
                queues::name.eq(&row.name),
                queues::paused.eq(row.paused),
                queues::paused_at.eq(row.paused_at),
                queues::paused_by.eq(&row.paused_by),
                queues::updated_at.eq(row.updated_at),
            ),
            queues::name,
            (
                queues::paused.eq(row.paused),
                queues::paused_at.eq(row.paused_at),
                queues::paused_by.eq(&row.paused_by),
                queues::updated_at.eq(row.updated_at),
            ),
        )?;
        Ok(row)
    })
}

/// Every queue with stored settings.
pub fn list_settings(conn: &mut DbConn) -> QueryResult<Vec<QueueSettings>> {
    queues::table
        .order(queues::name.asc())
        .select(QueueSettings::as_select())
        .load(conn)
}

/// A queue's global limits; `None`: no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueLimits {
    /// Most of its jobs running at once, across every worker (> 0).
    pub concurrency: Option<i32>,
    /// Most jobs started per period, across every worker: (starts > 0, period in seconds > 0).
    pub rate: Option<(i32, i32)>,
}

/// Sets `queue`'s limits (replacing both); running workers adopt them within
/// [`SETTINGS_REFRESH`](crate::queue::SETTINGS_REFRESH). A new or changed rate limit
/// starts with a full bucket.
pub fn set_limits(
    conn: &mut DbConn,
    queue: &str,
    limits: QueueLimits,
    now: NaiveDateTime,
) -> QueryResult<QueueSettings> {
    let (rate_limit, rate_period_secs) = match limits.rate {
        Some((n, secs)) => (Some(n), Some(secs)),
        None => (None, None),
    };
    crate::db::transaction(conn, |conn| {
        crate::upsert!(
            conn,
            queues::table,
            (
                queues::name.eq(queue),
                queues::paused.eq(false),
                queues::updated_at.eq(now),
                queues::concurrency.eq(limits.concurrency),
                queues::rate_limit.eq(rate_limit),
                queues::rate_period_secs.eq(rate_period_secs),
                queues::rate_tokens.eq(None::<f64>),
                queues::rate_checked_at.eq(None::<NaiveDateTime>),
            ),
            queues::name,
            (
                queues::updated_at.eq(now),
                queues::concurrency.eq(limits.concurrency),
                queues::rate_limit.eq(rate_limit),
                queues::rate_period_secs.eq(rate_period_secs),
                queues::rate_tokens.eq(None::<f64>),
                queues::rate_checked_at.eq(None::<NaiveDateTime>),
            ),
        )?;
        queues::table
            .find(queue)
            .select(QueueSettings::as_select())
            .first(conn)
    })
}

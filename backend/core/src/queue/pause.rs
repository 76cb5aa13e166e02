//! Pausing and resuming a queue; stored in the database so every worker sees it.

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
        if let Some(cur) = current
            && cur.paused == paused
        {
            return Ok(cur);
        }
        let row = QueueSettings {
            name: queue.to_string(),
            paused,
            paused_at: paused.then_some(now),
            paused_by: paused.then(|| actor.to_string()),
            updated_at: now,
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

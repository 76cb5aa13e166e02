//! Maintenance switches stored in the database, so every server and worker sees them at once.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::{DbConn, transaction};
use crate::schema::maintenance_flags;

/// Zenodo copies whose turn comes go to `deferred` instead of running.
pub const DEFER_ZENODO: &str = "defer_zenodo";
/// Merritt submissions whose turn comes go to `rejected_shutting_down`.
pub const HOLD_MERRITT: &str = "hold_merritt";

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = maintenance_flags)]
pub struct Flag {
    pub name: String,
    pub set_at: NaiveDateTime,
    pub set_by: String,
}

/// The flag if it is on.
pub fn get(conn: &mut DbConn, name: &str) -> QueryResult<Option<Flag>> {
    maintenance_flags::table
        .find(name)
        .select(Flag::as_select())
        .first(conn)
        .optional()
}

pub fn all(conn: &mut DbConn) -> QueryResult<Vec<Flag>> {
    maintenance_flags::table
        .order(maintenance_flags::name.asc())
        .select(Flag::as_select())
        .load(conn)
}

/// Turns a flag on; a flag already on keeps its original time and actor. Returns it.
///
/// One transaction: the upsert takes the row's lock (its update changes nothing), so the
/// read that follows sees the row even when a `clear` races it — the clear waits for this
/// transaction or comes after it, never between the write and the read.
pub fn set(conn: &mut DbConn, name: &str, by: &str, now: NaiveDateTime) -> QueryResult<Flag> {
    let row = (
        maintenance_flags::name.eq(name),
        maintenance_flags::set_at.eq(now),
        maintenance_flags::set_by.eq(by),
    );
    transaction(conn, |conn| {
        crate::upsert!(
            conn,
            maintenance_flags::table,
            row,
            maintenance_flags::name,
            maintenance_flags::name.eq(name),
        )?;
        maintenance_flags::table
            .find(name)
            .select(Flag::as_select())
            .first(conn)
    })
}

/// Turns a flag off; returns whether it was on.
pub fn clear(conn: &mut DbConn, name: &str) -> QueryResult<bool> {
    diesel::delete(maintenance_flags::table.find(name))
        .execute(conn)
        .map(|n| n > 0)
}

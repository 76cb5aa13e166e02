//! The audit log: every operator action with who, what, target, when and outcome.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::schema::audit_log;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub detail: Option<String>,
}

/// What to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEntry<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub outcome: &'a str,
    pub detail: Option<&'a str>,
}

pub fn record(conn: &mut DbConn, e: &NewAuditEntry<'_>, now: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(now),
            audit_log::actor.eq(e.actor),
            audit_log::action.eq(e.action),
            audit_log::target.eq(e.target),
            audit_log::outcome.eq(e.outcome),
            audit_log::detail.eq(e.detail),
        ))
        .execute(conn)?;
    Ok(())
}

/// Filters for listing the log; newest first, before `before_id` when paging.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub before_id: Option<i64>,
    pub limit: i64,
}

pub fn list(conn: &mut DbConn, f: &AuditFilter) -> QueryResult<Vec<AuditEntry>> {
    let mut q = audit_log::table.into_boxed();
    if let Some(a) = &f.actor {
        q = q.filter(audit_log::actor.eq(a));
    }
    if let Some(a) = &f.action {
        q = q.filter(audit_log::action.eq(a));
    }
    if let Some(b) = f.before_id {
        q = q.filter(audit_log::id.lt(b));
    }
    q.order(audit_log::id.desc())
        .limit(f.limit)
        .select(AuditEntry::as_select())
        .load(conn)
}

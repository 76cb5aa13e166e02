//! Control while running: job kinds paused by an operator, and the commands an operator
//! sends a worker (quiet, stop), read with its heartbeat.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::schema::{paused_kinds, workers};

/// How often a worker re-reads which queues have limits and whether a kind is paused
/// ([`claim_rules`](crate::queue::claim_rules)): the longest a new limit or a first kind
/// pause waits before running workers obey it. Changes to a queue that already has a limit
/// apply at the next claim (the claim reads them under its lock), as does a queue's pause.
pub const SETTINGS_REFRESH: std::time::Duration = std::time::Duration::from_secs(2);

/// A paused job kind.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = paused_kinds)]
pub struct PausedKind {
    pub kind: String,
    pub paused_at: NaiveDateTime,
    pub paused_by: String,
}

/// Pauses (`paused`) or resumes job kind `kind` in every queue: workers claim no job of a
/// paused kind; running ones finish. Idempotent: pausing a paused kind keeps its time and
/// actor. Returns the pause now in force (`None`: resumed).
pub fn set_kind_paused(
    conn: &mut DbConn,
    kind: &str,
    paused: bool,
    actor: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<PausedKind>> {
    crate::db::transaction(conn, |conn| {
        if !paused {
            diesel::delete(paused_kinds::table.find(kind)).execute(conn)?;
            return Ok(None);
        }
        let current: Option<PausedKind> = paused_kinds::table
            .find(kind)
            .select(PausedKind::as_select())
            .first(conn)
            .optional()?;
        if current.is_some() {
            return Ok(current);
        }
        let row = PausedKind {
            kind: kind.to_string(),
            paused_at: now,
            paused_by: actor.to_string(),
        };
        diesel::insert_into(paused_kinds::table)
            .values(&row)
            .execute(conn)?;
        Ok(Some(row))
    })
}

/// Every paused kind, by name.
pub fn paused_kinds(conn: &mut DbConn) -> QueryResult<Vec<PausedKind>> {
    paused_kinds::table
        .order(paused_kinds::kind.asc())
        .select(PausedKind::as_select())
        .load(conn)
}

/// What an operator asked a worker to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkerCommand {
    /// Stop claiming; running jobs finish. Undone by [`set_worker_command`] with `None`.
    Quiet,
    /// Stop as on SIGTERM: no more claims, running jobs finish within the grace period or
    /// are handed back, then the process exits.
    Stop,
}

impl WorkerCommand {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkerCommand::Quiet => "quiet",
            WorkerCommand::Stop => "stop",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "quiet" => Some(WorkerCommand::Quiet),
            "stop" => Some(WorkerCommand::Stop),
            _ => None,
        }
    }
}

/// Why a command could not be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandRefused {
    NoSuchWorker,
    /// The worker has stopped already.
    Stopped,
    /// A stop cannot be taken back: the worker is on its way out.
    Stopping,
}

/// Stores `command` for `worker` (`None`: carry on, e.g. after a quiet); the worker acts
/// on it at its next heartbeat. Returns the command stored before.
pub fn set_worker_command(
    conn: &mut DbConn,
    worker: &str,
    command: Option<WorkerCommand>,
    actor: &str,
    now: NaiveDateTime,
) -> QueryResult<Result<Option<WorkerCommand>, CommandRefused>> {
    crate::db::transaction(conn, |conn| {
        let row: Option<(Option<NaiveDateTime>, Option<String>)> = workers::table
            .find(worker)
            .select((workers::stopped_at, workers::command))
            .first(conn)
            .optional()?;
        let Some((stopped_at, before)) = row else {
            return Ok(Err(CommandRefused::NoSuchWorker));
        };
        if stopped_at.is_some() {
            return Ok(Err(CommandRefused::Stopped));
        }
        let before = before.as_deref().and_then(WorkerCommand::parse);
        if before == Some(WorkerCommand::Stop) && command != Some(WorkerCommand::Stop) {
            return Ok(Err(CommandRefused::Stopping));
        }
        diesel::update(workers::table.find(worker))
            .set((
                workers::command.eq(command.map(WorkerCommand::as_str)),
                workers::command_at.eq(command.map(|_| now)),
                workers::command_by.eq(command.map(|_| actor)),
            ))
            .execute(conn)?;
        Ok(Ok(before))
    })
}

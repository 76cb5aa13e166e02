//! The worker registry: who is running, where, since when, and their heartbeat.

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::control::WorkerCommand;
use crate::clock;
use crate::db::DbConn;
use crate::job::{JobId, JobState};
use crate::schema::{jobs, workers};

/// A worker process as registered.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = workers, treat_none_as_default_value = false)]
pub struct WorkerRow {
    pub id: String,
    pub host: String,
    pub pid: i32,
    pub queues: String,
    /// JSON array of the job kinds it runs; `None`: not said (taken as every kind).
    pub kinds: Option<String>,
    pub started_at: NaiveDateTime,
    pub heartbeat_at: NaiveDateTime,
    pub stopped_at: Option<NaiveDateTime>,
}

/// A registered worker with what it is doing now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkerStatus {
    pub worker: WorkerRow,
    pub running_jobs: i64,
    /// Heartbeat within the stale threshold and not stopped.
    pub alive: bool,
    /// What an operator asked of it, if anything (it shows as "quiet" or "stopping").
    pub command: Option<WorkerCommand>,
}

/// Adds (or re-adds) a worker to the registry.
pub fn register(conn: &mut DbConn, row: &WorkerRow) -> QueryResult<()> {
    crate::upsert!(
        conn,
        workers::table,
        row,
        workers::id,
        (
            workers::heartbeat_at.eq(row.heartbeat_at),
            workers::kinds.eq(&row.kinds),
            workers::stopped_at.eq(None::<NaiveDateTime>),
            workers::command.eq(None::<String>),
            workers::command_at.eq(None::<NaiveDateTime>),
            workers::command_by.eq(None::<String>),
        ),
    )?;
    Ok(())
}

/// What a heartbeat learned.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Heartbeat {
    /// Running jobs of this worker whose lease was renewed.
    pub renewed: usize,
    /// Jobs of this worker an operator asked to cancel.
    pub cancel_requested: Vec<JobId>,
    /// What an operator asks of this worker now (`None`: carry on).
    pub command: Option<WorkerCommand>,
}

/// Records that `worker` is alive and renews the lease of every job it runs until
/// `lease_until`.
pub fn heartbeat(
    conn: &mut DbConn,
    worker: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> QueryResult<Heartbeat> {
    conn.transaction(|conn| {
        diesel::update(workers::table.find(worker))
            .set(workers::heartbeat_at.eq(now))
            .execute(conn)?;
        let mine = jobs::table
            .filter(jobs::state.eq(JobState::Running))
            .filter(jobs::lease_owner.eq(worker));
        let renewed = diesel::update(mine)
            .set(jobs::lease_expires_at.eq(lease_until))
            .execute(conn)?;
        let cancel_requested = mine
            .filter(jobs::cancel_requested.eq(true))
            .select(jobs::id)
            .load(conn)?;
        let command: Option<String> = workers::table
            .find(worker)
            .select(workers::command)
            .first(conn)
            .optional()?
            .flatten();
        Ok(Heartbeat {
            renewed,
            cancel_requested,
            command: command.as_deref().and_then(WorkerCommand::parse),
        })
    })
}

/// Marks a worker as stopped (a clean shutdown).
pub fn mark_stopped(conn: &mut DbConn, worker: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(workers::table.find(worker))
        .set((workers::stopped_at.eq(now), workers::heartbeat_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// Every registered worker, newest first, with its running-job count; a worker whose
/// heartbeat is older than `stale_after` is not alive.
pub fn list(conn: &mut DbConn, stale_after: Duration) -> QueryResult<Vec<WorkerStatus>> {
    let cutoff = clock::now() - clock::delta(stale_after);
    let rows: Vec<(WorkerRow, Option<String>)> = workers::table
        .order(workers::started_at.desc())
        .select((WorkerRow::as_select(), workers::command))
        .load(conn)?;
    let counts: Vec<(Option<String>, i64)> = jobs::table
        .filter(jobs::state.eq(JobState::Running))
        .group_by(jobs::lease_owner)
        .select((jobs::lease_owner, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(w, command)| {
            let running_jobs = counts
                .iter()
                .find(|(owner, _)| owner.as_deref() == Some(w.id.as_str()))
                .map_or(0, |(_, n)| *n);
            let alive = w.stopped_at.is_none() && w.heartbeat_at >= cutoff;
            WorkerStatus {
                worker: w,
                running_jobs,
                alive,
                command: command.as_deref().and_then(WorkerCommand::parse),
            }
        })
        .collect())
}

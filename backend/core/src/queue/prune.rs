//! The pruner: finished jobs are kept for a retention period, then deleted — after the
//! history has counted them ([`crate::history::roll_up`] runs first in every round).

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::clock;
use crate::db::DbConn;
use crate::history;
use crate::job::{JobId, JobState};
use crate::schema::{jobs, workers};

/// Default time completed jobs are kept.
pub const DEFAULT_COMPLETED_RETENTION: Duration = Duration::from_secs(24 * 60 * 60);
/// Default time discarded and cancelled jobs are kept (long enough to notice and act).
pub const DEFAULT_FAILED_RETENTION: Duration = Duration::from_secs(7 * 24 * 60 * 60);
/// Default time a stopped or silent worker stays listed.
pub const DEFAULT_WORKER_RETENTION: Duration = Duration::from_secs(24 * 60 * 60);
/// Rows deleted per statement, so pruning never holds long locks.
pub const PRUNE_BATCH: i64 = 5_000;

/// How long finished things are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub completed: Duration,
    pub failed: Duration,
    pub workers: Duration,
    /// How long the per-minute and per-hour history of finished jobs is kept.
    pub history: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            completed: DEFAULT_COMPLETED_RETENTION,
            failed: DEFAULT_FAILED_RETENTION,
            workers: DEFAULT_WORKER_RETENTION,
            history: history::DEFAULT_HISTORY_RETENTION,
        }
    }
}

/// Rolls finished jobs up into the history, then deletes up to [`PRUNE_BATCH`] jobs of each
/// finished kind past their retention and already rolled up, workers silent for longer
/// than theirs, and history rows past theirs. Returns the number of jobs deleted; call
/// again while it returns a full batch.
pub fn prune(conn: &mut DbConn, retention: &Retention, now: NaiveDateTime) -> QueryResult<usize> {
    // A job the history has not counted yet is never deleted, whatever the retention.
    let rolled = history::roll_up(conn, now)?.through;
    let completed_before = (now - clock::delta(retention.completed)).min(rolled);
    let failed_before = (now - clock::delta(retention.failed)).min(rolled);
    let workers_before = now - clock::delta(retention.workers);
    let mut deleted = 0;
    for (states, before) in [
        (vec![JobState::Completed], completed_before),
        (
            vec![JobState::Discarded, JobState::Cancelled],
            failed_before,
        ),
    ] {
        // Ids first, then delete: portable, and each statement stays short.
        let doomed: Vec<JobId> = jobs::table
            .filter(jobs::state.eq_any(&states))
            .filter(jobs::finished_at.lt(before))
            .select(jobs::id)
            .limit(PRUNE_BATCH)
            .load(conn)?;
        deleted += diesel::delete(jobs::table.filter(jobs::id.eq_any(&doomed))).execute(conn)?;
    }
    diesel::delete(workers::table.filter(workers::heartbeat_at.lt(workers_before)))
        .execute(conn)?;
    history::drop_older(conn, now - clock::delta(retention.history))?;
    Ok(deleted)
}

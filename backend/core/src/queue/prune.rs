//! The pruner: finished jobs are kept for a retention period, then deleted.

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::clock;
use crate::db::DbConn;
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
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            completed: DEFAULT_COMPLETED_RETENTION,
            failed: DEFAULT_FAILED_RETENTION,
            workers: DEFAULT_WORKER_RETENTION,
        }
    }
}

/// Deletes up to [`PRUNE_BATCH`] jobs of each finished kind past their retention, and
/// workers silent for longer than theirs. Returns the number of jobs deleted; call again
/// while it returns a full batch.
pub fn prune(conn: &mut DbConn, retention: &Retention, now: NaiveDateTime) -> QueryResult<usize> {
    let completed_before = now - clock::delta(retention.completed);
    let failed_before = now - clock::delta(retention.failed);
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
    Ok(deleted)
}

//! The scheduler of periodic jobs: every worker writes the definitions it was given at
//! start-up and then looks for due runs every few seconds; the database decides which
//! worker enqueues each run (see [`longjobs_core::periodic`]).

use std::time::Duration;

use anyhow::Context;
use longjobs_core::periodic::{self, PeriodicDef};
use longjobs_core::{Db, clock};

/// How often a worker looks for periodic jobs that are due.
pub const CHECK_EVERY: Duration = Duration::from_secs(5);

/// Who the rows written from settings name as their last writer.
pub const SETTINGS: &str = "settings";

/// Writes each definition's row (created, or brought in line with the settings).
pub(crate) async fn write_definitions(db: &Db, defs: &[PeriodicDef]) -> anyhow::Result<()> {
    for def in defs {
        let d = def.clone();
        let row = db
            .run(move |c| periodic::ensure(c, &d, SETTINGS, clock::now()))
            .await
            .with_context(|| format!("writing periodic job {}", def.name))?;
        tracing::info!(
            periodic = %row.name,
            schedule = %row.schedule,
            paused = row.paused,
            next_run_at = %row.next_run_at,
            "periodic job"
        );
    }
    Ok(())
}

/// Enqueues due runs every `every` for the life of the worker; a failed round is logged
/// and the next one runs as planned.
pub(crate) async fn schedule(db: Db, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        match db.run(|c| periodic::run_due(c, clock::now())).await {
            Ok(fired) => {
                for f in fired {
                    tracing::info!(
                        periodic = %f.name,
                        job = %f.job.id,
                        due_at = %f.due_at,
                        next_run_at = %f.next_run_at,
                        already_running = !f.inserted,
                        "periodic job due: enqueued"
                    );
                }
            }
            Err(e) => tracing::warn!(error = %e, "the periodic-job scheduler's round failed"),
        }
    }
}

//! Periodic tasks: work a worker runs every so often beside its jobs (reconciling copies,
//! scheduling the daily retry, sending notifications), given to it by whoever builds it.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use longjobs_core::Db;

/// A task a worker runs every so often beside its jobs (e.g. reconciling domain rows).
pub type PeriodicTask = Arc<dyn Fn(Db) -> BoxFuture<'static, anyhow::Result<()>> + Send + Sync>;

/// Runs `task` first after `first`, then every `every` for the life of the worker; a
/// failure is logged and the next round runs as planned.
pub(crate) async fn run_every(
    db: Db,
    name: String,
    first: Duration,
    every: Duration,
    task: PeriodicTask,
) {
    tokio::time::sleep(first).await;
    loop {
        if let Err(e) = task(db.clone()).await {
            tracing::warn!(task = %name, error = %format!("{e:#}"), "periodic task failed");
        }
        tokio::time::sleep(every).await;
    }
}

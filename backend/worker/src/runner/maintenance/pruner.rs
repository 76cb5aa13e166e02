//! The pruner: rolls finished jobs up into the lasting history, then deletes finished jobs
//! (and long-silent workers, and history past its retention) past their retention, a batch
//! per statement so it never holds long locks.

use std::sync::Arc;
use std::time::Duration;

use longjobs_core::clock;
use longjobs_core::queue::{self, Retention};

use crate::runner::shared::Shared;

/// How often finished jobs past their retention are deleted.
pub const DEFAULT_PRUNE_INTERVAL: Duration = Duration::from_secs(60);

/// How often the pruner runs and what it keeps.
#[derive(Debug, Clone)]
pub struct PrunerConfig {
    pub interval: Duration,
    pub retention: Retention,
}

/// Prunes every `interval` for the life of the worker, batch after batch until one comes
/// back short; a failed round is logged and the next one tries again.
pub(crate) async fn prune(shared: Arc<Shared>, cfg: PrunerConfig) {
    loop {
        tokio::time::sleep(cfg.interval).await;
        loop {
            let retention = cfg.retention;
            match shared
                .db
                .run(move |c| queue::prune(c, &retention, clock::now()))
                .await
            {
                Ok(n) if n > 0 => {
                    tracing::info!(jobs = n, "pruned finished jobs past their retention");
                    if n < queue::PRUNE_BATCH as usize {
                        break;
                    }
                }
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "pruning failed");
                    break;
                }
            }
        }
    }
}

//! Settings an operator changes while workers run: which queues have a concurrency or rate
//! limit and whether any job kind is paused, re-read every
//! [`SETTINGS_REFRESH`](longjobs_core::queue::SETTINGS_REFRESH). Queues without limits, with
//! no kind paused, keep the plain claim; the others' claims read the limits afresh under
//! their lock (see [`longjobs_core::queue::claim_with`]).

use std::sync::Arc;
use std::time::Duration;

use longjobs_core::queue;

use crate::runner::shared::Shared;

/// Reads the settings once and adopts them; a failure is logged and the old ones kept.
pub(crate) async fn refresh(shared: &Shared) {
    match shared.db.run(queue::claim_rules).await {
        Ok((limited, kinds_paused)) => shared.set_claim_rules(limited, kinds_paused),
        Err(e) => tracing::warn!(error = %e, "reading queue limits and kind pauses failed"),
    }
}

/// Re-reads the settings every `every` for the life of the worker.
pub(crate) async fn watch(shared: Arc<Shared>, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        refresh(&shared).await;
    }
}

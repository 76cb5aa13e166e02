//! The rescuer: takes back the jobs of workers that stopped renewing their leases, and
//! makes scheduled jobs available once they are due.

use std::sync::Arc;
use std::time::Duration;

use longjobs_core::clock;
use longjobs_core::queue;

use crate::runner::shared::Shared;

/// How often expired leases are looked for; a dead worker's jobs return within
/// lease + this interval (20 s by default).
pub const DEFAULT_RESCUE_INTERVAL: Duration = Duration::from_secs(5);

/// How often the rescuer runs.
#[derive(Debug, Clone)]
pub struct RescuerConfig {
    pub interval: Duration,
}

/// Rescues and promotes every `interval` for the life of the worker, waking the producers
/// when it made work available; a failed round is logged and the next one tries again.
pub(crate) async fn rescue(shared: Arc<Shared>, cfg: RescuerConfig) {
    loop {
        tokio::time::sleep(cfg.interval).await;
        let res = shared
            .db
            .run(|c| {
                let now = clock::now();
                let rescued = queue::rescue_expired(c, now)?;
                let promoted = queue::promote_due(c, now)?;
                Ok((rescued, promoted))
            })
            .await;
        match res {
            Ok((rescued, promoted)) => {
                for job in &rescued {
                    shared.metrics.job_rescued(job);
                    tracing::warn!(job.id = %job.id, job.kind = %job.kind, job.queue = %job.queue, lost_worker = ?job.lease_owner, "rescued a job whose worker stopped renewing its lease");
                }
                if !rescued.is_empty() || promoted > 0 {
                    shared.wake_all();
                }
            }
            Err(e) => tracing::warn!(error = %e, "rescuing expired jobs failed"),
        }
    }
}

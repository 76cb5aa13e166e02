//! How a stopping worker ends: it lets running jobs finish within the grace period, stops
//! what is left, writes every outcome so far and hands the rest back unspent.

use std::sync::Arc;
use std::time::Duration;

use longjobs_core::clock;
use longjobs_core::job::Job;
use longjobs_core::queue;
use tokio::sync::watch;

use super::shared::Shared;
use crate::shutdown::Shutdown;

/// How long running jobs may go on after SIGTERM before they are handed back.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(30);
/// How often the grace period looks whether every job has finished.
pub const GRACE_POLL: Duration = Duration::from_millis(20);
/// Note stored on jobs a stopping worker hands back.
pub const HAND_BACK_NOTE: &str =
    "worker shut down before the job finished; handed back without spending the attempt";

/// How a worker stops.
#[derive(Debug, Clone)]
pub struct StopConfig {
    /// How long running jobs may finish once claiming has stopped.
    pub grace: Duration,
}

/// Waits until no job runs, the grace period has passed, or `stop` turns to
/// [`Shutdown::Now`] — whichever comes first. Returns at once if it already is `Now`.
pub(super) async fn wait_out_grace(
    shared: &Shared,
    cfg: &StopConfig,
    stop: &mut watch::Receiver<Shutdown>,
) {
    if *stop.borrow() == Shutdown::Now {
        return;
    }
    let deadline = tokio::time::Instant::now() + cfg.grace;
    while !shared.running().is_empty() {
        tokio::select! {
            () = tokio::time::sleep_until(deadline) => break,
            () = tokio::time::sleep(GRACE_POLL) => {}
            _ = stop.changed() => if *stop.borrow() == Shutdown::Now {
                shared.metrics.set_stopping(Shutdown::Now);
                break;
            },
        }
    }
}

/// Stops what is still running, writes every outcome so far, then hands the rest back
/// without spending their attempt. Returns how many jobs were handed back.
pub(super) async fn hand_back_running(shared: &Arc<Shared>) -> anyhow::Result<usize> {
    let left: Vec<Arc<Job>> = shared
        .running()
        .drain()
        .map(|(_, r)| {
            r.abort.abort();
            r.job
        })
        .collect();
    shared.flush().await;
    if left.is_empty() {
        return Ok(0);
    }
    let jobs: Vec<Job> = left.iter().map(|j| Job::clone(j)).collect();
    let owner = shared.id.to_string();
    let n = shared
        .db
        .run(move |c| queue::hand_back(c, &owner, &jobs, HAND_BACK_NOTE, clock::now()))
        .await?;
    tracing::warn!(worker.id = %shared.id, jobs = n, "handed back unfinished jobs");
    shared.metrics.handed_back(n);
    Ok(n)
}

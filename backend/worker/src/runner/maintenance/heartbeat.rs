//! The heartbeat: renews the leases of this worker's jobs, reports the worker alive and
//! carries out what an operator asked: cancel a job it runs, quiet the worker or stop it.

use std::sync::Arc;
use std::time::Duration;

use longjobs_core::clock;
use longjobs_core::queue::{self, WorkerCommand};

use crate::runner::shared::{Outcome, Shared};
use crate::shutdown::Shutdown;

/// A claimed job's lease; renewed by every heartbeat.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(15);
/// How often the worker renews its leases and reports itself alive.
pub const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(5);
/// Why a job stopped at an operator's request is cancelled.
pub const CANCEL_REASON: &str = "cancelled by an operator while running";

/// How often and for how long leases are renewed. `interval` must stay shorter than
/// `lease`, or leases expire while jobs run (`longjobs-worker` refuses to start otherwise).
#[derive(Debug, Clone)]
pub struct HeartbeatConfig {
    pub interval: Duration,
    pub lease: Duration,
}

/// Beats every `interval` for the life of the worker; a failed beat is logged and
/// counted, and the next one tries again.
pub(crate) async fn beat(shared: Arc<Shared>, cfg: HeartbeatConfig) {
    loop {
        tokio::time::sleep(cfg.interval).await;
        let (id, lease) = (shared.id.to_string(), cfg.lease);
        let beat = shared
            .db
            .run(move |c| {
                let now = clock::now();
                queue::heartbeat(c, &id, now, now + clock::delta(lease))
            })
            .await;
        shared.metrics.heartbeat(beat.is_ok());
        match beat {
            Ok(hb) => {
                obey(&shared, hb.command);
                for job_id in hb.cancel_requested {
                    let taken = shared.running().remove(&job_id);
                    if let Some(r) = taken {
                        r.abort.abort();
                        tracing::info!(job.id = %job_id, job.kind = %r.job.kind, job.queue = %r.job.queue, "cancelling running job at an operator's request");
                        shared.metrics.job_cancelled(&r.job);
                        let _ = shared
                            .outcomes
                            .send(Outcome::Cancelled(r.job, CANCEL_REASON.to_string()));
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "heartbeat failed; leases may expire if this goes on")
            }
        }
    }
}

/// Acts on an operator's command: quiet stops claiming (lifted when the command is),
/// stop moves the worker to a graceful stop, as SIGTERM does.
fn obey(shared: &Shared, command: Option<WorkerCommand>) {
    let quiet = command.is_some();
    if shared.set_quiet(quiet) {
        if quiet {
            tracing::info!(worker.id = %shared.id, "quieted by an operator: no more claims");
        } else {
            tracing::info!(worker.id = %shared.id, "quiet lifted by an operator: claiming again");
        }
    }
    if command == Some(WorkerCommand::Stop) {
        let asked = shared.stop.send_if_modified(|s| {
            let running = *s == Shutdown::Running;
            if running {
                *s = Shutdown::Graceful;
            }
            running
        });
        if asked {
            tracing::info!(worker.id = %shared.id, "stop asked by an operator");
        }
    }
}

//! The worker registry.

use std::time::Duration;

use longjobs_core::access::Role;
use longjobs_core::queue;
use longjobs_openapi as wire;
use poem_openapi::OpenApi;
use poem_openapi::payload::Json;

use super::Tag;
use super::convert::utc;
use crate::auth::BearerAuth;
use crate::error::ApiResult;
use crate::state::AppState;

/// A worker whose last heartbeat is older than this is shown as not alive.
pub const WORKER_STALE_AFTER: Duration = Duration::from_secs(30);

pub struct WorkersApi {
    pub state: AppState,
}

pub async fn list_workers(state: &AppState) -> ApiResult<Vec<wire::WorkerInfo>> {
    let rows = state
        .db
        .run(|c| queue::list_workers(c, WORKER_STALE_AFTER))
        .await?;
    Ok(rows
        .into_iter()
        .map(|w| wire::WorkerInfo {
            queues: serde_json::from_str(&w.worker.queues)
                .unwrap_or(serde_json::Value::String(w.worker.queues.clone())),
            id: w.worker.id,
            host: w.worker.host,
            pid: w.worker.pid,
            started_at: utc(w.worker.started_at),
            last_heartbeat_at: utc(w.worker.heartbeat_at),
            stopped_at: w.worker.stopped_at.map(utc),
            running_jobs: w.running_jobs,
            alive: w.alive,
        })
        .collect())
}

#[OpenApi(tag = "Tag::Workers")]
impl WorkersApi {
    /// List workers.
    ///
    /// Every registered worker process: host, pid, start, last heartbeat, running jobs,
    /// and whether it is alive (heartbeat within 30 s and not stopped).
    #[oai(path = "/api/workers", method = "get", operation_id = "listWorkers")]
    async fn list(&self, auth: BearerAuth) -> ApiResult<Json<Vec<wire::WorkerInfo>>> {
        auth.0.require(Role::Viewer)?;
        Ok(Json(list_workers(&self.state).await?))
    }
}

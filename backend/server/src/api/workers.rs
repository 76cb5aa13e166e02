//! The worker registry, and quieting or stopping a worker.

use std::time::Duration;

use longjobs_core::access::Role;
use longjobs_core::queue::{self, WorkerCommand};
use longjobs_openapi as wire;
use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;

use super::Tag;
use super::convert::utc;
use crate::auth::BearerAuth;
use crate::error::{ApiError, ApiResult};
use crate::service::control;
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
            command: w.command.map(|c| match c {
                WorkerCommand::Quiet => wire::WorkerCommand::Quiet,
                WorkerCommand::Stop => wire::WorkerCommand::Stop,
            }),
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

    /// Quiet a worker.
    ///
    /// It claims no more jobs from its next heartbeat (within 5 s by default); running
    /// jobs finish. Lifted by `resume`.
    #[oai(
        path = "/api/workers/:id/quiet",
        method = "post",
        operation_id = "quietWorker"
    )]
    async fn quiet(&self, auth: BearerAuth, id: Path<String>) -> ApiResult<Json<wire::WorkerInfo>> {
        self.command(auth, id.0, Some(WorkerCommand::Quiet)).await
    }

    /// Resume a quiet worker.
    ///
    /// It claims jobs again from its next heartbeat. 409 for a stopping worker.
    #[oai(
        path = "/api/workers/:id/resume",
        method = "post",
        operation_id = "resumeWorker"
    )]
    async fn resume(
        &self,
        auth: BearerAuth,
        id: Path<String>,
    ) -> ApiResult<Json<wire::WorkerInfo>> {
        self.command(auth, id.0, None).await
    }

    /// Stop a worker.
    ///
    /// From its next heartbeat it stops as on SIGTERM: no more claims, running jobs finish
    /// within its grace period or are handed back unspent, then the process exits. 409 for
    /// a worker that has stopped.
    #[oai(
        path = "/api/workers/:id/stop",
        method = "post",
        operation_id = "stopWorker"
    )]
    async fn stop(&self, auth: BearerAuth, id: Path<String>) -> ApiResult<Json<wire::WorkerInfo>> {
        self.command(auth, id.0, Some(WorkerCommand::Stop)).await
    }
}

impl WorkersApi {
    async fn command(
        &self,
        auth: BearerAuth,
        id: String,
        command: Option<WorkerCommand>,
    ) -> ApiResult<Json<wire::WorkerInfo>> {
        auth.0.require(Role::Operator)?;
        control::command_worker(&self.state.db, &auth.0.name, id.clone(), command).await?;
        let info = list_workers(&self.state)
            .await?
            .into_iter()
            .find(|w| w.id == id)
            .ok_or_else(|| ApiError::internal("the worker vanished"))?;
        Ok(Json(info))
    }
}

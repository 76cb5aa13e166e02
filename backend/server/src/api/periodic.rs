//! Periodic jobs: list with schedule, last and next run; run now, pause, resume.

use longjobs_core::access::Role;
use longjobs_openapi as wire;
use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;

use super::Tag;
use super::convert::{state_out, utc};
use crate::auth::BearerAuth;
use crate::error::ApiResult;
use crate::service::periodic::{self, WithLast};
use crate::state::AppState;

pub struct PeriodicApi {
    pub state: AppState,
}

fn periodic_out((p, last): WithLast) -> wire::PeriodicJob {
    let schedule_text = p.schedule().map_or_else(
        || format!("{} (not understood: never run)", p.schedule),
        |s| s.describe(),
    );
    wire::PeriodicJob {
        name: p.name,
        queue: p.queue,
        kind: p.kind,
        schedule: p.schedule,
        schedule_text,
        paused: p.paused,
        last_run_at: p.last_run_at.map(utc),
        last_job_id: p.last_job_id,
        last_job_state: last.map(state_out),
        next_run_at: utc(p.next_run_at),
        updated_by: p.updated_by,
        updated_at: utc(p.updated_at),
    }
}

#[OpenApi(tag = "Tag::Periodic")]
impl PeriodicApi {
    /// List periodic jobs.
    ///
    /// Every recurring job the workers schedule (the daily retry of Zenodo copies in error,
    /// `zenodo.retry_errors`, …) with its schedule, whether it is paused, its last run (when,
    /// its job and that job's state) and its next run.
    #[oai(
        path = "/api/periodic",
        method = "get",
        operation_id = "listPeriodicJobs"
    )]
    async fn list(&self, auth: BearerAuth) -> ApiResult<Json<Vec<wire::PeriodicJob>>> {
        auth.0.require(Role::Viewer)?;
        let rows = periodic::list(&self.state.db).await?;
        Ok(Json(rows.into_iter().map(periodic_out).collect()))
    }

    /// Run a periodic job now.
    ///
    /// Enqueues its job at once, whatever its schedule and even while paused; its next
    /// scheduled run stays. 409 while its last run is still waiting or running.
    #[oai(
        path = "/api/periodic/:name/run",
        method = "post",
        operation_id = "runPeriodicJob"
    )]
    async fn run_now(
        &self,
        auth: BearerAuth,
        /// The periodic job's name, e.g. `zenodo.retry_errors`.
        name: Path<String>,
    ) -> ApiResult<Json<wire::PeriodicRun>> {
        auth.0.require(Role::Operator)?;
        let (job, row) = periodic::run_now(&self.state.db, &auth.0.name, name.0).await?;
        Ok(Json(wire::PeriodicRun {
            job_id: job.0,
            periodic: periodic_out(row),
        }))
    }

    /// Pause a periodic job.
    ///
    /// The scheduler no longer runs it (a run already enqueued goes on; "run now" still
    /// works). Pausing a paused job changes nothing.
    #[oai(
        path = "/api/periodic/:name/pause",
        method = "post",
        operation_id = "pausePeriodicJob"
    )]
    async fn pause(
        &self,
        auth: BearerAuth,
        /// The periodic job's name.
        name: Path<String>,
    ) -> ApiResult<Json<wire::PeriodicJob>> {
        self.set_paused(auth, name.0, true).await
    }

    /// Resume a periodic job.
    ///
    /// The scheduler runs it again, next at the first time its schedule gives from now
    /// (runs missed while paused are not made up).
    #[oai(
        path = "/api/periodic/:name/resume",
        method = "post",
        operation_id = "resumePeriodicJob"
    )]
    async fn resume(
        &self,
        auth: BearerAuth,
        /// The periodic job's name.
        name: Path<String>,
    ) -> ApiResult<Json<wire::PeriodicJob>> {
        self.set_paused(auth, name.0, false).await
    }
}

impl PeriodicApi {
    async fn set_paused(
        &self,
        auth: BearerAuth,
        name: String,
        paused: bool,
    ) -> ApiResult<Json<wire::PeriodicJob>> {
        auth.0.require(Role::Operator)?;
        let row = periodic::set_paused(&self.state.db, &auth.0.name, name, paused).await?;
        Ok(Json(periodic_out(row)))
    }
}

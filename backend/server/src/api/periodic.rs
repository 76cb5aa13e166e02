//! Periodic jobs: list with schedule, last and next run; run now, pause, resume.

use longjobs_core::access::Role;
use longjobs_core::clock;
use longjobs_core::periodic::{self, PeriodicError, PeriodicJob};
use longjobs_openapi as wire;
use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;

use super::Tag;
use super::audit::record;
use super::convert::{state_out, utc};
use crate::auth::BearerAuth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub struct PeriodicApi {
    pub state: AppState,
}

fn periodic_out(p: PeriodicJob, last: Option<longjobs_core::JobState>) -> wire::PeriodicJob {
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

fn refused(e: PeriodicError) -> ApiError {
    match e {
        PeriodicError::NotFound(_) => ApiError::not_found(e.to_string()),
        PeriodicError::StillRunning { .. } => ApiError::conflict(e.to_string()),
        PeriodicError::Db(e) => longjobs_core::DbError::from(e).into(),
    }
}

async fn with_last_state(state: &AppState, p: PeriodicJob) -> ApiResult<wire::PeriodicJob> {
    let job = p.last_job_id;
    let last = state
        .db
        .run(move |c| periodic::last_run_state(c, job))
        .await?;
    Ok(periodic_out(p, last))
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
        let rows = self
            .state
            .db
            .run(|c| {
                let mut out = Vec::new();
                for p in periodic::list(c)? {
                    let last = periodic::last_run_state(c, p.last_job_id)?;
                    out.push(periodic_out(p, last));
                }
                Ok(out)
            })
            .await?;
        Ok(Json(rows))
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
        let (n, actor) = (name.0.clone(), auth.0.name.clone());
        let outcome = self
            .state
            .db
            .run(move |c| {
                Ok(periodic::run_now(c, &n, &actor, clock::now())
                    .and_then(|job| Ok((job, periodic::get(c, &n)?))))
            })
            .await?;
        let (job, row) = outcome.map_err(refused)?;
        let row =
            row.ok_or_else(|| ApiError::not_found(format!("no periodic job {:?}", name.0)))?;
        record(
            &self.state,
            &auth.0,
            "periodic.run",
            &format!("periodic {}", name.0),
            "done",
            Some(format!("job #{}", job.id)),
        )
        .await?;
        Ok(Json(wire::PeriodicRun {
            job_id: job.id.0,
            periodic: with_last_state(&self.state, row).await?,
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
        let (n, actor) = (name.clone(), auth.0.name.clone());
        let row = self
            .state
            .db
            .run(move |c| Ok(periodic::set_paused(c, &n, paused, &actor, clock::now())))
            .await?
            .map_err(refused)?;
        record(
            &self.state,
            &auth.0,
            if paused {
                "periodic.pause"
            } else {
                "periodic.resume"
            },
            &format!("periodic {name}"),
            "done",
            None,
        )
        .await?;
        Ok(Json(with_last_state(&self.state, row).await?))
    }
}

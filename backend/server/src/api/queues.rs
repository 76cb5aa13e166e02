//! Queues: counts per state, pause and resume, limits; pausing a job kind.

use std::collections::BTreeMap;
use std::sync::Arc;

use longjobs_core::access::Role;
use longjobs_core::queue::{self, Coverage, QueueSettings, StateCount, UnservedWork, Waiting};
use longjobs_core::{DbConn, JobState, clock};
use longjobs_openapi as wire;
use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;

use super::Tag;
use super::audit::record;
use super::convert::{state_out, utc};
use super::workers::WORKER_STALE_AFTER;
use crate::auth::BearerAuth;
use crate::error::{ApiError, ApiResult};
use crate::service::control;
use crate::service::counts::Snapshot;
use crate::state::AppState;

pub struct QueuesApi {
    pub state: AppState,
}

/// Which queues live workers serve and the due work none would run.
pub struct Served {
    pub coverage: Coverage,
    pub work: UnservedWork,
}

impl Served {
    /// Reads the workers heart-beating within [`WORKER_STALE_AFTER`] and judges the
    /// `waiting` work (counted with the job counts, see [`crate::service::counts`]).
    pub fn load(c: &mut DbConn, waiting: &[Waiting]) -> diesel::QueryResult<Self> {
        let coverage = Coverage::load(c, WORKER_STALE_AFTER)?;
        let work = coverage.judge(waiting.iter().cloned());
        Ok(Served { coverage, work })
    }
}

/// Every queue's row as `GET /api/queues` lists it, with the job counts they came from.
pub async fn all_queue_infos(state: &AppState) -> ApiResult<(Arc<Snapshot>, Vec<wire::QueueInfo>)> {
    let snap = state.counts.snapshot().await?;
    let counted = snap.clone();
    let (settings, served) = state
        .db
        .run(move |c| Ok((queue::list_settings(c)?, Served::load(c, &counted.waiting)?)))
        .await?;
    let infos = queue_infos(&snap.counts, &settings, &served);
    Ok((snap, infos))
}

/// Every queue that has jobs or settings, with all states counted (zeros included), and
/// whether live workers serve it.
pub fn queue_infos(
    counts: &[StateCount],
    settings: &[QueueSettings],
    served: &Served,
) -> Vec<wire::QueueInfo> {
    let mut names: BTreeMap<&str, ()> = BTreeMap::new();
    for c in counts {
        names.insert(&c.queue, ());
    }
    for s in settings {
        names.insert(&s.name, ());
    }
    names
        .keys()
        .map(|name| {
            let per_state: Vec<wire::StateCount> = JobState::ALL
                .iter()
                .map(|&st| wire::StateCount {
                    state: state_out(st),
                    count: counts
                        .iter()
                        .find(|c| c.queue == *name && c.state == st)
                        .map_or(0, |c| c.count),
                })
                .collect();
            let s = settings.iter().find(|s| s.name == *name);
            wire::QueueInfo {
                name: name.to_string(),
                paused: s.is_some_and(|s| s.paused),
                paused_at: s.and_then(|s| s.paused_at).map(utc),
                paused_by: s.and_then(|s| s.paused_by.clone()),
                total: per_state.iter().map(|c| c.count).sum(),
                counts: per_state,
                concurrency: s.and_then(|s| s.concurrency),
                rate_limit: s.and_then(|s| s.rate_limit),
                rate_period_secs: s.and_then(|s| s.rate_period_secs),
                served: served.coverage.serves_queue(name),
                unserved_jobs: served.work.jobs_in(name),
                unserved_kinds: served
                    .work
                    .unserved
                    .iter()
                    .filter(|u| u.queue == *name)
                    .filter_map(|u| {
                        u.kind.as_ref().map(|k| wire::KindCount {
                            kind: k.clone(),
                            jobs: u.jobs,
                        })
                    })
                    .collect(),
            }
        })
        .collect()
}

#[OpenApi(tag = "Tag::Queues")]
impl QueuesApi {
    /// List queues.
    ///
    /// Every queue with jobs or settings, its jobs counted by state, and whether it is paused.
    #[oai(path = "/api/queues", method = "get", operation_id = "listQueues")]
    async fn list(&self, auth: BearerAuth) -> ApiResult<Json<Vec<wire::QueueInfo>>> {
        auth.0.require(Role::Viewer)?;
        let (_, infos) = all_queue_infos(&self.state).await?;
        Ok(Json(infos))
    }

    /// Pause a queue.
    ///
    /// Workers stop claiming its jobs at their next claim; running jobs finish.
    /// Pausing a paused queue changes nothing.
    #[oai(
        path = "/api/queues/:name/pause",
        method = "post",
        operation_id = "pauseQueue"
    )]
    async fn pause(
        &self,
        auth: BearerAuth,
        name: Path<String>,
    ) -> ApiResult<Json<wire::QueueInfo>> {
        self.set_paused(auth, name.0, true).await
    }

    /// Resume a queue.
    ///
    /// Workers claim its jobs again.
    #[oai(
        path = "/api/queues/:name/resume",
        method = "post",
        operation_id = "resumeQueue"
    )]
    async fn resume(
        &self,
        auth: BearerAuth,
        name: Path<String>,
    ) -> ApiResult<Json<wire::QueueInfo>> {
        self.set_paused(auth, name.0, false).await
    }

    /// Set a queue's limits.
    ///
    /// Replaces both limits of the queue, over all workers on all hosts: at most
    /// `concurrency` of its jobs running at once, at most `rate_limit` jobs started per
    /// `rate_period_secs` (60 if left out). A field left out removes that limit. Running
    /// workers adopt new limits within 2 s, without a restart.
    #[oai(
        path = "/api/queues/:name/limits",
        method = "put",
        operation_id = "setQueueLimits"
    )]
    async fn set_limits(
        &self,
        auth: BearerAuth,
        name: Path<String>,
        body: Json<wire::QueueLimits>,
    ) -> ApiResult<Json<wire::QueueInfo>> {
        auth.0.require(Role::Operator)?;
        let limits =
            control::limits_from(body.concurrency, body.rate_limit, body.rate_period_secs)?;
        let settings =
            control::set_limits(&self.state.db, &auth.0.name, name.0.clone(), limits).await?;
        Ok(Json(self.info_of(&settings).await?))
    }

    /// List job kinds.
    ///
    /// Every kind a registered worker runs or an operator paused, with the live workers
    /// that run it and whether it is paused.
    #[oai(path = "/api/kinds", method = "get", operation_id = "listKinds")]
    async fn kinds(&self, auth: BearerAuth) -> ApiResult<Json<Vec<wire::KindInfo>>> {
        auth.0.require(Role::Viewer)?;
        let rows = control::kinds(&self.state.db, WORKER_STALE_AFTER).await?;
        Ok(Json(rows.into_iter().map(kind_out).collect()))
    }

    /// Pause a job kind.
    ///
    /// No worker claims jobs of this kind, in any queue, within 2 s; running ones finish.
    /// Pausing a paused kind changes nothing.
    #[oai(
        path = "/api/kinds/:kind/pause",
        method = "post",
        operation_id = "pauseKind"
    )]
    async fn pause_kind(
        &self,
        auth: BearerAuth,
        kind: Path<String>,
    ) -> ApiResult<Json<wire::KindInfo>> {
        self.set_kind_paused(auth, kind.0, true).await
    }

    /// Resume a job kind.
    ///
    /// Workers claim jobs of this kind again.
    #[oai(
        path = "/api/kinds/:kind/resume",
        method = "post",
        operation_id = "resumeKind"
    )]
    async fn resume_kind(
        &self,
        auth: BearerAuth,
        kind: Path<String>,
    ) -> ApiResult<Json<wire::KindInfo>> {
        self.set_kind_paused(auth, kind.0, false).await
    }
}

fn kind_out((kind, workers, paused): control::KindRow) -> wire::KindInfo {
    wire::KindInfo {
        kind,
        paused: paused.is_some(),
        paused_at: paused.as_ref().map(|p| utc(p.paused_at)),
        paused_by: paused.map(|p| p.paused_by),
        workers,
    }
}

impl QueuesApi {
    async fn set_kind_paused(
        &self,
        auth: BearerAuth,
        kind: String,
        paused: bool,
    ) -> ApiResult<Json<wire::KindInfo>> {
        auth.0.require(Role::Operator)?;
        control::set_kind_paused(&self.state.db, &auth.0.name, kind.clone(), paused).await?;
        let row = control::kinds(&self.state.db, WORKER_STALE_AFTER)
            .await?
            .into_iter()
            .find(|(k, _, _)| *k == kind)
            .unwrap_or((kind, 0, None));
        Ok(Json(kind_out(row)))
    }

    async fn set_paused(
        &self,
        auth: BearerAuth,
        name: String,
        paused: bool,
    ) -> ApiResult<Json<wire::QueueInfo>> {
        auth.0.require(Role::Operator)?;
        queue::EnqueueRequest::new(name.clone(), "x")
            .validate()
            .map_err(|e| ApiError::bad_request(format!("queue name {e}")))?;
        let (q, actor) = (name.clone(), auth.0.name.clone());
        let settings = self
            .state
            .db
            .run(move |c| queue::set_paused(c, &q, paused, &actor, clock::now()))
            .await?;
        let verb = if paused {
            "queues.pause"
        } else {
            "queues.resume"
        };
        record(
            &self.state,
            &auth.0,
            verb,
            &format!("queue {name}"),
            "done",
            None,
        )
        .await?;
        Ok(Json(self.info_of(&settings).await?))
    }

    /// The listing's row of the queue `settings` describe, as it is now.
    async fn info_of(&self, settings: &QueueSettings) -> ApiResult<wire::QueueInfo> {
        let snap = self.state.counts.snapshot().await?;
        let counted = snap.clone();
        let served = self
            .state
            .db
            .run(move |c| Served::load(c, &counted.waiting))
            .await?;
        queue_infos(&snap.counts, std::slice::from_ref(settings), &served)
            .into_iter()
            .find(|q| q.name == settings.name)
            .ok_or_else(|| ApiError::internal("the queue vanished"))
    }
}

//! Jobs: list, get, enqueue, and retry / cancel / discard by id, by list or by filter.

use chrono::{DateTime, Utc};
use longjobs_core::JobState;
use longjobs_core::access::Role;
use longjobs_core::queue::{self, Action, Coverage, MAX_PAGE_SIZE};
use longjobs_openapi::{self as wire, Text};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::Tag;
use super::convert::{
    bulk_filter_in, cursor_for, cursor_out, filter_in, job_detail, job_id_in, job_request_in,
    job_summary, sort_in,
};
use super::workers::WORKER_STALE_AFTER;
use crate::auth::BearerAuth;
use crate::error::{ApiError, ApiResult};
use crate::service::jobs;
use crate::state::AppState;

pub struct JobsApi {
    pub state: AppState,
}

#[derive(ApiResponse)]
pub enum EnqueueResponse {
    /// At least one job was created (see `inserted` per job).
    #[oai(status = 201)]
    Created(Json<wire::EnqueueResult>),
    /// Every job asked for already existed under its unique key.
    #[oai(status = 200)]
    Existing(Json<wire::EnqueueResult>),
}

#[OpenApi(tag = "Tag::Jobs")]
impl JobsApi {
    /// List jobs.
    ///
    /// Filters narrow the list; results are sorted and paged by keyset: pass the
    /// `next_cursor` of a page as `cursor` to get the next one.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/api/jobs", method = "get", operation_id = "listJobs")]
    async fn list(
        &self,
        auth: BearerAuth,
        /// Only this queue.
        queue: Query<Option<String>>,
        /// Only this kind.
        kind: Query<Option<String>>,
        /// Only these states (repeat the parameter for several).
        state: Query<Vec<wire::JobState>>,
        /// Only this ordering key.
        ordering_key: Query<Option<String>>,
        /// Only this unique key.
        unique_key: Query<Option<String>>,
        /// Text contained in the payload or the last error.
        q: Query<Option<String>>,
        /// Created at or after this time.
        created_after: Query<Option<DateTime<Utc>>>,
        /// Created before this time.
        created_before: Query<Option<DateTime<Utc>>>,
        /// Finished at or after this time.
        finished_after: Query<Option<DateTime<Utc>>>,
        /// Finished before this time.
        finished_before: Query<Option<DateTime<Utc>>>,
        /// Sort key (default `id`).
        sort: Query<Option<wire::JobSort>>,
        /// Sort direction (default `desc`).
        order: Query<Option<wire::SortOrder>>,
        /// Where the page starts: a previous page's `next_cursor`.
        cursor: Query<Option<String>>,
        /// Page size, 1 to 500 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        limit: Query<Option<i64>>,
    ) -> ApiResult<Json<wire::JobPage>> {
        auth.0.require(Role::Viewer)?;
        let limit = limit.0.unwrap_or(50);
        if !(1..=MAX_PAGE_SIZE).contains(&limit) {
            return Err(ApiError::bad_request(format!(
                "limit must be between 1 and {MAX_PAGE_SIZE}, got {limit}"
            )));
        }
        let filter = filter_in(
            wire::JobFilter {
                queue: queue.0.map(Text),
                kind: kind.0.map(Text),
                states: state.0,
                ordering_key: ordering_key.0.map(Text),
                unique_key: unique_key.0.map(Text),
                text: q.0.map(Text),
                created_after: created_after.0,
                created_before: created_before.0,
                finished_after: finished_after.0,
                finished_before: finished_before.0,
                max_id: None,
            },
            self.state.db.backend(),
        )?;
        let sort = sort_in(sort.0.unwrap_or_default());
        let descending = order.0.unwrap_or_default() == wire::SortOrder::Desc;
        let cursor = cursor
            .0
            .as_deref()
            .map(|c| cursor_for(c, sort))
            .transpose()?;
        let page = self
            .state
            .db
            .run(move |c| queue::list_jobs(c, &filter, sort, descending, cursor.as_ref(), limit))
            .await?;
        Ok(Json(wire::JobPage {
            jobs: page.jobs.iter().map(job_summary).collect(),
            next_cursor: page.next.as_ref().map(cursor_out),
        }))
    }

    /// Count jobs.
    ///
    /// How many jobs match the filters of `GET /api/jobs`, and the highest id among them.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/api/jobs/count", method = "get", operation_id = "countJobs")]
    async fn count(
        &self,
        auth: BearerAuth,
        /// Only this queue.
        queue: Query<Option<String>>,
        /// Only this kind.
        kind: Query<Option<String>>,
        /// Only these states (repeat the parameter for several).
        state: Query<Vec<wire::JobState>>,
        /// Only this ordering key.
        ordering_key: Query<Option<String>>,
        /// Only this unique key.
        unique_key: Query<Option<String>>,
        /// Text contained in the payload or the last error.
        q: Query<Option<String>>,
        /// Created at or after this time.
        created_after: Query<Option<DateTime<Utc>>>,
        /// Created before this time.
        created_before: Query<Option<DateTime<Utc>>>,
        /// Finished at or after this time.
        finished_after: Query<Option<DateTime<Utc>>>,
        /// Finished before this time.
        finished_before: Query<Option<DateTime<Utc>>>,
    ) -> ApiResult<Json<wire::JobCount>> {
        auth.0.require(Role::Viewer)?;
        let filter = filter_in(
            wire::JobFilter {
                queue: queue.0.map(Text),
                kind: kind.0.map(Text),
                states: state.0,
                ordering_key: ordering_key.0.map(Text),
                unique_key: unique_key.0.map(Text),
                text: q.0.map(Text),
                created_after: created_after.0,
                created_before: created_before.0,
                finished_after: finished_after.0,
                finished_before: finished_before.0,
                max_id: None,
            },
            self.state.db.backend(),
        )?;
        let (count, max_id) = self
            .state
            .db
            .run(move |c| queue::count_with_max_id(c, &filter))
            .await?;
        Ok(Json(wire::JobCount {
            count,
            max_id: max_id.map(|id| id.0),
        }))
    }

    /// Get one job.
    ///
    /// The job with its payload, lease and error history.
    #[oai(path = "/api/jobs/:id", method = "get", operation_id = "getJob")]
    async fn get(
        &self,
        auth: BearerAuth,
        #[oai(validator(minimum(value = "1")))] id: Path<i64>,
    ) -> ApiResult<Json<wire::JobDetail>> {
        auth.0.require(Role::Viewer)?;
        let job_id = job_id_in(id.0)?;
        let (job, unserved_reason) = self
            .state
            .db
            .run(move |c| {
                let Some(job) = queue::get_job(c, job_id)? else {
                    return Ok((None, None));
                };
                let reason = if JobState::RUNNABLE.contains(&job.state) {
                    Coverage::load(c, WORKER_STALE_AFTER)?.reason(&job.queue, &job.kind)
                } else {
                    None
                };
                Ok((Some(job), reason))
            })
            .await?;
        let job = job.ok_or_else(|| ApiError::not_found(format!("there is no job {}", id.0)))?;
        Ok(Json(wire::JobDetail {
            unserved_reason,
            ..job_detail(&job)
        }))
    }

    /// Enqueue jobs.
    ///
    /// One or many jobs in one transaction. A job whose unique key a live job holds is
    /// not created again: the existing job is returned with `inserted: false`.
    #[oai(path = "/api/jobs", method = "post", operation_id = "enqueueJobs")]
    async fn enqueue(
        &self,
        auth: BearerAuth,
        body: Json<wire::EnqueueJobs>,
    ) -> ApiResult<EnqueueResponse> {
        auth.0.require(Role::Operator)?;
        let mut requests = Vec::with_capacity(body.0.jobs.len());
        for (i, j) in body.0.jobs.into_iter().enumerate() {
            let req = job_request_in(i, j, self.state.db.backend())?;
            if let Some(why) = self.state.policy.refuse_request(&req) {
                return Err(ApiError::bad_request(format!("jobs[{i}].{why}")));
            }
            requests.push(req);
        }
        let count = requests.len();
        let done = jobs::enqueue(&self.state.db, &auth.0.name, requests).await?;
        let inserted = done.iter().filter(|e| e.inserted).count();
        tracing::info!(by = %auth.0.name, jobs = count, inserted, "enqueued jobs");
        let result = wire::EnqueueResult {
            jobs: done
                .iter()
                .map(|e| wire::EnqueuedJob {
                    job: job_summary(&e.job),
                    inserted: e.inserted,
                })
                .collect(),
        };
        Ok(if inserted > 0 {
            EnqueueResponse::Created(Json(result))
        } else {
            EnqueueResponse::Existing(Json(result))
        })
    }

    /// Retry one job.
    ///
    /// Runs a retryable, discarded, cancelled or completed job again now.
    #[oai(
        path = "/api/jobs/:id/retry",
        method = "post",
        operation_id = "retryJob"
    )]
    async fn retry(
        &self,
        auth: BearerAuth,
        #[oai(validator(minimum(value = "1")))] id: Path<i64>,
    ) -> ApiResult<Json<wire::ActionOutcome>> {
        self.one(auth, id.0, Action::Retry).await
    }

    /// Cancel one job.
    ///
    /// A waiting job is cancelled at once; a running one at its worker's next heartbeat.
    #[oai(
        path = "/api/jobs/:id/cancel",
        method = "post",
        operation_id = "cancelJob"
    )]
    async fn cancel(
        &self,
        auth: BearerAuth,
        #[oai(validator(minimum(value = "1")))] id: Path<i64>,
    ) -> ApiResult<Json<wire::ActionOutcome>> {
        self.one(auth, id.0, Action::Cancel).await
    }

    /// Discard one job.
    ///
    /// Gives up on a waiting job without running it again.
    #[oai(
        path = "/api/jobs/:id/discard",
        method = "post",
        operation_id = "discardJob"
    )]
    async fn discard(
        &self,
        auth: BearerAuth,
        #[oai(validator(minimum(value = "1")))] id: Path<i64>,
    ) -> ApiResult<Json<wire::ActionOutcome>> {
        self.one(auth, id.0, Action::Discard).await
    }

    /// Act on many jobs.
    ///
    /// Retry, cancel or discard the listed ids, or every job matching a filter (at most
    /// 100,000). With `dry_run` only counts what would be acted on and answers the highest
    /// id counted as `max_id`; giving it back as the filter's `max_id` acts on those jobs
    /// only, not on matching jobs enqueued since.
    #[oai(
        path = "/api/jobs/actions",
        method = "post",
        operation_id = "bulkJobAction"
    )]
    async fn bulk(
        &self,
        auth: BearerAuth,
        body: Json<wire::BulkAction>,
    ) -> ApiResult<Json<wire::BulkActionResult>> {
        auth.0.require(Role::Operator)?;
        let wire::BulkAction {
            action,
            ids,
            filter,
            all,
            dry_run,
        } = body.0;
        let filter = bulk_filter_in(&ids, filter, all, self.state.db.backend())?;
        let result = jobs::bulk(&self.state.db, &auth.0.name, action, filter, dry_run).await?;
        Ok(Json(result))
    }
}

impl JobsApi {
    async fn one(
        &self,
        auth: BearerAuth,
        id: i64,
        action: Action,
    ) -> ApiResult<Json<wire::ActionOutcome>> {
        auth.0.require(Role::Operator)?;
        let job_id = job_id_in(id)?;
        let out = jobs::act_on_one(&self.state.db, &auth.0.name, action, job_id).await?;
        Ok(Json(out))
    }
}

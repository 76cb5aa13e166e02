//! Jobs: list, get, enqueue, and retry / cancel / discard by id, by list or by filter.

use chrono::{DateTime, Utc};
use longjobs_core::access::Role;
use longjobs_core::access::audit::{self, NewAuditEntry};
use longjobs_core::db::transaction;
use longjobs_core::queue::{self, Action, EnqueueRequest, JobFilter, MAX_PAGE_SIZE};
use longjobs_core::{JobId, clock};
use longjobs_openapi::{self as wire, Text};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::Tag;
use super::audit::record;
use super::convert::{
    check_stored_time, cursor_in, cursor_out, filter_in, job_detail, job_summary, naive,
    outcome_out, sort_in,
};
use crate::auth::BearerAuth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Most jobs one bulk action by filter touches; narrow the filter for more.
pub const MAX_BULK_MATCH: i64 = 100_000;
/// Per-job outcomes returned by a bulk action at most.
const MAX_OUTCOMES_SHOWN: usize = 1_000;
/// Ids applied per transaction in a bulk action.
const ACTION_CHUNK: usize = 1_000;

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
        let cursor = cursor.0.as_deref().map(cursor_in).transpose()?;
        if let Some(c) = &cursor {
            let fits = matches!(
                (sort, c),
                (queue::SortKey::Id, queue::Cursor::Id(_))
                    | (
                        queue::SortKey::CreatedAt | queue::SortKey::RunAt,
                        queue::Cursor::Time(..)
                    )
                    | (queue::SortKey::Priority, queue::Cursor::Int(..))
            );
            if !fits {
                return Err(ApiError::bad_request(
                    "the cursor belongs to another sort order; start again without it",
                ));
            }
        }
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
        let job_id = valid_id(id.0)?;
        let job = self
            .state
            .db
            .run(move |c| queue::get_job(c, job_id))
            .await?
            .ok_or_else(|| ApiError::not_found(format!("there is no job {}", id.0)))?;
        Ok(Json(job_detail(&job)))
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
            let run_at = j
                .run_at
                .map(|t| {
                    check_stored_time(self.state.db.backend(), &format!("jobs[{i}].run_at"), t)
                })
                .transpose()?;
            let req = EnqueueRequest {
                queue: j.queue.0,
                kind: j.kind.0,
                payload: j.payload.unwrap_or_else(|| serde_json::json!({})),
                priority: j.priority.unwrap_or(0),
                max_attempts: j.max_attempts,
                run_at: run_at.map(naive),
                unique_key: j.unique_key.map(String::from),
                ordering_key: j.ordering_key.map(String::from),
            };
            req.validate()
                .map_err(|e| ApiError::bad_request(format!("jobs[{i}].{e}")))?;
            if let Some(why) = self.state.policy.refuse_kind(&req.kind) {
                return Err(ApiError::bad_request(format!("jobs[{i}].kind {why}")));
            }
            if let Some(why) = self
                .state
                .policy
                .refuse_keys(req.unique_key.as_deref(), req.ordering_key.as_deref())
            {
                return Err(ApiError::bad_request(format!("jobs[{i}].{why}")));
            }
            requests.push(req);
        }
        let count = requests.len();
        let actor = auth.0.name.clone();
        // The jobs and their audit entries commit together: no job without its record.
        let done = self
            .state
            .db
            .run(move |c| {
                transaction(c, |c| {
                    let done = queue::enqueue_many(c, &requests)?;
                    let now = clock::now();
                    for e in enqueue_audit(&done) {
                        audit::record(
                            c,
                            &NewAuditEntry {
                                actor: &actor,
                                action: "jobs.enqueue",
                                target: &e.target,
                                outcome: &e.outcome,
                                detail: Some(&e.detail),
                            },
                            now,
                        )?;
                    }
                    Ok::<_, diesel::result::Error>(done)
                })
            })
            .await?;
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
        let filter: JobFilter = match (ids.is_empty(), filter) {
            (false, Some(_)) => {
                return Err(ApiError::bad_request("give either ids or filter, not both"));
            }
            (false, None) if all => {
                return Err(ApiError::bad_request("give either ids or all, not both"));
            }
            (true, None) if all => JobFilter::default(),
            (true, None) => return Err(ApiError::bad_request("give ids or a filter")),
            (false, None) => JobFilter {
                ids: ids.iter().map(|&i| valid_id(i)).collect::<Result<_, _>>()?,
                ..JobFilter::default()
            },
            (true, Some(f)) => {
                if let Some(max) = f.max_id
                    && max <= 0
                {
                    return Err(ApiError::bad_request(format!(
                        "filter.max_id must be a positive whole number, got {max}"
                    )));
                }
                if !all && !narrows(&f) {
                    return Err(ApiError::bad_request(
                        "the filter is empty and would act on every job: narrow it, or send \
                         \"all\": true to act on every job",
                    ));
                }
                filter_in(f, self.state.db.backend())?
            }
        };
        let f = filter.clone();
        let (matched, max_id) = self
            .state
            .db
            .run(move |c| queue::count_with_max_id(c, &f))
            .await?;
        if matched > MAX_BULK_MATCH {
            return Err(ApiError::bad_request(format!(
                "the filter matches {matched} jobs; at most {MAX_BULK_MATCH} can be acted on at once: narrow it"
            )));
        }
        let mut result = wire::BulkActionResult {
            action,
            dry_run,
            matched,
            max_id: max_id.map(|id| id.0),
            changed: 0,
            refused: 0,
            outcomes: Vec::new(),
        };
        if dry_run {
            return Ok(Json(result));
        }
        let f = filter.clone();
        let mut target_ids = self
            .state
            .db
            .run(move |c| queue::matching_ids(c, &f, MAX_BULK_MATCH))
            .await?;
        // Listed ids that do not exist are reported, not silently skipped.
        let missing: Vec<JobId> = filter
            .ids
            .iter()
            .filter(|id| !target_ids.contains(id))
            .copied()
            .collect();
        target_ids.extend(missing);
        let core_action = action_in(action);
        for chunk in target_ids.chunks(ACTION_CHUNK) {
            let (chunk, actor) = (chunk.to_vec(), auth.0.name.clone());
            let outcomes = self
                .state
                .db
                .run(move |c| queue::apply_action(c, core_action, &chunk, &actor, clock::now()))
                .await?;
            for (id, o) in &outcomes {
                let out = outcome_out(*id, o);
                if out.outcome.changed() {
                    result.changed += 1;
                } else {
                    result.refused += 1;
                }
                if result.outcomes.len() < MAX_OUTCOMES_SHOWN {
                    result.outcomes.push(out);
                }
            }
        }
        let target = if !filter.ids.is_empty() {
            format!("{} listed jobs", filter.ids.len())
        } else if let Some(max) = filter.max_id {
            format!("jobs matching a filter, up to job {max}")
        } else {
            "jobs matching a filter".to_string()
        };
        record(
            &self.state,
            &auth.0,
            &format!("jobs.{}", action_name(action)),
            &target,
            &format!("{} changed, {} refused", result.changed, result.refused),
            Some(format!("matched {matched}")),
        )
        .await?;
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
        let job_id = valid_id(id)?;
        let actor = auth.0.name.clone();
        let mut outcomes = self
            .state
            .db
            .run(move |c| queue::apply_action(c, action, &[job_id], &actor, clock::now()))
            .await?;
        let (_, outcome) = outcomes
            .pop()
            .ok_or_else(|| ApiError::internal("the action returned no outcome"))?;
        let out = outcome_out(job_id, &outcome);
        let name = match action {
            Action::Retry => "jobs.retry",
            Action::Cancel => "jobs.cancel",
            Action::Discard => "jobs.discard",
        };
        record(
            &self.state,
            &auth.0,
            name,
            &format!("job {id}"),
            out.outcome.as_str(),
            out.reason.clone(),
        )
        .await?;
        match outcome {
            queue::ActionOutcome::NotFound => {
                Err(ApiError::not_found(format!("there is no job {id}")))
            }
            queue::ActionOutcome::Refused { reason } => Err(ApiError::conflict(reason)),
            _ => Ok(Json(out)),
        }
    }
}

/// One audit entry of an enqueue: the jobs of one kind and queue.
struct EnqueueAudit {
    target: String,
    outcome: String,
    detail: String,
}

/// Longest list of job ids written into one audit entry.
const MAX_AUDIT_TARGET: usize = 2_000;

/// The audit entries of an enqueue, one per kind and queue, naming every job (ids as ranges).
fn enqueue_audit(done: &[queue::Enqueued]) -> Vec<EnqueueAudit> {
    let mut groups: std::collections::BTreeMap<(&str, &str), (Vec<i64>, usize)> =
        Default::default();
    for e in done {
        let g = groups
            .entry((e.job.kind.as_str(), e.job.queue.as_str()))
            .or_default();
        g.0.push(e.job.id.0);
        if e.inserted {
            g.1 += 1;
        }
    }
    groups
        .into_iter()
        .map(|((kind, queue), (mut ids, created))| {
            ids.sort_unstable();
            ids.dedup();
            let existing = ids.len().saturating_sub(created);
            let outcome = match (created, existing) {
                (_, 0) => "created".to_string(),
                (0, _) => "existing".to_string(),
                (c, e) => format!("{c} created, {e} existing"),
            };
            let mut target = if ids.len() == 1 {
                format!("job {}", ids[0])
            } else {
                format!("jobs {}", id_ranges(&ids))
            };
            if target.len() > MAX_AUDIT_TARGET {
                let cut = target
                    .char_indices()
                    .take_while(|(i, _)| *i < MAX_AUDIT_TARGET)
                    .last()
                    .map_or(0, |(i, _)| i);
                target.truncate(cut);
                target.push_str(&format!("… ({} jobs)", ids.len()));
            }
            EnqueueAudit {
                target,
                outcome,
                detail: format!("kind {kind}, queue {queue}"),
            }
        })
        .collect()
}

/// `1-3, 7, 9-10` from sorted ids.
fn id_ranges(ids: &[i64]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < ids.len() {
        let mut j = i;
        while j + 1 < ids.len() && ids[j + 1] == ids[j] + 1 {
            j += 1;
        }
        parts.push(if i == j {
            ids[i].to_string()
        } else {
            format!("{}-{}", ids[i], ids[j])
        });
        i = j + 1;
    }
    parts.join(", ")
}

/// Whether a bulk filter narrows the jobs at all (`max_id` alone does not: it only keeps
/// out jobs enqueued after a dry run).
fn narrows(f: &wire::JobFilter) -> bool {
    let text = |t: &Option<Text>| t.is_some();
    text(&f.queue)
        || text(&f.kind)
        || !f.states.is_empty()
        || text(&f.ordering_key)
        || text(&f.unique_key)
        || f.text.as_ref().is_some_and(|t| !t.0.is_empty())
        || f.created_after.is_some()
        || f.created_before.is_some()
        || f.finished_after.is_some()
        || f.finished_before.is_some()
}

fn valid_id(id: i64) -> ApiResult<JobId> {
    if id <= 0 {
        return Err(ApiError::bad_request(format!(
            "job ids are positive whole numbers, got {id}"
        )));
    }
    Ok(JobId(id))
}

fn action_in(a: wire::JobAction) -> Action {
    match a {
        wire::JobAction::Retry => Action::Retry,
        wire::JobAction::Cancel => Action::Cancel,
        wire::JobAction::Discard => Action::Discard,
    }
}

fn action_name(a: wire::JobAction) -> &'static str {
    match a {
        wire::JobAction::Retry => "retry",
        wire::JobAction::Cancel => "cancel",
        wire::JobAction::Discard => "discard",
    }
}

#[cfg(test)]
mod tests {
    use super::id_ranges;

    #[test]
    fn consecutive_ids_are_written_as_ranges() {
        assert_eq!(id_ranges(&[1, 2, 3, 7, 9, 10]), "1-3, 7, 9-10");
        assert_eq!(id_ranges(&[5]), "5");
    }
}

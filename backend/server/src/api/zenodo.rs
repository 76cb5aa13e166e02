//! Zenodo copies: request, list, inspect with the full log, resend (one, many, a chain),
//! reset stalled, give up on one, exclude one from the daily retry.

use std::collections::HashMap;

use longjobs_core::access::Role;
use longjobs_core::queue;
use longjobs_openapi as wire;
use longjobs_replication::zenodo::{self, CopyRequest, CopyState, CopyType, ManifestFile, store};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::Tag;
use super::audit::record;
use super::convert::{job_detail, reason_in, utc};
use crate::auth::BearerAuth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub struct ZenodoApi {
    pub state: AppState,
}

#[derive(ApiResponse)]
pub enum CopyCreated {
    /// The copy and its job were created.
    #[oai(status = 201)]
    Created(Json<wire::ZenodoCopy>),
}

pub fn copy_type_in(t: wire::CopyType) -> CopyType {
    match t {
        wire::CopyType::Data => CopyType::Data,
        wire::CopyType::Software => CopyType::Software,
        wire::CopyType::SoftwarePublish => CopyType::SoftwarePublish,
        wire::CopyType::Supp => CopyType::Supp,
        wire::CopyType::SuppPublish => CopyType::SuppPublish,
    }
}

fn copy_type_out(t: CopyType) -> wire::CopyType {
    match t {
        CopyType::Data => wire::CopyType::Data,
        CopyType::Software => wire::CopyType::Software,
        CopyType::SoftwarePublish => wire::CopyType::SoftwarePublish,
        CopyType::Supp => wire::CopyType::Supp,
        CopyType::SuppPublish => wire::CopyType::SuppPublish,
    }
}

fn state_out(s: CopyState) -> wire::CopyState {
    match s {
        CopyState::Enqueued => wire::CopyState::Enqueued,
        CopyState::Replicating => wire::CopyState::Replicating,
        CopyState::Retrying => wire::CopyState::Retrying,
        CopyState::Finished => wire::CopyState::Finished,
        CopyState::Error => wire::CopyState::Error,
        CopyState::GivenUp => wire::CopyState::GivenUp,
        CopyState::Deferred => wire::CopyState::Deferred,
    }
}

fn state_in(s: wire::CopyState) -> CopyState {
    match s {
        wire::CopyState::Enqueued => CopyState::Enqueued,
        wire::CopyState::Replicating => CopyState::Replicating,
        wire::CopyState::Retrying => CopyState::Retrying,
        wire::CopyState::Finished => CopyState::Finished,
        wire::CopyState::Error => CopyState::Error,
        wire::CopyState::GivenUp => CopyState::GivenUp,
        wire::CopyState::Deferred => CopyState::Deferred,
    }
}

/// For each `retrying` copy of `copies`, its job's failed attempt and next run.
fn retries_of(
    c: &mut longjobs_core::DbConn,
    copies: &[zenodo::ZenodoCopy],
) -> diesel::QueryResult<HashMap<i64, wire::CopyRetry>> {
    let mut out = HashMap::new();
    for copy in copies.iter().filter(|c| c.state == CopyState::Retrying) {
        let Some(j) = copy.job_id else { continue };
        if let Some(job) = queue::get_job(c, longjobs_core::JobId(j))? {
            out.insert(copy.id, retry_of(&job));
        }
    }
    Ok(out)
}

fn retry_of(job: &longjobs_core::job::Job) -> wire::CopyRetry {
    wire::CopyRetry {
        attempt: job.attempt,
        max_attempts: job.max_attempts,
        next_at: utc(job.run_at),
    }
}

fn copy_out(
    c: &zenodo::ZenodoCopy,
    waiting_on: Option<i64>,
    retry: Option<wire::CopyRetry>,
) -> wire::ZenodoCopy {
    wire::ZenodoCopy {
        id: c.id,
        identifier: c.identifier.clone(),
        resource_id: c.resource_id,
        copy_type: copy_type_out(c.copy_type),
        state: state_out(c.state),
        deposition_id: c.deposition_id,
        software_doi: c.software_doi.clone(),
        conceptrecid: c.conceptrecid.clone(),
        attempts: c.attempts,
        retry: retry.filter(|_| c.state == CopyState::Retrying),
        daily_retries: c.daily_retries,
        daily_retry_excluded: c.daily_retry_excluded,
        daily_retry_note: c.daily_retry_note.clone(),
        given_up_reason: c.given_up_reason.clone(),
        progress: wire::CopyProgress {
            files_done: c.files_done,
            files_total: c.files_total,
            bytes_done: c.bytes_done,
            bytes_total: c.size,
        },
        note: c.note.clone(),
        last_error: c.last_error.clone(),
        size: c.size,
        job_id: c.job_id,
        waiting_on,
        created_at: utc(c.created_at),
        updated_at: utc(c.updated_at),
    }
}

/// File URLs against the source policy, when the server knows it: a URL the workers would
/// refuse is a 400 now rather than a copy or submission in error later.
pub fn check_sources<'a>(state: &AppState, urls: impl Iterator<Item = &'a str>) -> ApiResult<()> {
    let Some(policy) = &state.policy.sources else {
        return Ok(());
    };
    let problems: Vec<String> = urls
        .enumerate()
        .filter_map(|(i, url)| {
            policy
                .check_str(url)
                .err()
                .map(|e| format!("files[{i}].url: {e}"))
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::bad_request(problems.join("; ")))
    }
}

fn refused(e: store::StoreError) -> ApiError {
    match e {
        store::StoreError::Refused(store::Refusal::NotFound(id)) => {
            ApiError::not_found(format!("there is no copy #{id}"))
        }
        store::StoreError::Refused(r) => ApiError::conflict(r.to_string()),
        store::StoreError::Db(e) => longjobs_core::DbError::Query(e).into(),
    }
}

#[OpenApi(tag = "Tag::Zenodo")]
impl ZenodoApi {
    /// Request a Zenodo copy.
    ///
    /// Validated against Zenodo's limits first (no empty file, at most 100 files and 50 GB,
    /// required metadata, plain file names), and file URLs against the allowed source hosts
    /// when the server is told them, so a bad request is a 400, not a failed job. Copies of
    /// one identifier and copy-type group run strictly in id order. A second copy of one
    /// resource and copy type is a 409, except for an unfinished copy imported from the
    /// system longjobs replaces (`longjobs import dryad`), which has no files: the request
    /// completes that copy in its place in the chain (409 "in runner" while its old job runs).
    #[oai(
        path = "/api/zenodo/copies",
        method = "post",
        operation_id = "requestCopy"
    )]
    async fn create(&self, auth: BearerAuth, body: Json<wire::NewCopy>) -> ApiResult<CopyCreated> {
        auth.0.require(Role::Operator)?;
        let b = body.0;
        let copy_type = copy_type_in(b.copy_type);
        let request = CopyRequest {
            metadata: b.metadata,
            files: b
                .files
                .into_iter()
                .map(|f| ManifestFile {
                    name: f.name.0,
                    size: f.size,
                    md5: f.md5.0.to_lowercase(),
                    url: f.url.0,
                })
                .collect(),
        };
        zenodo::validate::validate(copy_type, &request)
            .map_err(|p| ApiError::bad_request(p.join("; ")))?;
        check_sources(&self.state, request.files.iter().map(|f| f.url.as_str()))?;
        if b.resource_id <= 0 {
            return Err(ApiError::bad_request(
                "resource_id must be a positive whole number",
            ));
        }
        let (identifier, resource_id) = (b.identifier.0.clone(), b.resource_id);
        let (copy, _) = self
            .state
            .db
            .run(move |c| {
                Ok(store::create(
                    c,
                    &identifier,
                    resource_id,
                    copy_type,
                    &request,
                ))
            })
            .await?
            .map_err(refused)?;
        record(
            &self.state,
            &auth.0,
            "zenodo.request",
            &format!("copy {}", copy.id),
            "done",
            Some(format!(
                "{} {} of resource {}",
                copy.identifier, copy.copy_type, copy.resource_id
            )),
        )
        .await?;
        Ok(CopyCreated::Created(Json(copy_out(&copy, None, None))))
    }

    /// List Zenodo copies.
    ///
    /// Newest first unless `sort` and `order` say otherwise, with what each unfinished
    /// copy waits on, when each `retrying` copy tries again (`retry`) and each copy's
    /// upload progress. `state=error` lists only copies with no automatic retry left.
    /// Pages are keyset: pass a page's `next_cursor` as `cursor`, with the same sort and
    /// order, for the next one.
    #[allow(clippy::too_many_arguments)]
    #[oai(
        path = "/api/zenodo/copies",
        method = "get",
        operation_id = "listCopies"
    )]
    async fn list(
        &self,
        auth: BearerAuth,
        /// Only copies of this dataset.
        identifier: Query<Option<String>>,
        /// Only these states (repeat for several).
        state: Query<Vec<wire::CopyState>>,
        /// Only these copy types.
        copy_type: Query<Vec<wire::CopyType>>,
        /// Only this dataset version.
        resource_id: Query<Option<i64>>,
        /// Sort key (default `id`).
        sort: Query<Option<wire::CopySort>>,
        /// Sort direction (default `desc`).
        order: Query<Option<wire::SortOrder>>,
        /// Where the page starts: a previous page's `next_cursor`.
        cursor: Query<Option<String>>,
        /// Only copies older than this id (a previous page's `next_before`).
        before: Query<Option<i64>>,
        /// 1 to 500 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        limit: Query<Option<i64>>,
    ) -> ApiResult<Json<wire::CopyPage>> {
        auth.0.require(Role::Viewer)?;
        let limit = limit.0.unwrap_or(100);
        if !(1..=500).contains(&limit) {
            return Err(ApiError::bad_request(format!(
                "limit must be between 1 and 500, got {limit}"
            )));
        }
        let sort = sort.0.unwrap_or_default();
        let descending = order.0.unwrap_or_default() == wire::SortOrder::Desc;
        let cursor = cursor
            .0
            .as_deref()
            .map(|c| copy_cursor_in(c, sort))
            .transpose()?;
        let filter = store::CopyFilter {
            identifier: identifier.0,
            states: state.0.into_iter().map(state_in).collect(),
            copy_types: copy_type.0.into_iter().map(copy_type_in).collect(),
            resource_id: resource_id.0,
            limit,
            before_id: before.0,
        };
        let (page, waiting, mut retries) = self
            .state
            .db
            .run(move |c| {
                let page =
                    store::list(c, &filter, copy_sort_in(sort), descending, cursor.as_ref())?;
                let waiting = store::waiting_on(c, &page.copies)?;
                let retries = retries_of(c, &page.copies)?;
                Ok((page, waiting, retries))
            })
            .await?;
        let newest_first = sort == wire::CopySort::Id && descending;
        Ok(Json(wire::CopyPage {
            copies: page
                .copies
                .iter()
                .map(|c| copy_out(c, waiting.get(&c.id).copied(), retries.remove(&c.id)))
                .collect(),
            next_cursor: page.next.as_ref().map(|c| copy_cursor_out(sort, c)),
            next_before: page.next.as_ref().filter(|_| newest_first).map(|c| c.id),
        }))
    }

    /// Get one copy.
    ///
    /// With its metadata, files, full request log (tokens redacted), its job's history,
    /// its upload progress and, while `retrying`, when its next attempt starts.
    #[oai(
        path = "/api/zenodo/copies/:id",
        method = "get",
        operation_id = "getCopy"
    )]
    async fn get(
        &self,
        auth: BearerAuth,
        #[oai(validator(minimum(value = "1")))] id: Path<i64>,
    ) -> ApiResult<Json<wire::CopyDetail>> {
        auth.0.require(Role::Viewer)?;
        let copy_id = id.0;
        let found = self
            .state
            .db
            .run(move |c| {
                let Some(copy) = store::get(c, copy_id)? else {
                    return Ok(None);
                };
                let log = store::log_lines(c, copy_id)?;
                let waiting = store::waiting_on(c, std::slice::from_ref(&copy))?;
                let job = match copy.job_id {
                    Some(j) => queue::get_job(c, longjobs_core::JobId(j))?,
                    None => None,
                };
                Ok(Some((copy, log, waiting, job)))
            })
            .await?;
        let (copy, log, waiting, job) =
            found.ok_or_else(|| ApiError::not_found(format!("there is no copy #{copy_id}")))?;
        let request = copy
            .request()
            .map_err(|e| ApiError::internal(format!("stored request unreadable: {e}")))?;
        Ok(Json(wire::CopyDetail {
            copy: copy_out(
                &copy,
                waiting.get(&copy.id).copied(),
                job.as_ref().map(retry_of),
            ),
            metadata: request.metadata,
            files: request
                .files
                .into_iter()
                .map(|f| wire::ManifestFile {
                    name: f.name.into(),
                    size: f.size,
                    md5: f.md5.into(),
                    url: f.url.into(),
                })
                .collect(),
            log: log
                .into_iter()
                .map(|l| wire::CopyLogLine {
                    at: utc(l.at),
                    kind: l.kind,
                    message: l.message,
                })
                .collect(),
            job: job.as_ref().map(job_detail),
        }))
    }

    /// Resend one copy.
    ///
    /// Refused (409, with the reason) when an earlier copy of the same identifier and type
    /// is unfinished ("prerequisite") or a job for it is still live ("in runner"). Later
    /// unfinished copies of its group are queued behind it, in order. A copy given up on
    /// comes back this way (later copies given up on stay so).
    #[oai(
        path = "/api/zenodo/copies/:id/resend",
        method = "post",
        operation_id = "resendCopy"
    )]
    async fn resend(
        &self,
        auth: BearerAuth,
        #[oai(validator(minimum(value = "1")))] id: Path<i64>,
    ) -> ApiResult<Json<wire::Requeued>> {
        auth.0.require(Role::Operator)?;
        let (copy_id, actor) = (id.0, auth.0.name.clone());
        let res = self
            .state
            .db
            .run(move |c| Ok(store::resend(c, copy_id, &actor)))
            .await?;
        let outcome = match &res {
            Ok(r) => format!("requeued {r:?}"),
            Err(e) => format!("refused: {e}"),
        };
        record(
            &self.state,
            &auth.0,
            "zenodo.resend",
            &format!("copy {copy_id}"),
            &outcome,
            None,
        )
        .await?;
        Ok(Json(wire::Requeued {
            requeued: res.map_err(refused)?,
        }))
    }

    /// Resend several copies.
    ///
    /// Each is resent or refused on its own, in id order; refusals say why.
    #[oai(
        path = "/api/zenodo/copies/resend",
        method = "post",
        operation_id = "resendCopies"
    )]
    async fn resend_many(
        &self,
        auth: BearerAuth,
        body: Json<wire::ResendCopies>,
    ) -> ApiResult<Json<wire::ResendResult>> {
        auth.0.require(Role::Operator)?;
        let mut ids = body.0.ids;
        ids.sort_unstable();
        ids.dedup();
        let mut outcomes = Vec::new();
        for id in ids {
            let actor = auth.0.name.clone();
            let res = self
                .state
                .db
                .run(move |c| Ok(store::resend(c, id, &actor)))
                .await?;
            outcomes.push(match res {
                Ok(requeued) => wire::ResendOutcome {
                    id,
                    requeued,
                    refused: None,
                },
                Err(e) => wire::ResendOutcome {
                    id,
                    requeued: Vec::new(),
                    refused: Some(e.to_string()),
                },
            });
        }
        let ok = outcomes.iter().filter(|o| o.refused.is_none()).count();
        record(
            &self.state,
            &auth.0,
            "zenodo.resend",
            &format!("{} copies", outcomes.len()),
            &format!("{ok} resent, {} refused", outcomes.len() - ok),
            None,
        )
        .await?;
        Ok(Json(wire::ResendResult { outcomes }))
    }

    /// Resend a dataset's chain.
    ///
    /// Every unfinished copy of the identifier, each copy-type group from its first
    /// unfinished copy, in order.
    #[oai(
        path = "/api/zenodo/chains/resend",
        method = "post",
        operation_id = "resendChain"
    )]
    async fn resend_chain(
        &self,
        auth: BearerAuth,
        body: Json<wire::ResendChain>,
    ) -> ApiResult<Json<wire::Requeued>> {
        auth.0.require(Role::Operator)?;
        let (identifier, actor) = (body.0.identifier.0, auth.0.name.clone());
        let ident = identifier.clone();
        let requeued = self
            .state
            .db
            .run(move |c| store::resend_chain(c, &ident, &actor))
            .await?;
        record(
            &self.state,
            &auth.0,
            "zenodo.resend_chain",
            &identifier,
            &format!("requeued {requeued:?}"),
            None,
        )
        .await?;
        Ok(Json(wire::Requeued { requeued }))
    }

    /// Reset stalled copies to error.
    ///
    /// Copies shown as enqueued or replicating whose job is not live (linked by job id)
    /// move to `error`, so they can be resent.
    #[oai(
        path = "/api/zenodo/reset-stalled",
        method = "post",
        operation_id = "resetStalledCopies"
    )]
    async fn reset_stalled(&self, auth: BearerAuth) -> ApiResult<Json<wire::ResetStalled>> {
        auth.0.require(Role::Operator)?;
        let actor = auth.0.name.clone();
        let reset = self
            .state
            .db
            .run(move |c| store::reset_stalled(c, &actor))
            .await?;
        record(
            &self.state,
            &auth.0,
            "zenodo.reset_stalled",
            "copies",
            &format!("reset {reset:?}"),
            None,
        )
        .await?;
        Ok(Json(wire::ResetStalled { reset }))
    }

    /// Give up on one copy.
    ///
    /// Ends the copy without replicating it: state `given_up` with the reason (required,
    /// audited), its job cancelled if live (a running attempt is asked to stop; the copy
    /// stays given up whatever it does), and the copies behind it in its group released —
    /// the next one runs as it would after a finish. A resend brings it back. 409 for a
    /// finished copy or one already given up; 404 for no such copy.
    #[oai(
        path = "/api/zenodo/copies/:id/give-up",
        method = "post",
        operation_id = "giveUpCopy"
    )]
    async fn give_up(
        &self,
        auth: BearerAuth,
        #[oai(validator(minimum(value = "1")))] id: Path<i64>,
        body: Json<wire::GiveUpCopy>,
    ) -> ApiResult<Json<wire::GivenUp>> {
        auth.0.require(Role::Operator)?;
        let reason = reason_in(&body.0.reason)?;
        let (copy_id, actor, why) = (id.0, auth.0.name.clone(), reason.clone());
        let res = self
            .state
            .db
            .run(move |c| {
                Ok(match store::give_up(c, copy_id, &actor, &why) {
                    Ok(released) => match store::get(c, copy_id)? {
                        Some(copy) => Ok((copy, released)),
                        None => Err(store::Refusal::NotFound(copy_id).into()),
                    },
                    Err(e) => Err(e),
                })
            })
            .await?;
        let outcome = match &res {
            Ok((_, released)) => format!("given up; released {released:?}"),
            Err(e) => format!("refused: {e}"),
        };
        record(
            &self.state,
            &auth.0,
            "zenodo.give_up",
            &format!("copy {copy_id}"),
            &outcome,
            Some(reason),
        )
        .await?;
        let (copy, released) = res.map_err(refused)?;
        Ok(Json(wire::GivenUp {
            copy: copy_out(&copy, None, None),
            released,
        }))
    }

    /// Exclude a copy from the daily retry, or include it again.
    ///
    /// `excluded: true` keeps the daily retry away from this copy and the copies held
    /// behind it (what the runbook did by editing `retries` by hand); `false` puts it back.
    /// The reason is required and audited; the copy shows both.
    #[oai(
        path = "/api/zenodo/copies/:id/daily-retry",
        method = "post",
        operation_id = "setCopyDailyRetry"
    )]
    async fn daily_retry(
        &self,
        auth: BearerAuth,
        #[oai(validator(minimum(value = "1")))] id: Path<i64>,
        body: Json<wire::DailyRetryChoice>,
    ) -> ApiResult<Json<wire::ZenodoCopy>> {
        auth.0.require(Role::Operator)?;
        let excluded = body.0.excluded;
        let reason = reason_in(&body.0.reason)?;
        let (copy_id, actor, why) = (id.0, auth.0.name.clone(), reason.clone());
        let res = self
            .state
            .db
            .run(move |c| {
                Ok(store::set_daily_retry_excluded(
                    c, copy_id, excluded, &actor, &why,
                ))
            })
            .await?;
        let outcome = match &res {
            Ok(_) if excluded => "excluded from the daily retry".to_string(),
            Ok(_) => "included in the daily retry".to_string(),
            Err(e) => format!("refused: {e}"),
        };
        record(
            &self.state,
            &auth.0,
            "zenodo.daily_retry",
            &format!("copy {copy_id}"),
            &outcome,
            Some(reason),
        )
        .await?;
        let copy = res.map_err(refused)?;
        Ok(Json(copy_out(&copy, None, None)))
    }
}

fn copy_sort_in(s: wire::CopySort) -> store::CopySort {
    match s {
        wire::CopySort::Id => store::CopySort::Id,
        wire::CopySort::Identifier => store::CopySort::Identifier,
        wire::CopySort::ResourceId => store::CopySort::ResourceId,
        wire::CopySort::State => store::CopySort::State,
        wire::CopySort::CopyType => store::CopySort::CopyType,
        wire::CopySort::Size => store::CopySort::Size,
        wire::CopySort::Attempts => store::CopySort::Attempts,
        wire::CopySort::CreatedAt => store::CopySort::CreatedAt,
        wire::CopySort::UpdatedAt => store::CopySort::UpdatedAt,
    }
}

const CURSOR_TIME: &str = "%Y-%m-%dT%H:%M:%S%.6f";

/// `{sort}.{value}.{id}` (`id.{id}` when sorting by id): the sort's name lets a cursor of
/// another sort order be refused.
fn copy_cursor_out(sort: wire::CopySort, c: &store::CopyCursor) -> String {
    let value = match &c.value {
        store::CopySortValue::Id => return format!("id.{}", c.id),
        store::CopySortValue::Text(t) => t.clone(),
        store::CopySortValue::Int(n) => n.to_string(),
        store::CopySortValue::Time(t) => t.format(CURSOR_TIME).to_string(),
    };
    format!("{}.{value}.{}", sort.as_str(), c.id)
}

fn copy_cursor_in(s: &str, sort: wire::CopySort) -> Result<store::CopyCursor, ApiError> {
    let bad = || ApiError::bad_request(format!("cursor {s:?} is not one this API gave out"));
    let (name, rest) = s.split_once('.').ok_or_else(bad)?;
    let of = wire::CopySort::ALL
        .into_iter()
        .find(|k| k.as_str() == name)
        .ok_or_else(bad)?;
    if of != sort {
        return Err(ApiError::bad_request(format!(
            "the cursor belongs to the sort by {name}, not by {}; start again without it",
            sort.as_str()
        )));
    }
    if sort == wire::CopySort::Id {
        let id = rest.parse().map_err(|_| bad())?;
        return Ok(store::CopyCursor {
            value: store::CopySortValue::Id,
            id,
        });
    }
    let (value, id) = rest.rsplit_once('.').ok_or_else(bad)?;
    let id: i64 = id.parse().map_err(|_| bad())?;
    let value = match sort {
        wire::CopySort::Identifier | wire::CopySort::State | wire::CopySort::CopyType => {
            store::CopySortValue::Text(value.to_string())
        }
        wire::CopySort::ResourceId | wire::CopySort::Size => {
            store::CopySortValue::Int(value.parse().map_err(|_| bad())?)
        }
        wire::CopySort::Attempts => {
            store::CopySortValue::Int(value.parse::<i32>().map_err(|_| bad())?.into())
        }
        // Created or updated (id returned above).
        _ => store::CopySortValue::Time(
            chrono::NaiveDateTime::parse_from_str(value, CURSOR_TIME).map_err(|_| bad())?,
        ),
    };
    Ok(store::CopyCursor { value, id })
}

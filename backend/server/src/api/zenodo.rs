//! Zenodo copies: request, list, inspect with the full log, resend (one, many, a chain),
//! reset stalled, give up on one, exclude one from the daily retry.

use longjobs_core::access::Role;
use longjobs_openapi as wire;
use longjobs_replication::zenodo::{CopyRequest, ManifestFile, store, validate};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::Tag;
use super::convert::zenodo::{
    copy_cursor_in, copy_cursor_out, copy_out, copy_sort_in, copy_type_in, retry_of, state_in,
};
use super::convert::{job_detail, reason_in, utc};
use crate::auth::BearerAuth;
use crate::error::{ApiError, ApiResult};
use crate::service::zenodo;
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
        validate::validate(copy_type, &request).map_err(|p| ApiError::bad_request(p.join("; ")))?;
        check_sources(&self.state, request.files.iter().map(|f| f.url.as_str()))?;
        if b.resource_id <= 0 {
            return Err(ApiError::bad_request(
                "resource_id must be a positive whole number",
            ));
        }
        let copy = zenodo::create(
            &self.state.db,
            &auth.0.name,
            b.identifier.0,
            b.resource_id,
            copy_type,
            request,
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
        let listed = zenodo::list(
            &self.state.db,
            filter,
            copy_sort_in(sort),
            descending,
            cursor,
        )
        .await?;
        let newest_first = sort == wire::CopySort::Id && descending;
        let next = listed.page.next.clone();
        let total = listed.total;
        Ok(Json(wire::CopyPage {
            copies: copies_out(listed),
            next_cursor: next.as_ref().map(|c| copy_cursor_out(sort, c)),
            next_before: next.as_ref().filter(|_| newest_first).map(|c| c.id),
            total,
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
        let zenodo::Detail {
            copy,
            log,
            waiting_on,
            job,
        } = zenodo::get(&self.state.db, id.0).await?;
        let request = copy
            .request()
            .map_err(|e| ApiError::internal(format!("stored request unreadable: {e}")))?;
        Ok(Json(wire::CopyDetail {
            copy: copy_out(&copy, waiting_on, job.as_ref().and_then(retry_of)),
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
        let requeued = zenodo::resend(&self.state.db, &auth.0.name, id.0).await?;
        Ok(Json(wire::Requeued { requeued }))
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
        let outcomes = zenodo::resend_many(&self.state.db, &auth.0.name, body.0.ids).await?;
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
        let identifier = body.0.identifier.0;
        let requeued = zenodo::resend_chain(&self.state.db, &auth.0.name, identifier).await?;
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
        let reset = zenodo::reset_stalled(&self.state.db, &auth.0.name).await?;
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
        let (copy, released) = zenodo::give_up(&self.state.db, &auth.0.name, id.0, reason).await?;
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
        let copy =
            zenodo::set_daily_retry(&self.state.db, &auth.0.name, id.0, excluded, reason).await?;
        Ok(Json(copy_out(&copy, None, None)))
    }
}

/// A listed page's copies on the wire, each with what it waits on and, while retrying,
/// when its next attempt starts.
pub fn copies_out(mut listed: zenodo::Listed) -> Vec<wire::ZenodoCopy> {
    listed
        .page
        .copies
        .iter()
        .map(|c| {
            let retry = listed.retrying.remove(&c.id);
            copy_out(
                c,
                listed.waiting.get(&c.id).copied(),
                retry.as_ref().and_then(retry_of),
            )
        })
        .collect()
}

//! Zenodo copies: request, list, inspect with the full log, resend (one, many, a chain),
//! reset stalled.

use longjobs_core::access::Role;
use longjobs_core::queue;
use longjobs_openapi as wire;
use longjobs_replication::zenodo::{self, CopyRequest, CopyState, CopyType, ManifestFile, store};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::Tag;
use super::audit::record;
use super::convert::{job_detail, utc};
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
        CopyState::Finished => wire::CopyState::Finished,
        CopyState::Error => wire::CopyState::Error,
        CopyState::Deferred => wire::CopyState::Deferred,
    }
}

fn state_in(s: wire::CopyState) -> CopyState {
    match s {
        wire::CopyState::Enqueued => CopyState::Enqueued,
        wire::CopyState::Replicating => CopyState::Replicating,
        wire::CopyState::Finished => CopyState::Finished,
        wire::CopyState::Error => CopyState::Error,
        wire::CopyState::Deferred => CopyState::Deferred,
    }
}

fn copy_out(c: &zenodo::ZenodoCopy, waiting_on: Option<i64>) -> wire::ZenodoCopy {
    wire::ZenodoCopy {
        id: c.id,
        identifier: c.identifier.clone(),
        resource_id: c.resource_id,
        copy_type: copy_type_out(c.copy_type),
        state: state_out(c.state),
        deposition_id: c.deposition_id,
        software_doi: c.software_doi.clone(),
        conceptrecid: c.conceptrecid.clone(),
        retries: c.retries,
        note: c.note.clone(),
        last_error: c.last_error.clone(),
        size: c.size,
        job_id: c.job_id,
        waiting_on,
        created_at: utc(c.created_at),
        updated_at: utc(c.updated_at),
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
    /// required metadata), so a bad request is a 400, not a failed job. Copies of one
    /// identifier and copy-type group run strictly in id order.
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
        Ok(CopyCreated::Created(Json(copy_out(&copy, None))))
    }

    /// List Zenodo copies.
    ///
    /// Newest first, with what each unfinished copy waits on.
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
        /// Older than this id (a previous page's `next_before`).
        before: Query<Option<i64>>,
        /// 1 to 500 (default 100).
        limit: Query<Option<i64>>,
    ) -> ApiResult<Json<wire::CopyPage>> {
        auth.0.require(Role::Viewer)?;
        let limit = limit.0.unwrap_or(100);
        if !(1..=500).contains(&limit) {
            return Err(ApiError::bad_request(format!(
                "limit must be between 1 and 500, got {limit}"
            )));
        }
        let filter = store::CopyFilter {
            identifier: identifier.0,
            states: state.0.into_iter().map(state_in).collect(),
            copy_types: copy_type.0.into_iter().map(copy_type_in).collect(),
            resource_id: resource_id.0,
            limit,
            before_id: before.0,
        };
        let (copies, waiting) = self
            .state
            .db
            .run(move |c| {
                let copies = store::list(c, &filter)?;
                let waiting = store::waiting_on(c, &copies)?;
                Ok((copies, waiting))
            })
            .await?;
        let next_before = (copies.len() as i64 == limit)
            .then(|| copies.last().map(|c| c.id))
            .flatten();
        Ok(Json(wire::CopyPage {
            copies: copies
                .iter()
                .map(|c| copy_out(c, waiting.get(&c.id).copied()))
                .collect(),
            next_before,
        }))
    }

    /// Get one copy.
    ///
    /// With its metadata, files, full request log (tokens redacted) and its job's history.
    #[oai(
        path = "/api/zenodo/copies/:id",
        method = "get",
        operation_id = "getCopy"
    )]
    async fn get(&self, auth: BearerAuth, id: Path<i64>) -> ApiResult<Json<wire::CopyDetail>> {
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
            copy: copy_out(&copy, waiting.get(&copy.id).copied()),
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
    /// unfinished copies of its group are queued behind it, in order.
    #[oai(
        path = "/api/zenodo/copies/:id/resend",
        method = "post",
        operation_id = "resendCopy"
    )]
    async fn resend(&self, auth: BearerAuth, id: Path<i64>) -> ApiResult<Json<wire::Requeued>> {
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
}

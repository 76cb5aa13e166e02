//! Merritt submissions: submit, list with history, one with its request log, queue status,
//! resend, restart held, give up.

use longjobs_core::access::Role;
use longjobs_openapi as wire;
use longjobs_replication::merritt::store::SubmissionFilter;
use longjobs_replication::merritt::{MerrittFile, SubmissionRequest, validate};
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::Tag;
use super::convert::merritt::{sub_cursor_in, sub_cursor_out, sub_out, sub_sort_in, sub_state_in};
use super::convert::utc;
use crate::auth::BearerAuth;
use crate::error::{ApiError, ApiResult};
use crate::service::merritt;
use crate::state::AppState;

/// Longest `q` accepted, in characters.
const MAX_SEARCH: usize = 200;

pub struct MerrittApi {
    pub state: AppState,
}

#[derive(ApiResponse)]
pub enum Submitted {
    /// The submission and its job were created.
    #[oai(status = 201)]
    Created(Json<wire::Submission>),
}

#[OpenApi(tag = "Tag::Merritt")]
impl MerrittApi {
    /// Submit to Merritt.
    ///
    /// Recorded and handed to a worker (never run inside the web server). File URLs must be
    /// http(s) (and on the allowed source hosts when the server is told them); names and URLs
    /// must not hold line breaks or `|`, which the manifest would read as structure.
    #[oai(
        path = "/api/merritt/submissions",
        method = "post",
        operation_id = "submitToMerritt"
    )]
    async fn submit(
        &self,
        auth: BearerAuth,
        body: Json<wire::NewSubmission>,
    ) -> ApiResult<Submitted> {
        auth.0.require(Role::Operator)?;
        let b = body.0;
        if b.resource_id <= 0 {
            return Err(ApiError::bad_request(
                "resource_id must be a positive whole number",
            ));
        }
        let req = SubmissionRequest {
            files: b
                .files
                .into_iter()
                .map(|f| MerrittFile {
                    url: f.url.0,
                    size: f.size,
                    md5: f.md5.0,
                    name: f.name.0,
                })
                .collect(),
            profile: b.profile.0,
            submitter: b.submitter.0,
        };
        validate::validate(&req).map_err(|p| ApiError::bad_request(p.join("; ")))?;
        super::zenodo::check_sources(&self.state, req.files.iter().map(|f| f.url.as_str()))?;
        let (sub, history) = merritt::submit(
            &self.state.db,
            &auth.0.name,
            b.resource_id,
            b.identifier.0,
            req,
        )
        .await?;
        Ok(Submitted::Created(Json(sub_out(&sub, history))))
    }

    /// List Merritt submissions.
    ///
    /// Newest first unless sorted otherwise, each with its state history and the host that
    /// wrote each state, and how many match on every page. `q` finds submissions whose
    /// identifier (DOI) or ARK contains it, ignoring case. Pages are keyset: pass a page's
    /// `next_cursor` as `cursor`, with the same sort and order, for the next one.
    #[allow(clippy::too_many_arguments)]
    #[oai(
        path = "/api/merritt/submissions",
        method = "get",
        operation_id = "listSubmissions"
    )]
    async fn list(
        &self,
        auth: BearerAuth,
        /// Only these states.
        state: Query<Vec<wire::SubmissionState>>,
        /// Identifier (DOI) or ARK contains this (1 to 200 characters).
        q: Query<Option<String>>,
        /// Only this dataset's submissions (the identifier exactly).
        identifier: Query<Option<String>>,
        /// Sort key (default `id`).
        sort: Query<Option<wire::SubmissionSort>>,
        /// Sort direction (default `desc`).
        order: Query<Option<wire::SortOrder>>,
        /// Where the page starts: a previous page's `next_cursor`.
        cursor: Query<Option<String>>,
        /// 1 to 500 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        limit: Query<Option<i64>>,
    ) -> ApiResult<Json<wire::SubmissionPage>> {
        auth.0.require(Role::Viewer)?;
        let limit = limit.0.unwrap_or(100);
        if !(1..=500).contains(&limit) {
            return Err(ApiError::bad_request(format!(
                "limit must be between 1 and 500, got {limit}"
            )));
        }
        let search = q.0.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        if let Some(t) = &search
            && t.chars().count() > MAX_SEARCH
        {
            return Err(ApiError::bad_request(format!(
                "q is at most {MAX_SEARCH} characters, got {}",
                t.chars().count()
            )));
        }
        let sort = sort.0.unwrap_or_default();
        let descending = order.0.unwrap_or_default() == wire::SortOrder::Desc;
        let cursor = cursor
            .0
            .as_deref()
            .map(|c| sub_cursor_in(c, sort))
            .transpose()?;
        let filter = SubmissionFilter {
            states: state.0.into_iter().map(sub_state_in).collect(),
            search,
            identifier: identifier.0,
            limit,
        };
        let listed = merritt::list(
            &self.state.db,
            filter,
            sub_sort_in(sort),
            descending,
            cursor,
        )
        .await?;
        Ok(Json(wire::SubmissionPage {
            submissions: listed
                .rows
                .into_iter()
                .map(|(s, h)| sub_out(&s, h))
                .collect(),
            next_cursor: listed.next.as_ref().map(|c| sub_cursor_out(sort, c)),
            total: listed.total,
        }))
    }

    /// One Merritt submission with its history.
    ///
    /// What a host application follows after requesting a submission: its state, the ARK
    /// once Merritt shows it, the last error, and every state it went through.
    #[oai(
        path = "/api/merritt/submissions/:id",
        method = "get",
        operation_id = "getSubmission"
    )]
    async fn get(
        &self,
        auth: BearerAuth,
        /// The submission's id.
        #[oai(validator(minimum(value = "1")))]
        id: poem_openapi::param::Path<i64>,
    ) -> ApiResult<Json<wire::Submission>> {
        auth.0.require(Role::Viewer)?;
        let (s, h) = merritt::get(&self.state.db, id.0).await?;
        Ok(Json(sub_out(&s, h)))
    }

    /// A Merritt submission's request log.
    ///
    /// Every request the submitter and checker made for it, oldest first: method, URL (with
    /// credentials removed), the status answered, how long the call took and a short
    /// excerpt of the body — or the error. The last 500 lines are kept.
    #[oai(
        path = "/api/merritt/submissions/:id/log",
        method = "get",
        operation_id = "getSubmissionLog"
    )]
    async fn log(
        &self,
        auth: BearerAuth,
        /// The submission's id.
        #[oai(validator(minimum(value = "1")))]
        id: poem_openapi::param::Path<i64>,
    ) -> ApiResult<Json<Vec<wire::SubmissionLogLine>>> {
        auth.0.require(Role::Viewer)?;
        let lines = merritt::log(&self.state.db, id.0).await?;
        Ok(Json(
            lines
                .into_iter()
                .map(|l| wire::SubmissionLogLine {
                    at: utc(l.at),
                    kind: l.kind,
                    method: l.method,
                    url: l.url,
                    status: l.status,
                    duration_ms: l.duration_ms,
                    message: l.message,
                })
                .collect(),
        ))
    }

    /// Give up on a Merritt submission.
    ///
    /// Ends it without submitting: it becomes `given_up`, the reason (required) in its
    /// history, and its waiting or retrying job is cancelled. 409, saying why, for a
    /// completed submission, one already given up, and one Merritt may already hold
    /// (accepted and awaiting the checker, being deposited now, or after an attempt that
    /// may have reached Merritt — resend that one: the worker asks Merritt first).
    #[oai(
        path = "/api/merritt/submissions/:id/give-up",
        method = "post",
        operation_id = "giveUpSubmission"
    )]
    async fn give_up(
        &self,
        auth: BearerAuth,
        /// The submission's id.
        #[oai(validator(minimum(value = "1")))]
        id: poem_openapi::param::Path<i64>,
        body: Json<wire::GiveUpSubmission>,
    ) -> ApiResult<Json<wire::Submission>> {
        auth.0.require(Role::Operator)?;
        let reason = super::convert::reason_in(&body.0.reason)?;
        let (sub, history) = merritt::give_up(&self.state.db, &auth.0.name, id.0, reason).await?;
        Ok(Json(sub_out(&sub, history)))
    }

    /// The Merritt queue's status.
    ///
    /// Hold state, counts per state, completed in 24 h, queue length and alerts (a hold
    /// older than 4 h, 10 or more in flight).
    #[oai(
        path = "/api/merritt/status",
        method = "get",
        operation_id = "merrittStatus"
    )]
    async fn status(&self, auth: BearerAuth) -> ApiResult<Json<wire::MerrittStatus>> {
        auth.0.require(Role::Viewer)?;
        let status = merritt::status(&self.state.db, &self.state.policy.alerts).await?;
        Ok(Json(status))
    }

    /// Resend checked submissions.
    ///
    /// The listed submissions that are errored, held or stuck (no live job) go back in the
    /// work queue; from any host.
    #[oai(
        path = "/api/merritt/submissions/resend",
        method = "post",
        operation_id = "resendSubmissions"
    )]
    async fn resend(
        &self,
        auth: BearerAuth,
        body: Json<wire::ResendSubmissions>,
    ) -> ApiResult<Json<wire::Requeued>> {
        auth.0.require(Role::Operator)?;
        let requeued = merritt::resend(&self.state.db, &auth.0.name, body.0.ids).await?;
        Ok(Json(wire::Requeued { requeued }))
    }

    /// Restart held and interrupted submissions.
    ///
    /// Submissions shut down gracefully (`rejected_shutting_down`) and those interrupted
    /// without a live job (`enqueued` / `processing`) go back in the work queue — from
    /// whichever host asks; no hostname has to match. Refused (409) while submissions are
    /// held for maintenance: they would only be held again; `POST /api/maintenance/restart`
    /// lifts the hold and requeues them.
    #[oai(
        path = "/api/merritt/submissions/restart",
        method = "post",
        operation_id = "restartSubmissions"
    )]
    async fn restart(&self, auth: BearerAuth) -> ApiResult<Json<wire::Requeued>> {
        auth.0.require(Role::Operator)?;
        let requeued = merritt::restart(&self.state.db, &auth.0.name).await?;
        Ok(Json(wire::Requeued { requeued }))
    }
}

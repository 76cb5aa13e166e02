//! Merritt submissions: submit, list with history, one with its request log, queue status,
//! resend, restart held, give up.

use chrono::TimeDelta;
use longjobs_core::access::Role;
use longjobs_core::clock;
use longjobs_core::maintenance::{self, HOLD_MERRITT};
use longjobs_openapi as wire;
use longjobs_replication::merritt::{
    self, MerrittFile, Submission, SubmissionRequest, SubmissionState, store,
};
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::Tag;
use super::audit::record;
use super::convert::utc;
use crate::auth::BearerAuth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub struct MerrittApi {
    pub state: AppState,
}

#[derive(ApiResponse)]
pub enum Submitted {
    /// The submission and its job were created.
    #[oai(status = 201)]
    Created(Json<wire::Submission>),
}

pub fn sub_state_out(s: SubmissionState) -> wire::SubmissionState {
    match s {
        SubmissionState::Enqueued => wire::SubmissionState::Enqueued,
        SubmissionState::Processing => wire::SubmissionState::Processing,
        SubmissionState::ProvisionalComplete => wire::SubmissionState::ProvisionalComplete,
        SubmissionState::Completed => wire::SubmissionState::Completed,
        SubmissionState::Errored => wire::SubmissionState::Errored,
        SubmissionState::RejectedShuttingDown => wire::SubmissionState::RejectedShuttingDown,
        SubmissionState::GivenUp => wire::SubmissionState::GivenUp,
    }
}

fn sub_state_in(s: wire::SubmissionState) -> SubmissionState {
    match s {
        wire::SubmissionState::Enqueued => SubmissionState::Enqueued,
        wire::SubmissionState::Processing => SubmissionState::Processing,
        wire::SubmissionState::ProvisionalComplete => SubmissionState::ProvisionalComplete,
        wire::SubmissionState::Completed => SubmissionState::Completed,
        wire::SubmissionState::Errored => SubmissionState::Errored,
        wire::SubmissionState::RejectedShuttingDown => SubmissionState::RejectedShuttingDown,
        wire::SubmissionState::GivenUp => SubmissionState::GivenUp,
    }
}

fn sub_out(
    s: &Submission,
    history: Vec<longjobs_replication::merritt::StateEntry>,
) -> wire::Submission {
    wire::Submission {
        id: s.id,
        resource_id: s.resource_id,
        identifier: s.identifier.clone(),
        state: sub_state_out(s.state),
        host: s.host.clone(),
        ark: s.ark.clone(),
        job_id: s.job_id,
        last_error: s.last_error.clone(),
        created_at: utc(s.created_at),
        updated_at: utc(s.updated_at),
        history: history
            .into_iter()
            .map(|h| wire::SubmissionStateEntry {
                state: sub_state_out(h.state),
                host: h.host,
                note: h.note,
                at: utc(h.at),
            })
            .collect(),
    }
}

pub fn this_host() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}

/// The Merritt queue's counts and alerts.
pub async fn merritt_status(state: &AppState) -> ApiResult<wire::MerrittStatus> {
    let (flag, counts, completed) = state
        .db
        .run(|c| {
            let flag = maintenance::get(c, HOLD_MERRITT)?;
            let mut counts = Vec::new();
            for s in [
                SubmissionState::Enqueued,
                SubmissionState::Processing,
                SubmissionState::ProvisionalComplete,
                SubmissionState::RejectedShuttingDown,
                SubmissionState::Errored,
            ] {
                counts.push(store::count_in(c, &[s])?);
            }
            let completed = store::count_since(
                c,
                SubmissionState::Completed,
                clock::now() - TimeDelta::hours(24),
            )?;
            Ok((flag, counts, completed))
        })
        .await?;
    let queue_length = counts[0] + counts[1] + counts[2];
    // The same limits as notifications and the maintenance status (LONGJOBS_ALERT_*).
    let limits = &state.policy.alerts;
    let mut alerts = Vec::new();
    if let (Some(f), Some(max)) = (&flag, limits.hold_max)
        && clock::now() - f.set_at > clock::delta(max)
    {
        alerts.push(format!(
            "submissions have been held for {} min, longer than {} min (since {} by {})",
            (clock::now() - f.set_at).num_minutes(),
            max.as_secs() / 60,
            f.set_at.format("%Y-%m-%d %H:%M UTC"),
            f.set_by
        ));
    }
    if let Some(max) = limits.merritt_in_flight_max
        && queue_length > max
    {
        alerts.push(format!(
            "{queue_length} submissions in flight (more than {max}: LONGJOBS_ALERT_MERRITT_IN_FLIGHT_MAX)"
        ));
    }
    Ok(wire::MerrittStatus {
        held: flag.is_some(),
        held_since: flag.as_ref().map(|f| utc(f.set_at)),
        held_by: flag.map(|f| f.set_by),
        enqueued: counts[0],
        processing: counts[1],
        provisional_complete: counts[2],
        rejected_shutting_down: counts[3],
        errored: counts[4],
        completed_last_24h: completed,
        queue_length,
        alerts,
    })
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
        merritt::validate::validate(&req).map_err(|p| ApiError::bad_request(p.join("; ")))?;
        super::zenodo::check_sources(&self.state, req.files.iter().map(|f| f.url.as_str()))?;
        let (resource_id, identifier, host) = (b.resource_id, b.identifier.0, this_host());
        let (sub, history) = self
            .state
            .db
            .run(move |c| {
                let (sub, _) = store::create(c, resource_id, &identifier, &req, &host)?;
                let history = store::history(c, sub.id)?;
                Ok((sub, history))
            })
            .await?;
        record(
            &self.state,
            &auth.0,
            "merritt.submit",
            &format!("submission {}", sub.id),
            "done",
            Some(sub.identifier.clone()),
        )
        .await?;
        Ok(Submitted::Created(Json(sub_out(&sub, history))))
    }

    /// List Merritt submissions.
    ///
    /// Newest first, each with its state history and the host that wrote each state.
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
        /// 1 to 500 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        limit: Query<Option<i64>>,
    ) -> ApiResult<Json<Vec<wire::Submission>>> {
        auth.0.require(Role::Viewer)?;
        let limit = limit.0.unwrap_or(100);
        if !(1..=500).contains(&limit) {
            return Err(ApiError::bad_request(format!(
                "limit must be between 1 and 500, got {limit}"
            )));
        }
        let states: Vec<SubmissionState> = state.0.into_iter().map(sub_state_in).collect();
        let rows = self
            .state
            .db
            .run(move |c| {
                let subs = store::list(c, &states, limit)?;
                let mut out = Vec::new();
                for s in subs {
                    let h = store::history(c, s.id)?;
                    out.push((s, h));
                }
                Ok(out)
            })
            .await?;
        Ok(Json(
            rows.into_iter().map(|(s, h)| sub_out(&s, h)).collect(),
        ))
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
        let id = id.0;
        let found = self
            .state
            .db
            .run(move |c| match store::get(c, id)? {
                Some(s) => {
                    let h = store::history(c, s.id)?;
                    Ok(Some((s, h)))
                }
                None => Ok(None),
            })
            .await?;
        let (s, h) =
            found.ok_or_else(|| ApiError::not_found(format!("there is no submission #{id}")))?;
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
        let id = id.0;
        let lines = self
            .state
            .db
            .run(move |c| match store::get(c, id)? {
                Some(_) => merritt::log::lines(c, id).map(Some),
                None => Ok(None),
            })
            .await?
            .ok_or_else(|| ApiError::not_found(format!("there is no submission #{id}")))?;
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
        let id = id.0;
        let reason = super::convert::reason_in(&body.0.reason)?;
        let (actor, host, why) = (auth.0.name.clone(), this_host(), reason.clone());
        let outcome = self
            .state
            .db
            .run(move |c| {
                Ok(match store::give_up(c, id, &why, &actor, &host) {
                    Ok(s) => store::history(c, s.id).map(|h| Ok((s, h)))?,
                    Err(e) => Err(e),
                })
            })
            .await?;
        let (sub, history) = match outcome {
            Ok(v) => v,
            Err(store::GiveUpRefused::NotFound(_)) => {
                return Err(ApiError::not_found(format!("there is no submission #{id}")));
            }
            Err(store::GiveUpRefused::Conflict(why)) => return Err(ApiError::conflict(why)),
            Err(store::GiveUpRefused::Db(e)) => {
                return Err(longjobs_core::DbError::from(e).into());
            }
        };
        record(
            &self.state,
            &auth.0,
            "merritt.give_up",
            &format!("submission {id}"),
            "done",
            Some(reason),
        )
        .await?;
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
        Ok(Json(merritt_status(&self.state).await?))
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
        let (ids, actor, host) = (body.0.ids, auth.0.name.clone(), this_host());
        let requeued = self
            .state
            .db
            .run(move |c| {
                store::requeue(
                    c,
                    Some(&ids),
                    &[
                        SubmissionState::Errored,
                        SubmissionState::RejectedShuttingDown,
                        SubmissionState::Enqueued,
                        SubmissionState::Processing,
                    ],
                    &actor,
                    &host,
                )
            })
            .await?;
        record(
            &self.state,
            &auth.0,
            "merritt.resend",
            "submissions",
            &format!("requeued {requeued:?}"),
            None,
        )
        .await?;
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
        let (actor, host) = (auth.0.name.clone(), this_host());
        let requeued = self
            .state
            .db
            .run(move |c| {
                if longjobs_replication::maintenance::merritt_held(c)? {
                    return Ok(None);
                }
                store::requeue(
                    c,
                    None,
                    &[
                        SubmissionState::RejectedShuttingDown,
                        SubmissionState::Enqueued,
                        SubmissionState::Processing,
                    ],
                    &actor,
                    &host,
                )
                .map(Some)
            })
            .await?;
        let Some(requeued) = requeued else {
            return Err(crate::error::ApiError::conflict(
                "Merritt submissions are held for maintenance: restarting them now would only hold them again; end the maintenance with POST /api/maintenance/restart (longjobs restart), which lifts the hold and requeues them",
            ));
        };
        record(
            &self.state,
            &auth.0,
            "merritt.restart",
            "submissions",
            &format!("requeued {requeued:?}"),
            None,
        )
        .await?;
        Ok(Json(wire::Requeued { requeued }))
    }
}

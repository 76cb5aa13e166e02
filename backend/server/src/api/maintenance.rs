//! The maintenance workflow: drain (defer Zenodo, hold Merritt), live status with a
//! `drained` answer, and restart — all from any host, all audited.

use chrono::TimeDelta;
use longjobs_core::access::Role;
use longjobs_core::maintenance::{self, DEFER_ZENODO, HOLD_MERRITT};
use longjobs_core::{clock, queue};
use longjobs_notify::conditions;
use longjobs_openapi as wire;
use longjobs_replication::maintenance::{DRAINED_KINDS, last_finished_since, running};
use longjobs_replication::merritt::{SubmissionState, store as merritt_store};
use longjobs_replication::zenodo::{CopyState, store as zenodo_store};
use poem_openapi::OpenApi;
use poem_openapi::payload::Json;

use super::Tag;
use super::audit::record;
use super::convert::utc;
use super::merritt::this_host;
use crate::auth::BearerAuth;
use crate::error::ApiResult;
use crate::state::AppState;

/// How long after a switch is set a starting job may still have missed it.
const SWITCH_SETTLE: TimeDelta = TimeDelta::seconds(2);

pub struct MaintenanceApi {
    pub state: AppState,
}

/// Status as `GET /api/maintenance` answers it.
pub async fn status(state: &AppState) -> ApiResult<wire::MaintenanceStatus> {
    let now = clock::now();
    let week_ago = now - TimeDelta::days(7);
    let limits = state.policy.alerts.clone();
    let s = state
        .db
        .run(move |c| {
            let alerts = conditions::now_holding(c, &limits)?;
            let flags = maintenance::all(c)?;
            let paused: Vec<String> = queue::list_settings(c)?
                .into_iter()
                .filter(|q| q.paused)
                .map(|q| q.name)
                .collect();
            let zen = flags.iter().find(|f| f.name == DEFER_ZENODO).cloned();
            let mer = flags.iter().find(|f| f.name == HOLD_MERRITT).cloned();
            let kinds: Vec<&str> = DRAINED_KINDS
                .iter()
                .copied()
                .filter(|k| {
                    (zen.is_some() && k.starts_with("zenodo"))
                        || (mer.is_some() && k.starts_with("merritt"))
                        || (zen.is_none() && mer.is_none())
                })
                .collect();
            let started = flags.iter().map(|f| f.set_at).min();
            // Jobs that start within a moment of the switch may not have seen it yet: count them.
            let run = running(c, &kinds, now, started.map(|t| t + SWITCH_SETTLE))?;
            let last_end = match started {
                Some(s) => last_finished_since(c, &kinds, s)?,
                None => None,
            };
            // One count per copy state serves both the deferred and the enqueued figure.
            let copy_counts = zenodo_store::state_counts(c)?;
            let copies_in = |state: CopyState| {
                copy_counts
                    .iter()
                    .find(|(s, _)| *s == state)
                    .map_or(0, |(_, n)| *n)
            };
            let deferred = copies_in(CopyState::Deferred);
            let held = merritt_store::count_in(c, &[SubmissionState::RejectedShuttingDown])?;
            let legacy = (
                merritt_store::count_in(c, &[SubmissionState::Enqueued])?,
                merritt_store::count_since(c, SubmissionState::Processing, week_ago)?,
                copies_in(CopyState::Enqueued),
                zenodo_store::count_since(c, CopyState::Replicating, week_ago)?,
            );
            Ok((
                zen, mer, paused, run, started, last_end, deferred, held, legacy, alerts,
            ))
        })
        .await?;
    let (zen, mer, paused_queues, run, started, last_end, deferred, held, legacy, alerts) = s;
    let drained = started.is_some() && run.is_empty();
    let switch = |f: Option<maintenance::Flag>| {
        f.map(|f| wire::SwitchOn {
            since: utc(f.set_at),
            by: f.set_by,
        })
    };
    Ok(wire::MaintenanceStatus {
        zenodo_deferred: switch(zen),
        merritt_held: switch(mer),
        paused_queues,
        running: run
            .iter()
            .map(|j| wire::RunningJob {
                id: j.id.0,
                queue: j.queue.clone(),
                kind: j.kind.clone(),
                worker: j.lease_owner.clone(),
                started_at: j.attempted_at.map(utc),
                running_for_secs: j.attempted_at.map_or(0, |t| (now - t).num_seconds()),
            })
            .collect(),
        deferred_copies: deferred,
        held_submissions: held,
        drained,
        drain_started_at: started.map(utc),
        drained_at: if drained {
            Some(utc(last_end
                .into_iter()
                .chain(started)
                .max()
                .unwrap_or(now)))
        } else {
            None
        },
        drain_age_secs: started.map(|s| (now - s).num_seconds()),
        submissions_enqueued: legacy.0,
        submissions_processing_7d: legacy.1,
        zenodo_enqueued: legacy.2,
        zenodo_replicating_7d: legacy.3,
        alerts: alerts.into_iter().map(|h| h.subject).collect(),
    })
}

#[OpenApi(tag = "Tag::Maintenance")]
impl MaintenanceApi {
    /// Maintenance status.
    ///
    /// The switches, what is still running (which job, on which worker, for how long),
    /// deferred and held counts, and `drained`: true once a drain is on and nothing it
    /// covers runs — safe to shut down.
    #[oai(
        path = "/api/maintenance",
        method = "get",
        operation_id = "maintenanceStatus"
    )]
    async fn get(&self, auth: BearerAuth) -> ApiResult<Json<wire::MaintenanceStatus>> {
        auth.0.require(Role::Viewer)?;
        Ok(Json(status(&self.state).await?))
    }

    /// Start draining.
    ///
    /// Defers Zenodo replication and/or holds Merritt submissions for every worker at
    /// once: running jobs finish, copies whose turn comes are deferred, submissions are
    /// held. Draining again changes nothing.
    #[oai(
        path = "/api/maintenance/drain",
        method = "post",
        operation_id = "drain"
    )]
    async fn drain(
        &self,
        auth: BearerAuth,
        body: Json<wire::DrainRequest>,
    ) -> ApiResult<Json<wire::MaintenanceStatus>> {
        auth.0.require(Role::Operator)?;
        let (zen, mer, actor, host) = (
            body.0.zenodo,
            body.0.merritt,
            auth.0.name.clone(),
            this_host(),
        );
        if !zen && !mer {
            return Err(crate::error::ApiError::bad_request(
                "drain what? set zenodo and/or merritt",
            ));
        }
        let (deferred, held) = self
            .state
            .db
            .run(move |c| {
                let now = clock::now();
                // The switches commit first (so nothing new starts), then what waits is parked.
                if zen {
                    maintenance::set(c, DEFER_ZENODO, &actor, now)?;
                }
                if mer {
                    maintenance::set(c, HOLD_MERRITT, &actor, now)?;
                }
                let deferred = if zen {
                    zenodo_store::defer_waiting(c, &actor)?
                } else {
                    Vec::new()
                };
                let held = if mer {
                    merritt_store::hold_waiting(c, &actor, &host)?
                } else {
                    Vec::new()
                };
                Ok((deferred, held))
            })
            .await?;
        record(
            &self.state,
            &auth.0,
            "maintenance.drain",
            &format!("zenodo={zen} merritt={mer}"),
            &format!(
                "{} copies deferred, {} submissions held",
                deferred.len(),
                held.len()
            ),
            None,
        )
        .await?;
        Ok(Json(status(&self.state).await?))
    }

    /// Restart after maintenance.
    ///
    /// Clears both switches and puts every deferred copy and held submission back in the
    /// work queue in their original order, from whichever host asks — what the drain
    /// parked, no more: a copy that failed for good before the drain is not resent, and
    /// `notes` says which parked copies wait on it. A second restart changes nothing.
    #[oai(
        path = "/api/maintenance/restart",
        method = "post",
        operation_id = "restart"
    )]
    async fn restart(&self, auth: BearerAuth) -> ApiResult<Json<wire::RestartResult>> {
        auth.0.require(Role::Operator)?;
        let (actor, host) = (auth.0.name.clone(), this_host());
        let result = self
            .state
            .db
            .run(move |c| {
                let mut cleared = Vec::new();
                for name in [DEFER_ZENODO, HOLD_MERRITT] {
                    if maintenance::clear(c, name)? {
                        cleared.push(name.to_string());
                    }
                }
                let copies = zenodo_store::requeue_deferred(c, &actor)?;
                let subs = merritt_store::requeue(
                    c,
                    None,
                    &[SubmissionState::RejectedShuttingDown],
                    &actor,
                    &host,
                )?;
                Ok(wire::RestartResult {
                    switches_cleared: cleared,
                    copies_requeued: copies.requeued,
                    submissions_requeued: subs,
                    notes: copies.notes,
                })
            })
            .await?;
        record(
            &self.state,
            &auth.0,
            "maintenance.restart",
            "replication",
            &format!(
                "{} copies and {} submissions requeued",
                result.copies_requeued.len(),
                result.submissions_requeued.len()
            ),
            Some(format!("cleared {:?}", result.switches_cleared)),
        )
        .await?;
        Ok(Json(result))
    }
}

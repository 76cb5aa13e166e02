//! Merritt submissions: the queue's status and alerts, submitting, giving up, resending and
//! restarting — each audited.

use chrono::TimeDelta;
use longjobs_core::maintenance::{self, HOLD_MERRITT};
use longjobs_core::{Db, clock};
use longjobs_notify::conditions;
use longjobs_notify::config::AlertLimits;
use longjobs_openapi as wire;
use longjobs_replication::listing::Cursor;
use longjobs_replication::merritt::store::{self, SubmissionFilter, SubmissionSort};
use longjobs_replication::merritt::{
    LogLine, StateEntry, Submission, SubmissionRequest, SubmissionState,
};

use super::audit::{self, Entry};
use super::{ServiceError, ServiceResult};
use crate::api::convert::utc;

/// A submission with its state history.
pub type WithHistory = (Submission, Vec<StateEntry>);

/// The host that writes a state into a submission's history (any host may: none has to
/// match): this process's, as `LONGJOBS_HOST_NAME` names it or else the machine.
pub fn this_host() -> String {
    longjobs_core::host::name()
}

/// States a resend takes submissions from.
const RESENDABLE: &[SubmissionState] = &[
    SubmissionState::Errored,
    SubmissionState::RejectedShuttingDown,
    SubmissionState::Enqueued,
    SubmissionState::Processing,
];

/// States a restart takes submissions from: held and interrupted.
const RESTARTABLE: &[SubmissionState] = &[
    SubmissionState::RejectedShuttingDown,
    SubmissionState::Enqueued,
    SubmissionState::Processing,
];

/// The Merritt queue's counts and its alerts, by the limits notifications use.
pub async fn status(db: &Db, limits: &AlertLimits) -> ServiceResult<wire::MerrittStatus> {
    let (flag, counts, completed) = db
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
    let alerts = conditions::merritt_alerts(limits, flag.as_ref(), queue_length, clock::now());
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

/// Records a submission and its job (handed to a worker). Audited.
pub async fn submit(
    db: &Db,
    actor: &str,
    resource_id: i64,
    identifier: String,
    request: SubmissionRequest,
) -> ServiceResult<WithHistory> {
    let host = this_host();
    let (sub, history) = db
        .run(move |c| {
            let (sub, _) = store::create(c, resource_id, &identifier, &request, &host)?;
            let history = store::history(c, sub.id)?;
            Ok((sub, history))
        })
        .await?;
    let entry = Entry {
        actor,
        action: "merritt.submit",
        target: &format!("submission {}", sub.id),
        detail: Some(sub.identifier.clone()),
    };
    audit::record(db, entry, "done").await?;
    Ok((sub, history))
}

/// Ends submission `id` without submitting it, for `reason`. Audited when done.
pub async fn give_up(db: &Db, actor: &str, id: i64, reason: String) -> ServiceResult<WithHistory> {
    let (by, why, host) = (actor.to_string(), reason.clone(), this_host());
    let given_up = db
        .run_as(move |c| {
            let sub = store::give_up(c, id, &why, &by, &host)?;
            let history = store::history(c, sub.id)?;
            Ok::<_, ServiceError>((sub, history))
        })
        .await?;
    let entry = Entry {
        actor,
        action: "merritt.give_up",
        target: &format!("submission {id}"),
        detail: Some(reason),
    };
    audit::record(db, entry, "done").await?;
    Ok(given_up)
}

/// Puts the listed submissions that are errored, held or stuck (no live job) back in the
/// work queue. Audited.
pub async fn resend(db: &Db, actor: &str, ids: Vec<i64>) -> ServiceResult<Vec<i64>> {
    let (by, host) = (actor.to_string(), this_host());
    let requeued = db
        .run(move |c| store::requeue(c, Some(&ids), RESENDABLE, &by, &host))
        .await?;
    requeued_audit(db, actor, "merritt.resend", &requeued).await?;
    Ok(requeued)
}

/// Puts held and interrupted submissions back in the work queue; refused while Merritt is
/// held for maintenance (they would only be held again). Audited.
pub async fn restart(db: &Db, actor: &str) -> ServiceResult<Vec<i64>> {
    let (by, host) = (actor.to_string(), this_host());
    let requeued = db
        .run_as(move |c| {
            if longjobs_replication::maintenance::merritt_held(c)? {
                return Err(ServiceError::Conflict(
                    "Merritt submissions are held for maintenance: restarting them now would only hold them again; end the maintenance with POST /api/maintenance/restart (longjobs restart), which lifts the hold and requeues them".into(),
                ));
            }
            Ok(store::requeue(c, None, RESTARTABLE, &by, &host)?)
        })
        .await?;
    requeued_audit(db, actor, "merritt.restart", &requeued).await?;
    Ok(requeued)
}

async fn requeued_audit(db: &Db, actor: &str, action: &str, requeued: &[i64]) -> ServiceResult<()> {
    let entry = Entry {
        actor,
        action,
        target: "submissions",
        detail: None,
    };
    Ok(audit::record(db, entry, &format!("requeued {requeued:?}")).await?)
}

/// A page of the submissions matching `filter`, sorted by `sort` from after `cursor`, with
/// their histories (see [`Listed`]).
pub async fn list(
    db: &Db,
    filter: SubmissionFilter,
    sort: SubmissionSort,
    descending: bool,
    cursor: Option<Cursor>,
) -> ServiceResult<Listed> {
    Ok(db
        .run(move |c| {
            let page = store::list(c, &filter, sort, descending, cursor.as_ref())?;
            let mut rows = Vec::with_capacity(page.submissions.len());
            for s in page.submissions {
                let h = store::history(c, s.id)?;
                rows.push((s, h));
            }
            let total = store::count(c, &filter)?;
            Ok(Listed {
                rows,
                next: page.next,
                total,
            })
        })
        .await?)
}

/// A page of submissions with their histories, where the next page starts, and how many
/// match on every page.
pub struct Listed {
    pub rows: Vec<WithHistory>,
    pub next: Option<Cursor>,
    pub total: i64,
}

fn no_submission(id: i64) -> ServiceError {
    ServiceError::NotFound(format!("there is no submission #{id}"))
}

/// Submission `id` with its history.
pub async fn get(db: &Db, id: i64) -> ServiceResult<WithHistory> {
    db.run_as(move |c| {
        let s = store::get(c, id)?.ok_or_else(|| no_submission(id))?;
        let h = store::history(c, s.id)?;
        Ok((s, h))
    })
    .await
}

/// Submission `id`'s request log, oldest first.
pub async fn log(db: &Db, id: i64) -> ServiceResult<Vec<LogLine>> {
    db.run_as(move |c| {
        store::get(c, id)?.ok_or_else(|| no_submission(id))?;
        Ok(longjobs_replication::merritt::log::lines(c, id)?)
    })
    .await
}

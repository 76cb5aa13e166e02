//! The maintenance workflow: drain (defer Zenodo, hold Merritt), the live status with its
//! `drained` answer and alerts, and restart — all audited.

use chrono::{NaiveDateTime, TimeDelta};
use longjobs_core::maintenance::{self, DEFER_ZENODO, HOLD_MERRITT};
use longjobs_core::queue;
use longjobs_core::{Db, DbConn, clock};
use longjobs_notify::conditions;
use longjobs_notify::config::AlertLimits;
use longjobs_openapi as wire;
use longjobs_replication::maintenance::{DRAINED_KINDS, last_finished_since, running};
use longjobs_replication::merritt::{SubmissionState, store as merritt_store};
use longjobs_replication::zenodo::{CopyState, store as zenodo_store};

use super::audit::{self, Entry};
use super::counts::Snapshot;
use super::merritt::this_host;
use super::{ServiceError, ServiceResult};
use crate::api::convert::utc;
use crate::metrics::WORKER_STALE_AFTER;
use crate::state::AppState;

/// How long after a switch is set a starting job may still have missed it.
const SWITCH_SETTLE: TimeDelta = TimeDelta::seconds(2);

/// Status as `GET /api/maintenance` answers it: the jobs counted by queue and state, and
/// the waiting work judged for "no worker serves this", come from the counts cache, so
/// asking often does not scan the jobs table.
pub async fn status(state: &AppState) -> ServiceResult<wire::MaintenanceStatus> {
    let snap = state.counts.snapshot().await?;
    let limits = state.policy.alerts.clone();
    Ok(state
        .db
        .run(move |c| status_with(c, &limits, &snap, clock::now()))
        .await?)
}

/// The status at `now`, with the jobs counted already (`snap`).
pub fn status_with(
    c: &mut DbConn,
    limits: &AlertLimits,
    snap: &Snapshot,
    now: NaiveDateTime,
) -> diesel::QueryResult<wire::MaintenanceStatus> {
    let counts = &snap.counts;
    let week_ago = now - TimeDelta::days(7);
    let alerts = conditions::now_holding_counted(c, limits, counts)?;
    let flags = maintenance::all(c)?;
    let paused_queues: Vec<String> = queue::list_settings(c)?
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
    let drained = started.is_some() && run.is_empty();
    let work = queue::Coverage::load(c, WORKER_STALE_AFTER)?.judge(snap.waiting.iter().cloned());
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
        deferred_copies: copies_in(CopyState::Deferred),
        held_submissions: merritt_store::count_in(c, &[SubmissionState::RejectedShuttingDown])?,
        drained,
        drain_started_at: started.map(utc),
        drained_at: drained.then(|| utc(last_end.into_iter().chain(started).max().unwrap_or(now))),
        drain_age_secs: started.map(|s| (now - s).num_seconds()),
        submissions_enqueued: merritt_store::count_in(c, &[SubmissionState::Enqueued])?,
        submissions_processing_7d: merritt_store::count_since(
            c,
            SubmissionState::Processing,
            week_ago,
        )?,
        zenodo_enqueued: copies_in(CopyState::Enqueued),
        zenodo_replicating_7d: zenodo_store::count_since(c, CopyState::Replicating, week_ago)?,
        alerts: alerts.into_iter().map(|h| h.subject).collect(),
        unserved_jobs: work.jobs(),
        unserved: work
            .unserved
            .into_iter()
            .map(|u| wire::UnservedWork {
                reason: u.reason(),
                queue: u.queue,
                kind: u.kind,
                jobs: u.jobs,
                since: utc(u.since),
            })
            .collect(),
    })
}

/// Starts draining: the switches commit first (so nothing new starts), then what waits is
/// parked — copies deferred, submissions held. Audited; answers the status after it.
pub async fn drain(
    state: &AppState,
    actor: &str,
    zenodo: bool,
    merritt: bool,
) -> ServiceResult<wire::MaintenanceStatus> {
    if !zenodo && !merritt {
        return Err(ServiceError::BadRequest(
            "drain what? set zenodo and/or merritt".into(),
        ));
    }
    let (by, host) = (actor.to_string(), this_host());
    let (deferred, held) = state
        .db
        .run(move |c| {
            let now = clock::now();
            if zenodo {
                maintenance::set(c, DEFER_ZENODO, &by, now)?;
            }
            if merritt {
                maintenance::set(c, HOLD_MERRITT, &by, now)?;
            }
            let deferred = if zenodo {
                zenodo_store::defer_waiting(c, &by)?
            } else {
                Vec::new()
            };
            let held = if merritt {
                merritt_store::hold_waiting(c, &by, &host)?
            } else {
                Vec::new()
            };
            Ok((deferred, held))
        })
        .await?;
    let entry = Entry {
        actor,
        action: "maintenance.drain",
        target: &format!("zenodo={zenodo} merritt={merritt}"),
        detail: None,
    };
    let outcome = format!(
        "{} copies deferred, {} submissions held",
        deferred.len(),
        held.len()
    );
    audit::record(&state.db, entry, &outcome).await?;
    status(state).await
}

/// Ends maintenance: clears both switches and puts every deferred copy and held submission
/// back in the work queue in their original order. Audited.
pub async fn restart(db: &Db, actor: &str) -> ServiceResult<wire::RestartResult> {
    let (by, host) = (actor.to_string(), this_host());
    let result = db
        .run(move |c| {
            let mut cleared = Vec::new();
            for name in [DEFER_ZENODO, HOLD_MERRITT] {
                if maintenance::clear(c, name)? {
                    cleared.push(name.to_string());
                }
            }
            let copies = zenodo_store::requeue_deferred(c, &by)?;
            let subs = merritt_store::requeue(
                c,
                None,
                &[SubmissionState::RejectedShuttingDown],
                &by,
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
    let entry = Entry {
        actor,
        action: "maintenance.restart",
        target: "replication",
        detail: Some(format!("cleared {:?}", result.switches_cleared)),
    };
    let outcome = format!(
        "{} copies and {} submissions requeued",
        result.copies_requeued.len(),
        result.submissions_requeued.len()
    );
    audit::record(db, entry, &outcome).await?;
    Ok(result)
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        reason = "tests unwrap: the panic is the failure report"
    )]

    use longjobs_core::queue::{EnqueueRequest, StateCount};
    use longjobs_core::testing::TestDb;
    use longjobs_core::{JobState, clock, queue};

    use super::*;

    fn in_flight_only() -> AlertLimits {
        AlertLimits {
            hold_max: None,
            in_flight_max: Some(3),
            worker_gone_after: None,
            merritt_in_flight_max: None,
            unserved_after: None,
        }
    }

    #[tokio::test]
    async fn the_status_judges_jobs_in_flight_by_the_counts_it_is_given_not_by_a_scan() {
        let t = TestDb::sqlite().await.unwrap();
        t.db.run(|c| {
            for _ in 0..5 {
                queue::enqueue(c, &EnqueueRequest::new("reports", "noop"))?;
            }
            Ok(())
        })
        .await
        .unwrap();
        let status = |counts: Vec<StateCount>| {
            let db = t.db.clone();
            async move {
                let snap = Snapshot {
                    counts,
                    waiting: Vec::new(),
                };
                db.run(move |c| status_with(c, &in_flight_only(), &snap, clock::now()))
                    .await
                    .unwrap()
            }
        };
        // A warm cache that has not seen the five jobs yet: no alert, so no scan saw them.
        assert_eq!(status(Vec::new()).await.alerts, Vec::<String>::new());
        let counted = vec![StateCount {
            queue: "reports".into(),
            state: JobState::Available,
            count: 5,
        }];
        assert_eq!(
            status(counted).await.alerts,
            ["queue reports has 5 unfinished jobs (limit 3)"]
        );
    }
}

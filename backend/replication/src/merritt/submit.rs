//! The `merritt.submit` and `merritt.check` jobs: deposit in a worker (never in the web
//! server), then poll until the object is visible or a time limit passes.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use longjobs_core::handler::{JobContext, JobError};
use longjobs_core::queue;
use longjobs_core::{Db, clock};
use serde::Deserialize;

use super::client::{MerrittClient, MerrittConfig};
use super::model::SubmissionState;
use super::store;
use crate::maintenance;

/// What the Merritt handlers need.
#[derive(Clone)]
pub struct MerrittContext {
    pub db: Db,
    pub http: reqwest::Client,
    pub config: MerrittConfig,
    /// How often the checker looks for the object.
    pub check_interval: Duration,
    /// How long after the deposit the object may take to appear before it is an error.
    pub check_timeout: Duration,
    /// Stamped on every state this worker writes.
    pub host: String,
}

#[derive(Deserialize)]
struct Payload {
    submission_id: i64,
}

type Handler = Box<dyn Fn(JobContext) -> BoxFuture<'static, Result<(), JobError>> + Send + Sync>;

pub fn submit_handler(ctx: Arc<MerrittContext>) -> Handler {
    Box::new(move |job| {
        let ctx = ctx.clone();
        Box::pin(async move { submit(&ctx, job).await })
    })
}

pub fn check_handler(ctx: Arc<MerrittContext>) -> Handler {
    Box::new(move |job| {
        let ctx = ctx.clone();
        Box::pin(async move { check(&ctx, job).await })
    })
}

async fn submit(ctx: &MerrittContext, job: JobContext) -> Result<(), JobError> {
    let Payload { submission_id: id } = job.payload()?;
    let db = &ctx.db;
    let host = ctx.host.clone();
    let sub = db
        .run(move |c| store::get(c, id))
        .await
        .map_err(JobError::retry)?
        .ok_or_else(|| JobError::discard(format!("there is no submission #{id}")))?;
    // One submission, one job: a job the submission does not name must not deposit it again.
    if sub.job_id != Some(job.job.id.0) {
        let owner = sub
            .job_id
            .map_or_else(|| "no job".to_string(), |j| format!("job #{j}"));
        return Err(JobError::discard(format!(
            "submission #{id} belongs to {owner}, not to this job; only a submission's own job deposits it"
        )));
    }
    if matches!(
        sub.state,
        SubmissionState::Completed | SubmissionState::ProvisionalComplete
    ) {
        return Ok(());
    }
    if db
        .run(maintenance::merritt_held)
        .await
        .map_err(JobError::retry)?
    {
        let h = host.clone();
        db.run(move |c| {
            store::record(
                c,
                id,
                SubmissionState::RejectedShuttingDown,
                &h,
                Some("held for maintenance"),
                None,
                None,
            )
        })
        .await
        .map_err(JobError::retry)?;
        return Ok(());
    }
    // Imported from the system longjobs replaces without a file manifest: depositing it
    // would send Merritt an empty version, so it ends errored, saying what is missing.
    if crate::import::is_imported_placeholder(&sub.request) {
        let (h, failed) = (host.clone(), sub.clone());
        db.run(move |c| {
            longjobs_core::db::transaction(c, |c| {
                let msg = crate::import::NO_MANIFEST;
                store::record(
                    c,
                    id,
                    SubmissionState::Errored,
                    &h,
                    Some("not sent"),
                    Some(msg),
                    None,
                )?;
                crate::events::submission_failed(c, &failed, msg)
            })
        })
        .await
        .map_err(JobError::retry)?;
        return Err(JobError::discard(crate::import::NO_MANIFEST));
    }
    let (h, attempt_note) = (host.clone(), format!("attempt {}", job.job.attempt));
    db.run(move |c| {
        store::record(
            c,
            id,
            SubmissionState::Processing,
            &h,
            Some(&attempt_note),
            None,
            None,
        )
    })
    .await
    .map_err(JobError::retry)?;
    let request: super::model::SubmissionRequest = serde_json::from_str(&sub.request)
        .map_err(|e| JobError::discard(format!("the stored request does not parse: {e}")))?;
    let client = MerrittClient {
        http: ctx.http.clone(),
        cfg: ctx.config.clone(),
    };
    match client.submit(&sub.identifier, &request).await {
        Ok(batch) => {
            let (h, at) = (
                host.clone(),
                clock::now() + clock::delta(ctx.check_interval),
            );
            db.run(move |c| {
                longjobs_core::db::transaction(c, |c| {
                    store::record(
                        c,
                        id,
                        SubmissionState::ProvisionalComplete,
                        &h,
                        Some(&format!("accepted as batch {batch}")),
                        None,
                        None,
                    )?;
                    queue::enqueue(c, &store::check_job(id, at))?;
                    Ok::<_, diesel::result::Error>(())
                })
            })
            .await
            .map_err(JobError::retry)?;
            Ok(())
        }
        Err(e) => {
            let last = !e.transient || job.job.attempt >= job.job.max_attempts;
            let (state, note) = if last {
                (SubmissionState::Errored, "final failure".to_string())
            } else {
                (
                    SubmissionState::Enqueued,
                    format!("attempt {} failed; will retry", job.job.attempt),
                )
            };
            let (h, msg, failed) = (host.clone(), e.message.clone(), sub.clone());
            db.run(move |c| {
                longjobs_core::db::transaction(c, |c| {
                    store::record(c, id, state, &h, Some(&note), Some(&msg), None)?;
                    if last {
                        crate::events::submission_failed(c, &failed, &msg)?;
                    }
                    Ok::<_, diesel::result::Error>(())
                })
            })
            .await
            .map_err(JobError::retry)?;
            Err(if e.transient {
                JobError::Retry(e.message)
            } else {
                JobError::Discard(e.message)
            })
        }
    }
}

async fn check(ctx: &MerrittContext, job: JobContext) -> Result<(), JobError> {
    let Payload { submission_id: id } = job.payload()?;
    let db = &ctx.db;
    let sub = db
        .run(move |c| store::get(c, id))
        .await
        .map_err(JobError::retry)?
        .ok_or_else(|| JobError::discard(format!("there is no submission #{id}")))?;
    if sub.state != SubmissionState::ProvisionalComplete {
        return Ok(());
    }
    let client = MerrittClient {
        http: ctx.http.clone(),
        cfg: ctx.config.clone(),
    };
    let host = ctx.host.clone();
    match client.find(&sub.identifier).await {
        Ok(Some(ark)) => {
            db.run(move |c| {
                store::set_ark(c, id, &ark)?;
                store::record(
                    c,
                    id,
                    SubmissionState::Completed,
                    &host,
                    Some(&format!("visible in Merritt as {ark}")),
                    None,
                    None,
                )
            })
            .await
            .map_err(JobError::retry)?;
            Ok(())
        }
        Ok(None) => {
            let waited = clock::now() - sub.updated_at;
            if waited > clock::delta(ctx.check_timeout) {
                let why = format!(
                    "not visible in Merritt {} minutes after the deposit",
                    waited.num_minutes()
                );
                db.run(move |c| {
                    longjobs_core::db::transaction(c, |c| {
                        store::record(
                            c,
                            id,
                            SubmissionState::Errored,
                            &host,
                            Some("checker gave up"),
                            Some(&why),
                            None,
                        )?;
                        crate::events::submission_failed(c, &sub, &why)
                    })
                })
                .await
                .map_err(JobError::retry)?;
                return Ok(());
            }
            Err(JobError::Snooze(
                ctx.check_interval,
                "not visible in Merritt yet".into(),
            ))
        }
        Err(e) => Err(JobError::Retry(e.message)),
    }
}

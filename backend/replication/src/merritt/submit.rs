//! The `merritt.submit` and `merritt.check` jobs: deposit in a worker (never in the web
//! server), then poll until the object is visible or a time limit passes.

use std::sync::Arc;
use std::time::Duration;

use longjobs_core::handler::{BackgroundJob, JobContext, JobError};
use longjobs_core::queue;
use longjobs_core::{Db, clock};
use serde::{Deserialize, Serialize};

use super::client::{MerrittClient, MerrittConfig};
use super::log::RequestLog;
use super::model::SubmissionState;
use super::store;
use crate::maintenance;
use crate::{KIND_MERRITT_CHECK, KIND_MERRITT_SUBMIT, QUEUE_MERRITT};

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

/// The `merritt.submit` job: deposits one submission.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubmitJob {
    pub submission_id: i64,
}

impl BackgroundJob for SubmitJob {
    const KIND: &'static str = KIND_MERRITT_SUBMIT;
    const QUEUE: &'static str = QUEUE_MERRITT;
    const MAX_ATTEMPTS: i32 = store::SUBMIT_MAX_ATTEMPTS;
    const TIMEOUT: Duration = Duration::from_secs(60 * 60);
    type Context = Arc<MerrittContext>;

    async fn run(self, ctx: Arc<MerrittContext>, job: JobContext) -> Result<(), JobError> {
        submit(&ctx, self.submission_id, job).await
    }
}

/// The `merritt.check` job: asks Merritt whether a deposited submission was ingested.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckJob {
    pub submission_id: i64,
}

impl BackgroundJob for CheckJob {
    const KIND: &'static str = KIND_MERRITT_CHECK;
    const QUEUE: &'static str = QUEUE_MERRITT;
    const MAX_ATTEMPTS: i32 = 20;
    const TIMEOUT: Duration = Duration::from_secs(10 * 60);
    type Context = Arc<MerrittContext>;

    async fn run(self, ctx: Arc<MerrittContext>, _job: JobContext) -> Result<(), JobError> {
        check(&ctx, self.submission_id).await
    }
}

async fn submit(ctx: &MerrittContext, id: i64, job: JobContext) -> Result<(), JobError> {
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
    if sub.state == SubmissionState::GivenUp {
        return Err(JobError::discard(format!(
            "submission #{id} was given up: it is not sent"
        )));
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
    let request: super::model::SubmissionRequest = serde_json::from_str(&sub.request)
        .map_err(|e| JobError::discard(format!("the stored request does not parse: {e}")))?;
    let client = MerrittClient {
        http: ctx.http.clone(),
        cfg: ctx.config.clone(),
        log: Some(RequestLog {
            db: db.clone(),
            submission_id: id,
        }),
    };
    // Never the same version twice: when an earlier attempt may have deposited it (a crash
    // after the POST, a timeout after sending), Merritt is asked first, and the checker
    // waits for it instead of a second POST.
    let history = db
        .run(move |c| store::history(c, id))
        .await
        .map_err(JobError::retry)?;
    if let Some(why) = may_have_deposited(&history) {
        let found = client
            .find(&sub.identifier, Some(&request))
            .await
            .map_err(|e| JobError::Retry(e.message))?;
        let (h, at) = (
            host.clone(),
            clock::now() + clock::delta(ctx.check_interval),
        );
        db.run(move |c| {
            longjobs_core::db::transaction(c, |c| {
                match found {
                    Some(ark) => {
                        store::set_ark(c, id, &ark)?;
                        store::record(
                            c,
                            id,
                            SubmissionState::Completed,
                            &h,
                            Some(&format!(
                                "{why}: Merritt already holds this version as {ark}; not sent again"
                            )),
                            None,
                            None,
                        )?;
                        crate::events::submission_completed(c, id)?;
                    }
                    None => {
                        store::record(
                            c,
                            id,
                            SubmissionState::ProvisionalComplete,
                            &h,
                            Some(&format!(
                                "{why}: not sent again; the checker waits for it in Merritt (local_id_search)"
                            )),
                            None,
                            None,
                        )?;
                        queue::enqueue(c, &store::check_job(id, at))?;
                    }
                }
                Ok::<_, diesel::result::Error>(())
            })
        })
        .await
        .map_err(JobError::retry)?;
        return Ok(());
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
                        Some(&format!("{ACCEPTED}{batch}")),
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
            let (state, mut note) = if last {
                (SubmissionState::Errored, "final failure".to_string())
            } else {
                (
                    SubmissionState::Enqueued,
                    format!("attempt {} failed; will retry", job.job.attempt),
                )
            };
            if e.maybe_sent {
                note.push_str(MAYBE_SENT);
            }
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

/// Added to a failed attempt's note when the deposit may have reached Merritt.
const MAYBE_SENT: &str = "; no answer after sending: Merritt may have accepted it";
/// How the note of a deposit Merritt answered starts.
const ACCEPTED: &str = "accepted as batch ";
/// The note of the checker giving up: the version never appeared, so sending is safe.
const CHECKER_GAVE_UP: &str = "checker gave up";

/// Why an earlier attempt may have deposited this version, if one may have: it reached
/// `processing` (the POST) and what followed does not show the POST refused or the version
/// absent — nothing followed (the worker died), or the attempt failed with no answer after
/// sending. A refusal Merritt answered, or the checker giving up, makes a new POST safe —
/// also when the checker gave up on a deposit that was never confirmed (its answer lost, its
/// worker killed): the version did not appear for the whole check timeout, so it is sent
/// again rather than waited for again after every resend. A deposit Merritt confirmed
/// (`accepted as batch …`) is never sent again: its ingest is only slow.
pub fn may_have_deposited(history: &[super::model::StateEntry]) -> Option<String> {
    let last = history
        .iter()
        .rposition(|e| e.state == SubmissionState::Processing)?;
    let posted_at = history[last].at.format("%Y-%m-%d %H:%M:%S UTC");
    let after = &history[last + 1..];
    let confirmed = after.iter().any(|e| {
        e.state == SubmissionState::ProvisionalComplete
            && e.note.as_deref().is_some_and(|n| n.starts_with(ACCEPTED))
    });
    let checker_gave_up = after
        .iter()
        .any(|e| e.state == SubmissionState::Errored && e.note.as_deref() == Some(CHECKER_GAVE_UP));
    if checker_gave_up && !confirmed {
        return None;
    }
    match history.get(last + 1) {
        None => Some(format!(
            "the attempt that started at {posted_at} ended without a word (its worker stopped?)"
        )),
        Some(next) => {
            let note = next.note.as_deref().unwrap_or_default();
            let refused = matches!(
                next.state,
                SubmissionState::Enqueued | SubmissionState::Errored
            ) && !note.contains(MAYBE_SENT)
                && (note.starts_with("attempt ")
                    || note == "final failure"
                    || note == CHECKER_GAVE_UP);
            if refused {
                None
            } else {
                Some(format!(
                    "the attempt that started at {posted_at} may have deposited this version ({})",
                    if note.is_empty() {
                        next.state.as_str()
                    } else {
                        note
                    }
                ))
            }
        }
    }
}

async fn check(ctx: &MerrittContext, id: i64) -> Result<(), JobError> {
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
        log: Some(RequestLog {
            db: db.clone(),
            submission_id: id,
        }),
    };
    let host = ctx.host.clone();
    let request: Option<super::model::SubmissionRequest> = serde_json::from_str(&sub.request).ok();
    match client.find(&sub.identifier, request.as_ref()).await {
        Ok(Some(ark)) => {
            db.run(move |c| {
                longjobs_core::db::transaction(c, |c| {
                    store::set_ark(c, id, &ark)?;
                    store::record(
                        c,
                        id,
                        SubmissionState::Completed,
                        &host,
                        Some(&format!("visible in Merritt as {ark}")),
                        None,
                        None,
                    )?;
                    crate::events::submission_completed(c, id)
                })
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
                            Some(CHECKER_GAVE_UP),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merritt::model::StateEntry;

    fn entry(state: SubmissionState, note: &str) -> StateEntry {
        StateEntry {
            id: 0,
            submission_id: 1,
            state,
            host: "h".into(),
            note: Some(note.into()),
            at: clock::now(),
        }
    }

    #[test]
    fn an_unconfirmed_deposit_the_checker_gave_up_on_is_sent_again() {
        use SubmissionState::*;
        let killed = vec![
            entry(Enqueued, "submitted"),
            entry(Processing, "attempt 1"),
            entry(
                ProvisionalComplete,
                "the attempt …: not sent again; the checker waits for it in Merritt (local_id_search)",
            ),
        ];
        assert!(may_have_deposited(&killed).is_some());
        let mut gave_up = killed.clone();
        gave_up.push(entry(Errored, CHECKER_GAVE_UP));
        gave_up.push(entry(Enqueued, "requeued by ops"));
        assert_eq!(may_have_deposited(&gave_up), None);
    }

    #[test]
    fn a_confirmed_deposit_is_never_sent_again_even_after_the_checker_gave_up() {
        use SubmissionState::*;
        let slow = vec![
            entry(Processing, "attempt 1"),
            entry(ProvisionalComplete, "accepted as batch bid-1"),
            entry(Errored, CHECKER_GAVE_UP),
            entry(Enqueued, "requeued by ops"),
        ];
        assert!(may_have_deposited(&slow).is_some());
    }
}

//! Operator actions on jobs by id: cancel, retry, discard.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::finish::Reschedule;
use crate::db::{DbConn, transaction};
use crate::job::{ErrorEntry, ErrorKind, Job, JobId, JobState};
use crate::schema::jobs;

/// An operator action on a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Stop the job: at once if it is waiting, at its worker's next heartbeat if running.
    Cancel,
    /// Run the job again now (from retryable, discarded, cancelled or scheduled).
    Retry,
    /// Give up on a waiting job without running it again.
    Discard,
}

/// What an action did to one job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ActionOutcome {
    /// The job moved to `state`.
    Done {
        state: JobState,
    },
    /// The job is running; its worker will cancel it at its next heartbeat.
    CancelRequested,
    /// Nothing changed, for `reason`.
    Refused {
        reason: String,
    },
    NotFound,
}

/// Applies `action` to each of `ids` in one transaction; `actor` is recorded in each
/// job's history. Every id gets an outcome, in the order given.
pub fn apply(
    conn: &mut DbConn,
    action: Action,
    ids: &[JobId],
    actor: &str,
    now: NaiveDateTime,
) -> QueryResult<Vec<(JobId, ActionOutcome)>> {
    transaction(conn, |c| {
        let found: Vec<Job> = jobs::table
            .filter(jobs::id.eq_any(ids))
            .select(Job::as_select())
            .load(c)?;
        let mut out = Vec::with_capacity(ids.len());
        for &id in ids {
            let Some(job) = found.iter().find(|j| j.id == id) else {
                out.push((id, ActionOutcome::NotFound));
                continue;
            };
            let outcome = match plan(action, job, actor, now) {
                Plan::Refuse(reason) => ActionOutcome::Refused { reason },
                Plan::RequestCancel => {
                    let n = diesel::update(
                        jobs::table
                            .filter(jobs::id.eq(id))
                            .filter(jobs::state.eq(JobState::Running)),
                    )
                    .set(jobs::cancel_requested.eq(true))
                    .execute(c)?;
                    if n == 1 {
                        ActionOutcome::CancelRequested
                    } else {
                        ActionOutcome::Refused {
                            reason: "the job changed state meanwhile; try again".into(),
                        }
                    }
                }
                Plan::Change(change) => {
                    let state = change.state;
                    // Guarded by the state we planned from: a concurrent change wins.
                    let res = c.transaction(|c| {
                        diesel::update(
                            jobs::table
                                .filter(jobs::id.eq(id))
                                .filter(jobs::state.eq(job.state)),
                        )
                        .set(&change)
                        .execute(c)
                    });
                    match res {
                        Ok(1) => ActionOutcome::Done { state },
                        Ok(_) => ActionOutcome::Refused {
                            reason: "the job changed state meanwhile; try again".into(),
                        },
                        Err(diesel::result::Error::DatabaseError(
                            diesel::result::DatabaseErrorKind::UniqueViolation,
                            _,
                        )) => ActionOutcome::Refused {
                            reason: format!(
                                "another live job holds unique key {:?}",
                                job.unique_key.as_deref().unwrap_or_default()
                            ),
                        },
                        Err(e) => return Err(e),
                    }
                }
            };
            out.push((id, outcome));
        }
        Ok(out)
    })
}

enum Plan {
    Change(Reschedule),
    RequestCancel,
    Refuse(String),
}

fn plan(action: Action, job: &Job, actor: &str, now: NaiveDateTime) -> Plan {
    let note = |verb: &str| {
        ErrorEntry::new(
            now,
            job.attempt,
            ErrorKind::Operator,
            format!("{verb} by {actor}"),
        )
    };
    match rule(action, job.state) {
        Rule::Refuse(reason) => Plan::Refuse(reason),
        Rule::RequestCancel => Plan::RequestCancel,
        Rule::To(state) => {
            let mut change = Reschedule::release(job, state, now);
            let verb = match action {
                Action::Cancel => "cancelled",
                Action::Discard => "discarded",
                Action::Retry => {
                    change.run_at = now;
                    change.finished_at = None;
                    // A job out of attempts gets one more, so the retry is not discarded
                    // unrun.
                    change.max_attempts = job.max_attempts.max(job.attempt + 1);
                    "retried"
                }
            };
            change.errors = job.errors_with(note(verb));
            Plan::Change(change)
        }
    }
}

/// What an action does to a job in a given state: the one rule table, read by [`apply`]
/// and by [`refusal`] (which the API reports per job, so the console can disable what
/// cannot apply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// The job moves to this state.
    To(JobState),
    /// The job is running: its worker cancels it at its next heartbeat.
    RequestCancel,
    /// Nothing changes, for this reason.
    Refuse(String),
}

/// The rule for `action` on a job in `state`.
pub fn rule(action: Action, state: JobState) -> Rule {
    use JobState::*;
    match (action, state) {
        (Action::Cancel, Running) => Rule::RequestCancel,
        (Action::Cancel, Scheduled | Available | Retryable | Discarded) => Rule::To(Cancelled),
        (Action::Discard, Scheduled | Available | Retryable) => Rule::To(Discarded),
        (Action::Discard, Running) => Rule::Refuse("the job is running: cancel it instead".into()),
        (Action::Retry, Retryable | Discarded | Cancelled | Scheduled) => Rule::To(Available),
        // A completed job did its work: running it again is enqueueing new work, which
        // its owner (a copy's resend, a submission's requeue) does with its own checks.
        (Action::Retry, Available | Running | Completed)
        | (Action::Cancel | Action::Discard, Completed | Cancelled)
        | (Action::Discard, Discarded) => Rule::Refuse(format!("the job is already {state}")),
    }
}

/// Why `action` cannot apply to a job in `state`; `None` when it can.
pub fn refusal(action: Action, state: JobState) -> Option<String> {
    match rule(action, state) {
        Rule::Refuse(reason) => Some(reason),
        Rule::To(_) | Rule::RequestCancel => None,
    }
}

/// Every action, in the order the console shows them.
pub const ACTIONS: [Action; 3] = [Action::Retry, Action::Cancel, Action::Discard];

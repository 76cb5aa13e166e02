//! All SQL about Merritt submissions: creation with its job, the append-only state
//! history (each entry stamped with the writing host), listing, restart, resend and
//! giving up.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use longjobs_core::db::{DbConn, MultiBackend, keyset, like_pattern, lower, transaction};
use longjobs_core::job::{Job, JobState};
use longjobs_core::queue::{self, EnqueueRequest};
use longjobs_core::schema::{merritt_submission_states, merritt_submissions};
use longjobs_core::{JobId, clock};

use super::model::{StateEntry, Submission, SubmissionRequest, SubmissionState};
use super::submit::{CheckJob, SubmitJob};
use crate::listing::{Cursor, SortValue};
use longjobs_core::handler::BackgroundJob;

/// Attempts a submission's deposit gets.
pub const SUBMIT_MAX_ATTEMPTS: i32 = 5;

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<Option<Submission>> {
    merritt_submissions::table
        .find(id)
        .select(Submission::as_select())
        .first(conn)
        .optional()
}

fn submit_job(s: &Submission) -> EnqueueRequest {
    SubmitJob {
        submission_id: s.id,
    }
    .request()
    .ordering_key(format!("merritt:{}", s.resource_id))
    .unique_key(format!("merritt.submit:{}", s.id))
}

/// The checker job for a submission, first run at `at`.
pub fn check_job(submission_id: i64, at: NaiveDateTime) -> EnqueueRequest {
    CheckJob { submission_id }
        .request()
        .run_at(at)
        .unique_key(format!("merritt.check:{submission_id}"))
}

/// Records a submission and its job in one transaction.
pub fn create(
    conn: &mut DbConn,
    resource_id: i64,
    identifier: &str,
    request: &SubmissionRequest,
    host: &str,
) -> QueryResult<(Submission, Job)> {
    let now = clock::now();
    let body = serde_json::to_string(request).unwrap_or_default();
    transaction(conn, |conn| {
        diesel::insert_into(merritt_submissions::table)
            .values((
                merritt_submissions::resource_id.eq(resource_id),
                merritt_submissions::identifier.eq(identifier),
                merritt_submissions::request.eq(&body),
                merritt_submissions::size.eq(request.size()),
                merritt_submissions::state.eq(SubmissionState::Enqueued),
                merritt_submissions::host.eq(host),
                merritt_submissions::created_at.eq(now),
                merritt_submissions::updated_at.eq(now),
            ))
            .execute(conn)?;
        let sub: Submission = merritt_submissions::table
            .order(merritt_submissions::id.desc())
            .filter(merritt_submissions::resource_id.eq(resource_id))
            .select(Submission::as_select())
            .first(conn)?;
        let job = queue::enqueue(conn, &submit_job(&sub))?.job;
        record(
            conn,
            sub.id,
            SubmissionState::Enqueued,
            host,
            Some("submitted"),
            None,
            Some(job.id),
        )?;
        Ok((
            Submission {
                job_id: Some(job.id.0),
                ..sub
            },
            job,
        ))
    })
}

/// Appends a history entry and makes it the current state.
pub fn record(
    conn: &mut DbConn,
    id: i64,
    state: SubmissionState,
    host: &str,
    note: Option<&str>,
    last_error: Option<&str>,
    job: Option<JobId>,
) -> QueryResult<()> {
    let now = clock::now();
    diesel::insert_into(merritt_submission_states::table)
        .values((
            merritt_submission_states::submission_id.eq(id),
            merritt_submission_states::state.eq(state),
            merritt_submission_states::host.eq(host),
            merritt_submission_states::note.eq(note),
            merritt_submission_states::at.eq(now),
        ))
        .execute(conn)?;
    diesel::update(merritt_submissions::table.find(id))
        .set((
            merritt_submissions::state.eq(state),
            merritt_submissions::host.eq(host),
            merritt_submissions::last_error.eq(last_error),
            merritt_submissions::updated_at.eq(now),
        ))
        .execute(conn)?;
    if let Some(j) = job {
        diesel::update(merritt_submissions::table.find(id))
            .set(merritt_submissions::job_id.eq(Some(j.0)))
            .execute(conn)?;
    }
    Ok(())
}

pub fn set_ark(conn: &mut DbConn, id: i64, ark: &str) -> QueryResult<()> {
    diesel::update(merritt_submissions::table.find(id))
        .set(merritt_submissions::ark.eq(Some(ark)))
        .execute(conn)?;
    Ok(())
}

pub fn history(conn: &mut DbConn, id: i64) -> QueryResult<Vec<StateEntry>> {
    merritt_submission_states::table
        .filter(merritt_submission_states::submission_id.eq(id))
        .order(merritt_submission_states::id.asc())
        .select(StateEntry::as_select())
        .load(conn)
}

/// Which submissions a listing shows: some states (all when empty), those whose identifier
/// or ARK contains `search` (ignoring case), one dataset's (`identifier`, exactly).
#[derive(Debug, Clone, Default)]
pub struct SubmissionFilter {
    pub states: Vec<SubmissionState>,
    pub search: Option<String>,
    pub identifier: Option<String>,
    pub limit: i64,
}

/// What a listing of submissions is ordered by; ties are broken by id in the same direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SubmissionSort {
    #[default]
    Id,
    Identifier,
    ResourceId,
    State,
    Size,
    CreatedAt,
    UpdatedAt,
}

impl SubmissionSort {
    /// The cursor that starts the page after `s`.
    pub fn cursor_after(self, s: &Submission) -> Cursor {
        let value = match self {
            SubmissionSort::Id => SortValue::Id,
            SubmissionSort::Identifier => SortValue::Text(s.identifier.clone()),
            SubmissionSort::ResourceId => SortValue::Int(s.resource_id),
            SubmissionSort::State => SortValue::Text(s.state.as_str().to_string()),
            SubmissionSort::Size => SortValue::Int(s.size),
            SubmissionSort::CreatedAt => SortValue::Time(s.created_at),
            SubmissionSort::UpdatedAt => SortValue::Time(s.updated_at),
        };
        Cursor { value, id: s.id }
    }
}

/// One page of submissions.
#[derive(Debug, Clone)]
pub struct SubmissionPage {
    pub submissions: Vec<Submission>,
    /// Start of the next page, when there is one.
    pub next: Option<Cursor>,
}

/// The submissions matching `f` (not its `limit`).
fn matching(f: &SubmissionFilter) -> merritt_submissions::BoxedQuery<'static, MultiBackend> {
    let mut q = merritt_submissions::table.into_boxed();
    if !f.states.is_empty() {
        q = q.filter(merritt_submissions::state.eq_any(f.states.clone()));
    }
    if let Some(i) = &f.identifier {
        q = q.filter(merritt_submissions::identifier.eq(i.clone()));
    }
    if let Some(text) = &f.search {
        let p = like_pattern(&text.to_lowercase());
        q = q.filter(
            lower(merritt_submissions::identifier)
                .like(p.clone())
                .escape('\\')
                .or(lower(merritt_submissions::ark.assume_not_null())
                    .like(p)
                    .escape('\\')
                    .and(merritt_submissions::ark.is_not_null())),
        );
    }
    q
}

/// How many submissions match `f` on every page.
pub fn count(conn: &mut DbConn, f: &SubmissionFilter) -> QueryResult<i64> {
    matching(f).count().get_result(conn)
}

/// Submissions matching `f`, sorted by `sort` (newest first by default), from after
/// `cursor`. A cursor of another sort order is refused (a query builder error).
pub fn list(
    conn: &mut DbConn,
    f: &SubmissionFilter,
    sort: SubmissionSort,
    descending: bool,
    cursor: Option<&Cursor>,
) -> QueryResult<SubmissionPage> {
    let limit = f.limit.max(1);
    let q = matching(f);
    let id = merritt_submissions::id;
    let q = match sort {
        SubmissionSort::Id => {
            keyset::by_id(q, id, keyset::after(cursor, Cursor::id_only)?, descending)
        }
        SubmissionSort::Identifier => {
            let after = keyset::after(cursor, Cursor::text)?;
            keyset::by(q, merritt_submissions::identifier, id, after, descending)
        }
        SubmissionSort::State => {
            let after = keyset::after(cursor, Cursor::text)?;
            keyset::by(q, merritt_submissions::state, id, after, descending)
        }
        SubmissionSort::ResourceId => {
            let after = keyset::after(cursor, Cursor::int)?;
            keyset::by(q, merritt_submissions::resource_id, id, after, descending)
        }
        SubmissionSort::Size => {
            let after = keyset::after(cursor, Cursor::int)?;
            keyset::by(q, merritt_submissions::size, id, after, descending)
        }
        SubmissionSort::CreatedAt => {
            let after = keyset::after(cursor, Cursor::time)?;
            keyset::by(q, merritt_submissions::created_at, id, after, descending)
        }
        SubmissionSort::UpdatedAt => {
            let after = keyset::after(cursor, Cursor::time)?;
            keyset::by(q, merritt_submissions::updated_at, id, after, descending)
        }
    };
    let mut found: Vec<Submission> = q
        .limit(limit + 1)
        .select(Submission::as_select())
        .load(conn)?;
    let next = if keyset::cut(&mut found, limit) {
        found.last().map(|s| sort.cursor_after(s))
    } else {
        None
    };
    Ok(SubmissionPage {
        submissions: found,
        next,
    })
}

pub fn count_in(conn: &mut DbConn, states: &[SubmissionState]) -> QueryResult<i64> {
    merritt_submissions::table
        .filter(merritt_submissions::state.eq_any(states.to_vec()))
        .count()
        .get_result(conn)
}

pub fn count_since(
    conn: &mut DbConn,
    state: SubmissionState,
    since: NaiveDateTime,
) -> QueryResult<i64> {
    merritt_submissions::table
        .filter(merritt_submissions::state.eq(state))
        .filter(merritt_submissions::updated_at.ge(since))
        .count()
        .get_result(conn)
}

/// Puts submissions back in the work queue (from any host: no hostname matters). Only
/// submissions in `from` states without a live job move. Returns the ids moved.
pub fn requeue(
    conn: &mut DbConn,
    ids: Option<&[i64]>,
    from: &[SubmissionState],
    actor: &str,
    host: &str,
) -> QueryResult<Vec<i64>> {
    transaction(conn, |conn| {
        let mut q = merritt_submissions::table
            .filter(merritt_submissions::state.eq_any(from.to_vec()))
            .into_boxed();
        if let Some(ids) = ids {
            q = q.filter(merritt_submissions::id.eq_any(ids.to_vec()));
        }
        let candidates: Vec<Submission> = q
            .order(merritt_submissions::id.asc())
            .select(Submission::as_select())
            .load(conn)?;
        let mut moved = Vec::new();
        for s in candidates {
            let old = queue::state_of(conn, s.job_id)?;
            if old.is_some_and(|st| JobState::LIVE.contains(&st)) {
                continue;
            }
            // A discarded old job still holds the resource's ordering key, and the new job
            // would wait behind it for ever: cancel it first.
            if let (Some(j), Some(st)) = (s.job_id, old)
                && st.blocks_ordering()
            {
                queue::apply_action(
                    conn,
                    queue::Action::Cancel,
                    &[JobId(j)],
                    actor,
                    clock::now(),
                )?;
            }
            let job = queue::enqueue(conn, &submit_job(&s))?.job;
            record(
                conn,
                s.id,
                SubmissionState::Enqueued,
                host,
                Some(&format!("requeued by {actor}")),
                None,
                Some(job.id),
            )?;
            moved.push(s.id);
        }
        Ok(moved)
    })
}

/// Drain: every submission waiting for a worker (enqueued, its job not running) is held
/// now (`rejected_shutting_down`) and its job cancelled. Returns those submissions.
pub fn hold_waiting(conn: &mut DbConn, actor: &str, host: &str) -> QueryResult<Vec<i64>> {
    transaction(conn, |conn| {
        let waiting: Vec<Submission> = merritt_submissions::table
            .filter(merritt_submissions::state.eq(SubmissionState::Enqueued))
            .order(merritt_submissions::id.asc())
            .select(Submission::as_select())
            .load(conn)?;
        let mut out = Vec::new();
        for s in waiting {
            let st = queue::state_of(conn, s.job_id)?;
            if st == Some(JobState::Running) {
                continue;
            }
            if let (Some(j), Some(js)) = (s.job_id, st)
                && js.blocks_ordering()
            {
                queue::apply_action(
                    conn,
                    queue::Action::Cancel,
                    &[JobId(j)],
                    actor,
                    clock::now(),
                )?;
            }
            record(
                conn,
                s.id,
                SubmissionState::RejectedShuttingDown,
                host,
                Some(&format!("held by {actor} for maintenance")),
                None,
                None,
            )?;
            out.push(s.id);
        }
        Ok(out)
    })
}

/// Why giving up on a submission does not apply.
#[derive(Debug, thiserror::Error)]
pub enum GiveUpRefused {
    #[error("there is no submission #{0}")]
    NotFound(i64),
    /// It cannot be given up now; the text says why and what to do.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// Gives up on submission `id`: it ends `given_up` without being submitted, the reason in
/// its history and its request log, and its job (waiting or retrying) is cancelled.
/// Refused for a completed submission, one already given up, and one Merritt may already
/// hold: accepted and awaiting the checker, being deposited right now, or after an attempt
/// that may have reached Merritt (a resend asks Merritt first).
pub fn give_up(
    conn: &mut DbConn,
    id: i64,
    reason: &str,
    actor: &str,
    host: &str,
) -> Result<Submission, GiveUpRefused> {
    transaction(conn, |conn| {
        let sub = get(conn, id)?.ok_or(GiveUpRefused::NotFound(id))?;
        let refuse = |why: String| -> Result<Submission, GiveUpRefused> {
            Err(GiveUpRefused::Conflict(why))
        };
        match sub.state {
            SubmissionState::Completed => {
                return refuse(format!(
                    "submission #{id} is completed{}: there is nothing to give up",
                    sub.ark
                        .as_deref()
                        .map(|a| format!(" (Merritt holds it as {a})"))
                        .unwrap_or_default()
                ));
            }
            SubmissionState::GivenUp => {
                return refuse(format!("submission #{id} was already given up"));
            }
            SubmissionState::ProvisionalComplete => {
                return refuse(format!(
                    "Merritt accepted the deposit of submission #{id} (provisional_complete): it may already hold this version, and the checker waits for it to appear"
                ));
            }
            _ => {}
        }
        let job = queue::state_of(conn, sub.job_id)?;
        if let (Some(j), Some(JobState::Running)) = (sub.job_id, job) {
            return refuse(format!(
                "a worker is depositing submission #{id} now (job #{j}): Merritt may hold it once the attempt ends; try again when it has"
            ));
        }
        if let Some(why) = super::submit::may_have_deposited(&history(conn, id)?) {
            return refuse(format!(
                "Merritt may already hold submission #{id}: {why}; resend it instead, and the worker asks Merritt before sending again"
            ));
        }
        if let (Some(j), Some(st)) = (sub.job_id, job)
            && st.blocks_ordering()
        {
            queue::apply_action(
                conn,
                queue::Action::Cancel,
                &[JobId(j)],
                actor,
                clock::now(),
            )?;
        }
        let note = format!("given up by {actor}: {reason}");
        record(
            conn,
            id,
            SubmissionState::GivenUp,
            host,
            Some(&note),
            sub.last_error.as_deref(),
            None,
        )?;
        super::log::append(
            conn,
            id,
            &super::log::Entry {
                kind: "INFO",
                message: note,
                ..Default::default()
            },
        )?;
        get(conn, id)?.ok_or(GiveUpRefused::NotFound(id))
    })
}

#[cfg(test)]
mod tests {
    use longjobs_core::queue::{self, Action};
    use longjobs_core::testing::TestDb;
    use longjobs_core::{JobId, JobState, clock};

    use super::*;
    use crate::merritt::MerrittFile;

    #[tokio::test]
    async fn resending_an_errored_submission_cancels_the_discarded_job_that_holds_its_line() {
        let t = TestDb::sqlite().await.unwrap();
        let (old, new) =
            t.db.run(|c| {
                let req = SubmissionRequest {
                    files: vec![MerrittFile {
                        url: "http://127.0.0.1:9/f".into(),
                        size: 1,
                        md5: "0123456789abcdef0123456789abcdef".into(),
                        name: "f".into(),
                    }],
                    profile: "p".into(),
                    submitter: "s".into(),
                };
                let (sub, job) = create(c, 7, "doi:10.5061/dryad.x", &req, "host-a")?;
                // The deposit failed for good: the job is discarded, the submission errored.
                queue::apply_action(c, Action::Discard, &[job.id], "worker", clock::now())?;
                record(
                    c,
                    sub.id,
                    SubmissionState::Errored,
                    "host-a",
                    Some("final failure"),
                    Some("400"),
                    None,
                )?;
                let moved = requeue(
                    c,
                    Some(&[sub.id]),
                    &[SubmissionState::Errored],
                    "ada",
                    "host-b",
                )?;
                assert_eq!(moved, vec![sub.id]);
                let now = get(c, sub.id)?.unwrap();
                Ok((job.id, JobId(now.job_id.unwrap())))
            })
            .await
            .unwrap();
        assert_ne!(old, new);
        let state = |id| {
            let db = t.db.clone();
            async move {
                db.run(move |c| queue::get_job(c, id))
                    .await
                    .unwrap()
                    .unwrap()
                    .state
            }
        };
        assert_eq!(
            state(old).await,
            JobState::Cancelled,
            "the old job no longer holds the line"
        );
        assert_eq!(state(new).await, JobState::Available);
    }
}

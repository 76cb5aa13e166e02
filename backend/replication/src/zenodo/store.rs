//! All SQL about Zenodo copies: creating them with their job, state changes, the capped
//! request log, ordering checks, upload progress, and the operator actions (resend, chain,
//! reset stalled, give up, exclude from the daily retry).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use longjobs_core::clock;
use longjobs_core::db::{DbConn, MultiBackend, keyset, transaction};
use longjobs_core::job::{Job, JobId, JobState};
use longjobs_core::queue::{self, Action, EnqueueRequest};
use longjobs_core::schema::{zenodo_copies, zenodo_copy_log};

use super::model::{CopyRequest, CopyState, CopyType, LogLine, ZenodoCopy};
use super::replicate::CopyJob;
use longjobs_core::handler::BackgroundJob;

/// Lines kept per copy's log; older ones are dropped.
pub const LOG_LINES_KEPT: i64 = 500;
/// Longest log line kept.
pub const LOG_LINE_MAX: usize = 4_000;
/// Attempts a copy's job gets (network errors and 5xx answers are retried).
pub const COPY_MAX_ATTEMPTS: i32 = 5;

/// Why an operator action was refused, in words for the operator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("prerequisite: copy #{0} of the same identifier and type is {1}; send it first")]
    Prerequisite(i64, CopyState),
    #[error("in runner: job #{0} for this copy is still {1}")]
    InRunner(i64, JobState),
    #[error("already finished")]
    Finished,
    #[error("already given up")]
    GivenUp,
    #[error("there is no copy #{0}")]
    NotFound(i64),
    #[error("a {1} copy of resource {0} already exists (copy #{2})")]
    Duplicate(i64, CopyType, i64),
}

/// Errors of store functions that may refuse.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

pub fn get(conn: &mut DbConn, id: i64) -> QueryResult<Option<ZenodoCopy>> {
    zenodo_copies::table
        .find(id)
        .select(ZenodoCopy::as_select())
        .first(conn)
        .optional()
}

pub(crate) fn job_request(copy: &ZenodoCopy) -> EnqueueRequest {
    CopyJob { copy_id: copy.id }
        .request()
        .priority(copy.copy_type.priority())
        .ordering_key(copy.ordering_key())
        .unique_key(format!("zenodo.copy:{}", copy.id))
}

/// Creates a copy and its job in one transaction.
pub fn create(
    conn: &mut DbConn,
    identifier: &str,
    resource_id: i64,
    copy_type: CopyType,
    request: &CopyRequest,
) -> Result<(ZenodoCopy, Job), StoreError> {
    let now = clock::now();
    let size: i64 = request.files.iter().map(|f| f.size).sum();
    let body = serde_json::to_string(request).unwrap_or_default();
    transaction(conn, |conn| {
        let existing: Option<i64> = zenodo_copies::table
            .filter(zenodo_copies::resource_id.eq(resource_id))
            .filter(zenodo_copies::copy_type.eq(copy_type))
            .select(zenodo_copies::id)
            .first(conn)
            .optional()?;
        if let Some(id) = existing {
            // A copy imported from the system longjobs replaces has no manifest: the
            // application sending it now completes that copy (same id, same place in its
            // chain) instead of being refused as a duplicate.
            if let Some(old) = get(conn, id)?
                && old.identifier == identifier
                && old.state != CopyState::Finished
                && crate::import::is_imported_placeholder(&old.request)
            {
                return complete_imported(conn, old, size, &body);
            }
            return Err(Refusal::Duplicate(resource_id, copy_type, id).into());
        }
        diesel::insert_into(zenodo_copies::table)
            .values((
                zenodo_copies::identifier.eq(identifier),
                zenodo_copies::resource_id.eq(resource_id),
                zenodo_copies::copy_type.eq(copy_type),
                zenodo_copies::state.eq(CopyState::Enqueued),
                zenodo_copies::attempts.eq(0),
                zenodo_copies::files_total.eq(file_count(request)),
                zenodo_copies::size.eq(size),
                zenodo_copies::request.eq(&body),
                zenodo_copies::created_at.eq(now),
                zenodo_copies::updated_at.eq(now),
            ))
            .execute(conn)?;
        let copy: ZenodoCopy = zenodo_copies::table
            .filter(zenodo_copies::resource_id.eq(resource_id))
            .filter(zenodo_copies::copy_type.eq(copy_type))
            .select(ZenodoCopy::as_select())
            .first(conn)?;
        let job = queue::enqueue(conn, &job_request(&copy))?.job;
        link_job(conn, copy.id, job.id, CopyState::Enqueued, None)?;
        log(
            conn,
            copy.id,
            "INFO",
            &format!("copy requested; job #{} enqueued", job.id),
        )?;
        Ok((
            ZenodoCopy {
                job_id: Some(job.id.0),
                ..copy
            },
            job,
        ))
    })
}

/// Gives an imported copy the request the application sent and puts it back in its chain
/// with a new job (the old one cancelled, as a resend does). Refused while its job runs:
/// that run read the copy without its files, so the application sends again once it ended.
fn complete_imported(
    conn: &mut DbConn,
    old: ZenodoCopy,
    size: i64,
    body: &str,
) -> Result<(ZenodoCopy, Job), StoreError> {
    let now = clock::now();
    let old_state = queue::state_of(conn, old.job_id)?;
    if let (Some(j), Some(s)) = (old.job_id, old_state) {
        if s == JobState::Running {
            return Err(Refusal::InRunner(j, s).into());
        }
        if s.blocks_ordering() {
            queue::apply_action(conn, Action::Cancel, &[JobId(j)], "application", now)?;
        }
    }
    diesel::update(zenodo_copies::table.find(old.id))
        .set((
            zenodo_copies::request.eq(body),
            zenodo_copies::size.eq(size),
            zenodo_copies::updated_at.eq(now),
        ))
        .execute(conn)?;
    let job = queue::enqueue(conn, &job_request(&old))?.job;
    link_job(
        conn,
        old.id,
        job.id,
        CopyState::Enqueued,
        Some("imported copy completed by the application's request"),
    )?;
    log(
        conn,
        old.id,
        "INFO",
        &format!(
            "the application sent the files of this imported copy; job #{}",
            job.id
        ),
    )?;
    let copy = get(conn, old.id)?.ok_or(diesel::result::Error::NotFound)?;
    Ok((copy, job))
}

fn file_count(request: &CopyRequest) -> i32 {
    i32::try_from(request.files.len()).unwrap_or(i32::MAX)
}

/// Gives a copy its (new) job: back to `state` (a given-up copy comes back, its reason
/// kept in the log).
fn link_job(
    conn: &mut DbConn,
    copy_id: i64,
    job: JobId,
    state: CopyState,
    note: Option<&str>,
) -> QueryResult<()> {
    let now = clock::now();
    diesel::update(zenodo_copies::table.find(copy_id))
        .set((
            zenodo_copies::job_id.eq(Some(job.0)),
            zenodo_copies::state.eq(state),
            zenodo_copies::note.eq(note),
            zenodo_copies::given_up_reason.eq(None::<String>),
            zenodo_copies::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Appends a log line (access tokens redacted, long lines cut) and drops the oldest beyond
/// [`LOG_LINES_KEPT`].
pub fn log(conn: &mut DbConn, copy_id: i64, kind: &str, message: &str) -> QueryResult<()> {
    let message = longjobs_core::job::truncate(redact(message), LOG_LINE_MAX);
    let now = clock::now();
    diesel::insert_into(zenodo_copy_log::table)
        .values((
            zenodo_copy_log::copy_id.eq(copy_id),
            zenodo_copy_log::at.eq(now),
            zenodo_copy_log::kind.eq(kind),
            zenodo_copy_log::message.eq(&message),
        ))
        .execute(conn)?;
    let cutoff: Option<i64> = zenodo_copy_log::table
        .filter(zenodo_copy_log::copy_id.eq(copy_id))
        .order(zenodo_copy_log::id.desc())
        .offset(LOG_LINES_KEPT)
        .select(zenodo_copy_log::id)
        .first(conn)
        .optional()?;
    if let Some(cutoff) = cutoff {
        diesel::delete(
            zenodo_copy_log::table
                .filter(zenodo_copy_log::copy_id.eq(copy_id))
                .filter(zenodo_copy_log::id.le(cutoff)),
        )
        .execute(conn)?;
    }
    Ok(())
}

/// Replaces the value of every `access_token=` in `s` with `***`.
pub fn redact(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("access_token=") {
        let (head, tail) = rest.split_at(i + "access_token=".len());
        out.push_str(head);
        out.push_str("***");
        let end = tail
            .find(|c: char| c == '&' || c == '"' || c.is_whitespace())
            .unwrap_or(tail.len());
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

pub fn log_lines(conn: &mut DbConn, copy_id: i64) -> QueryResult<Vec<LogLine>> {
    zenodo_copy_log::table
        .filter(zenodo_copy_log::copy_id.eq(copy_id))
        .order(zenodo_copy_log::id.asc())
        .select(LogLine::as_select())
        .load(conn)
}

/// Moves a copy to `state` with a note and (for errors) the error. A copy an operator
/// gave up on stays given up: a job that was still running when it happened cannot undo it
/// (only a resend, through [`link_job`], brings it back).
pub fn set_state(
    conn: &mut DbConn,
    id: i64,
    state: CopyState,
    note: Option<&str>,
    last_error: Option<&str>,
) -> QueryResult<()> {
    let now = clock::now();
    diesel::update(
        zenodo_copies::table
            .find(id)
            .filter(zenodo_copies::state.ne(CopyState::GivenUp)),
    )
    .set((
        zenodo_copies::state.eq(state),
        zenodo_copies::note.eq(note),
        zenodo_copies::last_error.eq(last_error),
        zenodo_copies::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// Marks the start of a real attempt: `replicating`, attempts + 1, upload progress from
/// zero of `files_total` files. Returns false (and changes nothing) for a copy an operator
/// gave up on.
pub fn start_attempt(conn: &mut DbConn, id: i64, files_total: i32) -> QueryResult<bool> {
    let now = clock::now();
    let n = diesel::update(
        zenodo_copies::table
            .find(id)
            .filter(zenodo_copies::state.ne(CopyState::GivenUp)),
    )
    .set((
        zenodo_copies::state.eq(CopyState::Replicating),
        zenodo_copies::attempts.eq(zenodo_copies::attempts + 1),
        zenodo_copies::note.eq(None::<String>),
        zenodo_copies::files_total.eq(files_total),
        zenodo_copies::files_done.eq(0),
        zenodo_copies::bytes_done.eq(0_i64),
        zenodo_copies::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n > 0)
}

/// Records upload progress: files of the manifest on Zenodo so far and their bytes. The
/// replicator calls it per file and at most once a second within a file.
pub fn set_progress(
    conn: &mut DbConn,
    id: i64,
    files_done: i32,
    bytes_done: i64,
) -> QueryResult<()> {
    diesel::update(zenodo_copies::table.find(id))
        .set((
            zenodo_copies::files_done.eq(files_done),
            zenodo_copies::bytes_done.eq(bytes_done),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records the deposition a copy uses (kept across retries so they reuse it).
pub fn set_deposition(
    conn: &mut DbConn,
    id: i64,
    deposition_id: i64,
    software_doi: Option<&str>,
    conceptrecid: Option<&str>,
) -> QueryResult<()> {
    diesel::update(zenodo_copies::table.find(id))
        .set((
            zenodo_copies::deposition_id.eq(Some(deposition_id)),
            zenodo_copies::software_doi.eq(software_doi),
            zenodo_copies::conceptrecid.eq(conceptrecid),
        ))
        .execute(conn)?;
    Ok(())
}

/// The copies of the same identifier and copy-type group, oldest first.
pub fn group_of(conn: &mut DbConn, copy: &ZenodoCopy) -> QueryResult<Vec<ZenodoCopy>> {
    let types = copy.copy_type.group_types().to_vec();
    let identifier = copy.identifier.clone();
    zenodo_copies::table
        .filter(zenodo_copies::identifier.eq(&identifier))
        .filter(zenodo_copies::copy_type.eq_any(&types))
        .order(zenodo_copies::id.asc())
        .select(ZenodoCopy::as_select())
        .load(conn)
}

/// The earliest unfinished copy before `copy` in its group: what it waits on.
pub fn blocking_predecessor(
    conn: &mut DbConn,
    copy: &ZenodoCopy,
) -> QueryResult<Option<ZenodoCopy>> {
    Ok(group_of(conn, copy)?
        .into_iter()
        .find(|c| c.id < copy.id && !c.state.is_settled()))
}

/// The finished copies before `copy` in its group that name a deposition, newest first:
/// where the copy's own deposition comes from (a new version of the first that still exists).
pub fn earlier_depositions(conn: &mut DbConn, copy: &ZenodoCopy) -> QueryResult<Vec<ZenodoCopy>> {
    let mut found: Vec<ZenodoCopy> = group_of(conn, copy)?
        .into_iter()
        .filter(|c| c.id < copy.id && c.state == CopyState::Finished && c.deposition_id.is_some())
        .collect();
    found.reverse();
    Ok(found)
}

/// Points a copy at another deposition (and its DOI) with a note, logged: a version whose
/// files equal the previous published one is that version; a finished copy whose deposition
/// no longer exists (a discarded draft) is repaired this way.
pub fn repoint(
    conn: &mut DbConn,
    id: i64,
    deposition_id: i64,
    doi: Option<&str>,
    conceptrecid: Option<&str>,
    note: &str,
) -> QueryResult<()> {
    transaction(conn, |conn| {
        set_deposition(conn, id, deposition_id, doi, conceptrecid)?;
        let now = clock::now();
        diesel::update(zenodo_copies::table.find(id))
            .set((
                zenodo_copies::note.eq(Some(note)),
                zenodo_copies::updated_at.eq(now),
            ))
            .execute(conn)?;
        log(conn, id, "INFO", note)
    })
}

/// Puts `from` and every later unfinished copy of its group back in the work queue, in
/// id order: each gets a job (the old one retried when it still exists and is not live for
/// the first; replaced otherwise), so job ids follow copy ids and the ordering key keeps
/// them in order. Returns the copies requeued.
pub fn requeue_from(
    conn: &mut DbConn,
    from: &ZenodoCopy,
    actor: &str,
    note: &str,
) -> QueryResult<Vec<i64>> {
    let group = group_of(conn, from)?;
    let mut requeued = Vec::new();
    let now = clock::now();
    // Later copies an operator gave up on stay given up; `from` itself comes back.
    let range: Vec<&ZenodoCopy> = group
        .iter()
        .filter(|c| c.id == from.id || (c.id > from.id && !c.state.is_settled()))
        .collect();
    // A job of the range still running is left to end first, and the group is not
    // requeued now: its copy may already read `error` while its outcome is being recorded,
    // and a job that then ends discarded keeps holding the group's ordering key, so a new
    // job queued behind it would never run. Requeued: nothing; a resend once it ended works.
    for copy in &range {
        if queue::state_of(conn, copy.job_id)? == Some(JobState::Running) {
            return Ok(Vec::new());
        }
    }
    for copy in range {
        // Replace the old job so the new jobs' ids follow copy order.
        if let Some(old) = copy.job_id {
            let old_state = queue::state_of(conn, Some(old))?;
            // A waiting or discarded old job would hold the ordering key: cancel it.
            if old_state.is_some_and(|s| s.blocks_ordering() && s != JobState::Running) {
                queue::apply_action(conn, Action::Cancel, &[JobId(old)], actor, now)?;
            }
        }
        let job = queue::enqueue(conn, &job_request(copy))?;
        link_job(conn, copy.id, job.job.id, CopyState::Enqueued, Some(note))?;
        log(
            conn,
            copy.id,
            "INFO",
            &format!("{note}; job #{}", job.job.id),
        )?;
        requeued.push(copy.id);
    }
    Ok(requeued)
}

/// Resends one copy, unless an earlier copy of its group is unfinished or its job is live.
/// A copy an operator gave up on comes back this way.
pub fn resend(conn: &mut DbConn, id: i64, actor: &str) -> Result<Vec<i64>, StoreError> {
    transaction(conn, |conn| {
        let copy = get(conn, id)?.ok_or(Refusal::NotFound(id))?;
        if copy.state == CopyState::Finished {
            return Err(Refusal::Finished.into());
        }
        if let Some(p) = blocking_predecessor(conn, &copy)? {
            return Err(Refusal::Prerequisite(p.id, p.state).into());
        }
        if let Some(s) = queue::state_of(conn, copy.job_id)?
            && JobState::LIVE.contains(&s)
        {
            return Err(Refusal::InRunner(copy.job_id.unwrap_or_default(), s).into());
        }
        Ok(requeue_from(
            conn,
            &copy,
            actor,
            &format!("resent by {actor}"),
        )?)
    })
}

/// Resends every unfinished copy of an identifier, each group from its first unfinished
/// copy, in order. Returns the copies requeued.
pub fn resend_chain(conn: &mut DbConn, identifier: &str, actor: &str) -> QueryResult<Vec<i64>> {
    transaction(conn, |conn| {
        let all = for_identifier(conn, identifier)?;
        let mut done = Vec::new();
        for group in ["data", "software", "supp"] {
            if let Some(first) = all
                .iter()
                .find(|c| c.copy_type.group() == group && !c.state.is_settled())
            {
                done.extend(requeue_from(
                    conn,
                    first,
                    actor,
                    &format!("chain resent by {actor}"),
                )?);
            }
        }
        Ok(done)
    })
}

pub fn for_identifier(conn: &mut DbConn, identifier: &str) -> QueryResult<Vec<ZenodoCopy>> {
    zenodo_copies::table
        .filter(zenodo_copies::identifier.eq(identifier))
        .order(zenodo_copies::id.asc())
        .select(ZenodoCopy::as_select())
        .load(conn)
}

/// Unfinished copies (enqueued, replicating, retrying) with no live job → `error`. Linked
/// by job id, never by text. Returns the copies reset.
pub fn reset_stalled(conn: &mut DbConn, actor: &str) -> QueryResult<Vec<i64>> {
    transaction(conn, |conn| {
        let candidates: Vec<ZenodoCopy> = zenodo_copies::table
            .filter(zenodo_copies::state.eq_any([
                CopyState::Enqueued,
                CopyState::Replicating,
                CopyState::Retrying,
            ]))
            .select(ZenodoCopy::as_select())
            .load(conn)?;
        let mut reset = Vec::new();
        for copy in candidates {
            let js = queue::state_of(conn, copy.job_id)?;
            if js.is_some_and(|s| JobState::LIVE.contains(&s)) {
                continue;
            }
            let why = match (copy.job_id, js) {
                (Some(j), Some(s)) => format!("reset by {actor}: job #{j} is {s}"),
                (Some(j), None) => format!("reset by {actor}: job #{j} no longer exists"),
                (None, _) => format!("reset by {actor}: no job"),
            };
            set_state(
                conn,
                copy.id,
                CopyState::Error,
                Some(&why),
                copy.last_error.as_deref().or(Some("stalled")),
            )?;
            log(conn, copy.id, "INFO", &why)?;
            reset.push(copy.id);
        }
        Ok(reset)
    })
}

/// Copies left `replicating` by a job that is no longer running (its worker died or was
/// stopped): back to `enqueued` when the job will run again, else `error`. A `retrying`
/// copy whose job will not run again (cancelled or discarded by an operator through the
/// jobs API) is `error` too: no automatic retry remains.
pub fn reconcile(conn: &mut DbConn) -> QueryResult<usize> {
    let stuck: Vec<ZenodoCopy> = zenodo_copies::table
        .filter(zenodo_copies::state.eq_any([CopyState::Replicating, CopyState::Retrying]))
        .select(ZenodoCopy::as_select())
        .load(conn)?;
    let mut fixed = 0;
    for copy in stuck {
        match queue::state_of(conn, copy.job_id)? {
            Some(JobState::Running) => {}
            Some(s) if copy.state == CopyState::Retrying && JobState::LIVE.contains(&s) => {}
            Some(s) if JobState::LIVE.contains(&s) => {
                set_state(
                    conn,
                    copy.id,
                    CopyState::Enqueued,
                    Some("interrupted (worker stopped or lost); will run again"),
                    copy.last_error.as_deref(),
                )?;
                fixed += 1;
            }
            other => {
                let why = match other {
                    Some(s) => format!("its job ended as {s} without finishing the copy"),
                    None => "its job no longer exists".to_string(),
                };
                transaction(conn, |conn| {
                    set_state(conn, copy.id, CopyState::Error, Some(&why), Some(&why))?;
                    log(conn, copy.id, "ERROR", &why)?;
                    crate::events::copy_failed(conn, &copy, &why)
                })?;
                fixed += 1;
            }
        }
    }
    Ok(fixed)
}

/// The daily retry: every group whose first unsettled copy is in error, has been resent by
/// the daily retry fewer than `limit` times and is not excluded by an operator is resent
/// from that copy (its `daily_retries` counts it). A group held behind an excluded copy is
/// left alone too. Returns the copies requeued.
pub fn retry_errors(conn: &mut DbConn, limit: i32) -> QueryResult<Vec<i64>> {
    transaction(conn, |conn| {
        let errored: Vec<ZenodoCopy> = zenodo_copies::table
            .filter(zenodo_copies::state.eq(CopyState::Error))
            .order(zenodo_copies::id.asc())
            .select(ZenodoCopy::as_select())
            .load(conn)?;
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for copy in errored {
            if !seen.insert(copy.ordering_key()) {
                continue;
            }
            let first = blocking_predecessor(conn, &copy)?.unwrap_or(copy);
            if first.state != CopyState::Error
                || first.daily_retries >= limit
                || first.daily_retry_excluded
            {
                continue;
            }
            if queue::state_of(conn, first.job_id)?.is_some_and(|s| JobState::LIVE.contains(&s)) {
                continue;
            }
            diesel::update(zenodo_copies::table.find(first.id))
                .set(zenodo_copies::daily_retries.eq(zenodo_copies::daily_retries + 1))
                .execute(conn)?;
            out.extend(requeue_from(
                conn,
                &first,
                "daily retry",
                &format!(
                    "daily retry {} of {limit} of copies in error",
                    first.daily_retries + 1
                ),
            )?);
        }
        Ok(out)
    })
}

/// An operator ends a copy without replicating it: `given_up` with the reason (noted and
/// logged), its job cancelled if live (a running one is asked to stop; whatever it does
/// after, the copy stays given up), and the copies behind it in its group released: their
/// jobs run as after a finish, and a later copy whose job is gone gets a new one. Refused
/// for a finished or already given-up copy. Returns the copies released (requeued or
/// already queued), in order.
pub fn give_up(
    conn: &mut DbConn,
    id: i64,
    actor: &str,
    reason: &str,
) -> Result<Vec<i64>, StoreError> {
    transaction(conn, |conn| {
        let copy = get(conn, id)?.ok_or(Refusal::NotFound(id))?;
        match copy.state {
            CopyState::Finished => return Err(Refusal::Finished.into()),
            CopyState::GivenUp => return Err(Refusal::GivenUp.into()),
            _ => {}
        }
        let now = clock::now();
        if let (Some(j), Some(s)) = (copy.job_id, queue::state_of(conn, copy.job_id)?)
            && s.blocks_ordering()
        {
            queue::apply_action(conn, Action::Cancel, &[JobId(j)], actor, now)?;
        }
        let note = format!("given up by {actor}: {reason}");
        diesel::update(zenodo_copies::table.find(id))
            .set((
                zenodo_copies::state.eq(CopyState::GivenUp),
                zenodo_copies::given_up_reason.eq(Some(reason)),
                zenodo_copies::note.eq(Some(note.as_str())),
                zenodo_copies::updated_at.eq(now),
            ))
            .execute(conn)?;
        log(conn, id, "INFO", &note)?;
        // The next unsettled copy of the group, if this one held it, runs now.
        let group = group_of(conn, &copy)?;
        if group
            .iter()
            .any(|c| c.id < copy.id && !c.state.is_settled())
        {
            return Ok(Vec::new());
        }
        let Some(next) = group
            .iter()
            .find(|c| c.id > copy.id && !c.state.is_settled())
        else {
            return Ok(Vec::new());
        };
        let next_job = queue::state_of(conn, next.job_id)?;
        // A job that looked and is waiting a while for this copy to finish gets a new job
        // that runs now; a job held by the ordering key runs by itself once it is free.
        let snoozed = next_job == Some(JobState::Scheduled);
        let live = next_job.is_some_and(|s| JobState::LIVE.contains(&s)) && !snoozed;
        if live || next.state != CopyState::Enqueued {
            // Its job runs once the ordering key is free; a deferred or failed copy waits
            // for restart or a resend as it would after a finish.
            return Ok(if live { vec![next.id] } else { Vec::new() });
        }
        Ok(requeue_from(
            conn,
            next,
            actor,
            &format!("released: copy #{id} before it was given up"),
        )?)
    })
}

/// An operator takes a copy out of the daily retry (or puts it back), with the reason.
/// Returns the copy as it is now.
pub fn set_daily_retry_excluded(
    conn: &mut DbConn,
    id: i64,
    excluded: bool,
    actor: &str,
    reason: &str,
) -> Result<ZenodoCopy, StoreError> {
    transaction(conn, |conn| {
        get(conn, id)?.ok_or(Refusal::NotFound(id))?;
        let note = if excluded {
            format!("excluded from the daily retry by {actor}: {reason}")
        } else {
            format!("back in the daily retry by {actor}: {reason}")
        };
        diesel::update(zenodo_copies::table.find(id))
            .set((
                zenodo_copies::daily_retry_excluded.eq(excluded),
                zenodo_copies::daily_retry_note.eq(Some(note.as_str())),
            ))
            .execute(conn)?;
        log(conn, id, "INFO", &note)?;
        Ok(get(conn, id)?.ok_or(Refusal::NotFound(id))?)
    })
}

/// Filters for listing copies.
#[derive(Debug, Clone, Default)]
pub struct CopyFilter {
    pub identifier: Option<String>,
    pub states: Vec<CopyState>,
    pub copy_types: Vec<CopyType>,
    pub resource_id: Option<i64>,
    pub limit: i64,
    pub before_id: Option<i64>,
}

/// What a listing of copies is ordered by; ties are broken by id in the same direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CopySort {
    #[default]
    Id,
    Identifier,
    ResourceId,
    State,
    CopyType,
    Size,
    Attempts,
    CreatedAt,
    UpdatedAt,
}

/// The sort value of the last copy of a page.
pub use crate::listing::SortValue as CopySortValue;

/// Where a sorted page of copies starts.
pub use crate::listing::Cursor as CopyCursor;

impl CopySort {
    /// The cursor that starts the page after `copy`.
    pub fn cursor_after(self, copy: &ZenodoCopy) -> CopyCursor {
        let value = match self {
            CopySort::Id => CopySortValue::Id,
            CopySort::Identifier => CopySortValue::Text(copy.identifier.clone()),
            CopySort::ResourceId => CopySortValue::Int(copy.resource_id),
            CopySort::State => CopySortValue::Text(copy.state.as_str().to_string()),
            CopySort::CopyType => CopySortValue::Text(copy.copy_type.as_str().to_string()),
            CopySort::Size => CopySortValue::Int(copy.size),
            CopySort::Attempts => CopySortValue::Int(i64::from(copy.attempts)),
            CopySort::CreatedAt => CopySortValue::Time(copy.created_at),
            CopySort::UpdatedAt => CopySortValue::Time(copy.updated_at),
        };
        CopyCursor { value, id: copy.id }
    }
}

/// One page of copies.
#[derive(Debug, Clone)]
pub struct CopyPage {
    pub copies: Vec<ZenodoCopy>,
    /// Start of the next page, when there is one.
    pub next: Option<CopyCursor>,
}

/// The copies matching `f`'s identifier, states, copy types and resource id (not its
/// paging: `limit`, `before_id`).
fn matching(f: &CopyFilter) -> zenodo_copies::BoxedQuery<'static, MultiBackend> {
    let mut q = zenodo_copies::table.into_boxed();
    if let Some(i) = &f.identifier {
        q = q.filter(zenodo_copies::identifier.eq(i.clone()));
    }
    if !f.states.is_empty() {
        q = q.filter(zenodo_copies::state.eq_any(f.states.clone()));
    }
    if !f.copy_types.is_empty() {
        q = q.filter(zenodo_copies::copy_type.eq_any(f.copy_types.clone()));
    }
    if let Some(r) = f.resource_id {
        q = q.filter(zenodo_copies::resource_id.eq(r));
    }
    q
}

/// How many copies match `f` on every page (its filters, not its paging).
pub fn count(conn: &mut DbConn, f: &CopyFilter) -> QueryResult<i64> {
    matching(f).count().get_result(conn)
}

/// Copies matching `f`, sorted by `sort` (newest first by default), from after `cursor`.
/// A cursor of another sort order is refused (a query builder error).
pub fn list(
    conn: &mut DbConn,
    f: &CopyFilter,
    sort: CopySort,
    descending: bool,
    cursor: Option<&CopyCursor>,
) -> QueryResult<CopyPage> {
    let limit = f.limit.max(1);
    let mut q = matching(f);
    if let Some(b) = f.before_id {
        q = q.filter(zenodo_copies::id.lt(b));
    }
    let id = zenodo_copies::id;
    let text = |c: &CopyCursor| match &c.value {
        CopySortValue::Text(v) => Some((v.clone(), c.id)),
        _ => None,
    };
    let int = |c: &CopyCursor| match c.value {
        CopySortValue::Int(v) => Some((v, c.id)),
        _ => None,
    };
    let time = |c: &CopyCursor| match c.value {
        CopySortValue::Time(v) => Some((v, c.id)),
        _ => None,
    };
    let q = match sort {
        CopySort::Id => {
            let after = keyset::after(cursor, |c| (c.value == CopySortValue::Id).then_some(c.id))?;
            keyset::by_id(q, id, after, descending)
        }
        CopySort::Identifier => {
            let after = keyset::after(cursor, text)?;
            keyset::by(q, zenodo_copies::identifier, id, after, descending)
        }
        CopySort::State => keyset::by(
            q,
            zenodo_copies::state,
            id,
            keyset::after(cursor, text)?,
            descending,
        ),
        CopySort::CopyType => {
            let after = keyset::after(cursor, text)?;
            keyset::by(q, zenodo_copies::copy_type, id, after, descending)
        }
        CopySort::ResourceId => {
            let after = keyset::after(cursor, int)?;
            keyset::by(q, zenodo_copies::resource_id, id, after, descending)
        }
        CopySort::Size => keyset::by(
            q,
            zenodo_copies::size,
            id,
            keyset::after(cursor, int)?,
            descending,
        ),
        CopySort::Attempts => {
            let after = match keyset::after(cursor, int)? {
                Some((v, at)) => Some((
                    i32::try_from(v).map_err(|_| {
                        diesel::result::Error::QueryBuilderError(
                            "the cursor's attempt count is out of range".into(),
                        )
                    })?,
                    at,
                )),
                None => None,
            };
            keyset::by(q, zenodo_copies::attempts, id, after, descending)
        }
        CopySort::CreatedAt => {
            let after = keyset::after(cursor, time)?;
            keyset::by(q, zenodo_copies::created_at, id, after, descending)
        }
        CopySort::UpdatedAt => {
            let after = keyset::after(cursor, time)?;
            keyset::by(q, zenodo_copies::updated_at, id, after, descending)
        }
    };
    let mut found: Vec<ZenodoCopy> = q
        .limit(limit + 1)
        .select(ZenodoCopy::as_select())
        .load(conn)?;
    let next = if keyset::cut(&mut found, limit) {
        found.last().map(|c| sort.cursor_after(c))
    } else {
        None
    };
    Ok(CopyPage {
        copies: found,
        next,
    })
}

/// For each unfinished copy of `copies`, the copy it waits on, if any.
pub fn waiting_on(conn: &mut DbConn, copies: &[ZenodoCopy]) -> QueryResult<HashMap<i64, i64>> {
    let mut out = HashMap::new();
    let mut groups: HashMap<String, Vec<ZenodoCopy>> = HashMap::new();
    for copy in copies.iter().filter(|c| !c.state.is_settled()) {
        let key = copy.ordering_key();
        if !groups.contains_key(&key) {
            groups.insert(key.clone(), group_of(conn, copy)?);
        }
        if let Some(p) = groups[&key]
            .iter()
            .find(|c| c.id < copy.id && !c.state.is_settled())
        {
            out.insert(copy.id, p.id);
        }
    }
    Ok(out)
}

/// Counts per state, for status and the console.
pub fn state_counts(conn: &mut DbConn) -> QueryResult<Vec<(CopyState, i64)>> {
    zenodo_copies::table
        .group_by(zenodo_copies::state)
        .select((zenodo_copies::state, diesel::dsl::count_star()))
        .load(conn)
}

/// Copies updated since `since` in `state` (the status script's "replicating in 7 days").
pub fn count_since(conn: &mut DbConn, state: CopyState, since: NaiveDateTime) -> QueryResult<i64> {
    zenodo_copies::table
        .filter(zenodo_copies::state.eq(state))
        .filter(zenodo_copies::updated_at.ge(since))
        .count()
        .get_result(conn)
}

/// What a restart did with Zenodo copies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Restarted {
    /// Copies put back in the work queue, in id order per group.
    pub requeued: Vec<i64>,
    /// What the restart left for an operator, in words (e.g. a copy that failed for good
    /// before the drain, which restart does not resend).
    pub notes: Vec<String>,
}

/// Restart after maintenance: brings back what the drain parked, no more. In every group
/// with deferred copies, each deferred copy (and each copy queued behind the first of them
/// whose job is gone) gets a new job, in id order — also when an earlier copy of the group
/// still has a live job (one waiting out its retry backoff): the new jobs queue behind it.
/// A copy that failed for good before the drain is not resent; a note names it.
/// Idempotent.
pub fn requeue_deferred(conn: &mut DbConn, actor: &str) -> QueryResult<Restarted> {
    transaction(conn, |conn| {
        let deferred: Vec<ZenodoCopy> = zenodo_copies::table
            .filter(zenodo_copies::state.eq(CopyState::Deferred))
            .order(zenodo_copies::id.asc())
            .select(ZenodoCopy::as_select())
            .load(conn)?;
        let mut seen = std::collections::HashSet::new();
        let mut out = Restarted::default();
        let note = format!("restarted by {actor} after maintenance");
        let now = clock::now();
        for first in deferred {
            if !seen.insert(first.ordering_key()) {
                continue;
            }
            let group = group_of(conn, &first)?;
            let mut requeued_here = Vec::new();
            for copy in group.iter().filter(|c| {
                c.id >= first.id && matches!(c.state, CopyState::Deferred | CopyState::Enqueued)
            }) {
                let js = queue::state_of(conn, copy.job_id)?;
                if copy.state == CopyState::Enqueued
                    && js.is_some_and(|s| JobState::LIVE.contains(&s))
                {
                    continue;
                }
                if let (Some(old), Some(s)) = (copy.job_id, js)
                    && s.blocks_ordering()
                    && s != JobState::Running
                {
                    queue::apply_action(conn, Action::Cancel, &[JobId(old)], actor, now)?;
                }
                let job = queue::enqueue(conn, &job_request(copy))?;
                link_job(conn, copy.id, job.job.id, CopyState::Enqueued, Some(&note))?;
                log(
                    conn,
                    copy.id,
                    "INFO",
                    &format!("{note}; job #{}", job.job.id),
                )?;
                requeued_here.push(copy.id);
            }
            // Say what the parked copies will wait on when restart cannot move it.
            if let Some(blocker) = group
                .iter()
                .find(|c| c.id < first.id && !c.state.is_settled())
            {
                let js = queue::state_of(conn, blocker.job_id)?;
                if !js.is_some_and(|s| JobState::LIVE.contains(&s)) {
                    out.notes.push(format!(
                        "copies {requeued_here:?} wait on copy #{} ({}; its job {}), which failed before the drain: restart does not resend it; resend it (or the chain) to let them run",
                        blocker.id,
                        blocker.state,
                        js.map_or_else(|| "is gone".to_string(), |s| format!("is {s}"))
                    ));
                }
            }
            out.requeued.extend(requeued_here);
        }
        Ok(out)
    })
}

/// Drain: every copy waiting for its turn (enqueued, its job not running) is deferred now
/// and its job cancelled, so nothing of it starts during maintenance. Returns those copies.
pub fn defer_waiting(conn: &mut DbConn, actor: &str) -> QueryResult<Vec<i64>> {
    transaction(conn, |conn| {
        let waiting: Vec<ZenodoCopy> = zenodo_copies::table
            .filter(zenodo_copies::state.eq(CopyState::Enqueued))
            .order(zenodo_copies::id.asc())
            .select(ZenodoCopy::as_select())
            .load(conn)?;
        let mut out = Vec::new();
        let now = clock::now();
        for copy in waiting {
            let st = queue::state_of(conn, copy.job_id)?;
            if st == Some(JobState::Running) {
                continue;
            }
            if let (Some(j), Some(s)) = (copy.job_id, st)
                && s.blocks_ordering()
            {
                queue::apply_action(conn, Action::Cancel, &[JobId(j)], actor, now)?;
            }
            let note = format!("deferred by {actor}: Zenodo replication is paused for maintenance");
            set_state(
                conn,
                copy.id,
                CopyState::Deferred,
                Some(&note),
                copy.last_error.as_deref(),
            )?;
            log(conn, copy.id, "INFO", &note)?;
            out.push(copy.id);
        }
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn access_tokens_never_reach_the_log() {
        assert_eq!(
            redact("PUT http://z/api/files/b/x?access_token=s3cret&a=1 \"access_token=abc\""),
            "PUT http://z/api/files/b/x?access_token=***&a=1 \"access_token=***\""
        );
    }
}

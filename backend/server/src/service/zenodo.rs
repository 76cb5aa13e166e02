//! Zenodo copies: request, list and inspect, resend (one, many, a chain), reset stalled,
//! give up, exclude from the daily retry — each action audited, refusals with their reason.

use std::collections::HashMap;

use longjobs_core::job::Job;
use longjobs_core::{Db, DbConn, JobId, queue};
use longjobs_openapi as wire;
use longjobs_replication::zenodo::store::{self, CopyFilter, CopyPage, CopySort};
use longjobs_replication::zenodo::{CopyRequest, CopyState, CopyType, LogLine, ZenodoCopy};

use super::audit::{self, Entry, record_result};
use super::{ServiceError, ServiceResult};

/// A page of copies with what each unfinished one waits on and the job of each `retrying`
/// one.
pub struct Listed {
    pub page: CopyPage,
    pub waiting: HashMap<i64, i64>,
    pub retrying: HashMap<i64, Job>,
    /// Copies matching the filter on every page.
    pub total: i64,
}

/// One copy with its request log, what it waits on and its job.
pub struct Detail {
    pub copy: ZenodoCopy,
    pub log: Vec<LogLine>,
    pub waiting_on: Option<i64>,
    pub job: Option<Job>,
}

/// Creates a copy and its job. Audited.
pub async fn create(
    db: &Db,
    actor: &str,
    identifier: String,
    resource_id: i64,
    copy_type: CopyType,
    request: CopyRequest,
) -> ServiceResult<ZenodoCopy> {
    let (copy, _) = db
        .run_as(move |c| {
            Ok::<_, ServiceError>(store::create(
                c,
                &identifier,
                resource_id,
                copy_type,
                &request,
            )?)
        })
        .await?;
    let entry = Entry {
        actor,
        action: "zenodo.request",
        target: &format!("copy {}", copy.id),
        detail: Some(format!(
            "{} {} of resource {}",
            copy.identifier, copy.copy_type, copy.resource_id
        )),
    };
    audit::record(db, entry, "done").await?;
    Ok(copy)
}

/// A page of copies (see [`Listed`]).
pub async fn list(
    db: &Db,
    filter: CopyFilter,
    sort: CopySort,
    descending: bool,
    cursor: Option<store::CopyCursor>,
) -> ServiceResult<Listed> {
    Ok(db
        .run(move |c| {
            let page = store::list(c, &filter, sort, descending, cursor.as_ref())?;
            let waiting = store::waiting_on(c, &page.copies)?;
            let retrying = retrying_jobs(c, &page.copies)?;
            let total = store::count(c, &filter)?;
            Ok(Listed {
                page,
                waiting,
                retrying,
                total,
            })
        })
        .await?)
}

/// The job of each `retrying` copy of `copies`.
fn retrying_jobs(c: &mut DbConn, copies: &[ZenodoCopy]) -> diesel::QueryResult<HashMap<i64, Job>> {
    let mut out = HashMap::new();
    for copy in copies.iter().filter(|c| c.state == CopyState::Retrying) {
        let Some(j) = copy.job_id else { continue };
        if let Some(job) = queue::get_job(c, JobId(j))? {
            out.insert(copy.id, job);
        }
    }
    Ok(out)
}

/// Copy `id` (see [`Detail`]).
pub async fn get(db: &Db, id: i64) -> ServiceResult<Detail> {
    db.run_as(move |c| {
        let copy = store::get(c, id)?
            .ok_or_else(|| ServiceError::NotFound(format!("there is no copy #{id}")))?;
        let log = store::log_lines(c, id)?;
        let waiting_on = store::waiting_on(c, std::slice::from_ref(&copy))?
            .get(&copy.id)
            .copied();
        let job = match copy.job_id {
            Some(j) => queue::get_job(c, JobId(j))?,
            None => None,
        };
        Ok(Detail {
            copy,
            log,
            waiting_on,
            job,
        })
    })
    .await
}

/// Resends copy `id` (and the unfinished copies behind it). Audited, refusals too.
pub async fn resend(db: &Db, actor: &str, id: i64) -> ServiceResult<Vec<i64>> {
    let result = resend_one(db, actor, id).await;
    let entry = Entry {
        actor,
        action: "zenodo.resend",
        target: &format!("copy {id}"),
        detail: None,
    };
    record_result(db, entry, result, |r| format!("requeued {r:?}")).await
}

async fn resend_one(db: &Db, actor: &str, id: i64) -> ServiceResult<Vec<i64>> {
    let by = actor.to_string();
    db.run_as(move |c| Ok::<_, ServiceError>(store::resend(c, id, &by)?))
        .await
}

/// Resends each of `ids` on its own, in id order; a refusal is that copy's outcome (a
/// database failure fails the whole request). Audited as one entry.
pub async fn resend_many(
    db: &Db,
    actor: &str,
    mut ids: Vec<i64>,
) -> ServiceResult<Vec<wire::ResendOutcome>> {
    ids.sort_unstable();
    ids.dedup();
    let mut outcomes = Vec::new();
    for id in ids {
        outcomes.push(match resend_one(db, actor, id).await {
            Ok(requeued) => wire::ResendOutcome {
                id,
                requeued,
                refused: None,
            },
            Err(ServiceError::Db(e)) => return Err(e.into()),
            Err(e) => wire::ResendOutcome {
                id,
                requeued: Vec::new(),
                refused: Some(e.to_string()),
            },
        });
    }
    let ok = outcomes.iter().filter(|o| o.refused.is_none()).count();
    let entry = Entry {
        actor,
        action: "zenodo.resend",
        target: &format!("{} copies", outcomes.len()),
        detail: None,
    };
    let outcome = format!("{ok} resent, {} refused", outcomes.len() - ok);
    audit::record(db, entry, &outcome).await?;
    Ok(outcomes)
}

/// Resends every unfinished copy of `identifier`, each group from its first unfinished
/// copy. Audited.
pub async fn resend_chain(db: &Db, actor: &str, identifier: String) -> ServiceResult<Vec<i64>> {
    let (ident, by) = (identifier.clone(), actor.to_string());
    let requeued = db.run(move |c| store::resend_chain(c, &ident, &by)).await?;
    let entry = Entry {
        actor,
        action: "zenodo.resend_chain",
        target: &identifier,
        detail: None,
    };
    audit::record(db, entry, &format!("requeued {requeued:?}")).await?;
    Ok(requeued)
}

/// Moves copies shown as enqueued or replicating without a live job to `error`. Audited.
pub async fn reset_stalled(db: &Db, actor: &str) -> ServiceResult<Vec<i64>> {
    let by = actor.to_string();
    let reset = db.run(move |c| store::reset_stalled(c, &by)).await?;
    let entry = Entry {
        actor,
        action: "zenodo.reset_stalled",
        target: "copies",
        detail: None,
    };
    audit::record(db, entry, &format!("reset {reset:?}")).await?;
    Ok(reset)
}

/// Gives up on copy `id` for `reason`; answers the copy and the copies released behind it.
/// Audited, refusals too.
pub async fn give_up(
    db: &Db,
    actor: &str,
    id: i64,
    reason: String,
) -> ServiceResult<(ZenodoCopy, Vec<i64>)> {
    let (by, why) = (actor.to_string(), reason.clone());
    let result = db
        .run_as(move |c| {
            let released = store::give_up(c, id, &by, &why)?;
            let copy = store::get(c, id)?
                .ok_or(store::StoreError::Refused(store::Refusal::NotFound(id)))?;
            Ok::<_, ServiceError>((copy, released))
        })
        .await;
    let entry = Entry {
        actor,
        action: "zenodo.give_up",
        target: &format!("copy {id}"),
        detail: Some(reason),
    };
    record_result(db, entry, result, |(_, released)| {
        format!("given up; released {released:?}")
    })
    .await
}

/// Excludes copy `id` from the daily retry (or includes it again) for `reason`. Audited,
/// refusals too.
pub async fn set_daily_retry(
    db: &Db,
    actor: &str,
    id: i64,
    excluded: bool,
    reason: String,
) -> ServiceResult<ZenodoCopy> {
    let (by, why) = (actor.to_string(), reason.clone());
    let result = db
        .run_as(move |c| {
            Ok::<_, ServiceError>(store::set_daily_retry_excluded(c, id, excluded, &by, &why)?)
        })
        .await;
    let entry = Entry {
        actor,
        action: "zenodo.daily_retry",
        target: &format!("copy {id}"),
        detail: Some(reason),
    };
    record_result(db, entry, result, |_| {
        if excluded {
            "excluded from the daily retry".to_string()
        } else {
            "included in the daily retry".to_string()
        }
    })
    .await
}

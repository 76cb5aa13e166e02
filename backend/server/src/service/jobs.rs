//! Jobs: enqueue with its audit entries, and retry / cancel / discard one job or many
//! (by ids or a filter), audited.

use longjobs_core::access::audit::{self as audit_log, NewAuditEntry};
use longjobs_core::db::transaction;
use longjobs_core::queue::{self, Action, EnqueueRequest, Enqueued, JobFilter};
use longjobs_core::{Db, JobId, clock};
use longjobs_openapi as wire;

use super::audit::{self, Entry};
use super::{ServiceError, ServiceResult};
use crate::api::convert::outcome_out;

/// Most jobs one bulk action by filter touches; narrow the filter for more.
pub const MAX_BULK_MATCH: i64 = 100_000;
/// Per-job outcomes returned by a bulk action at most.
const MAX_OUTCOMES_SHOWN: usize = 1_000;
/// Ids applied per transaction in a bulk action.
const ACTION_CHUNK: usize = 1_000;
/// Longest list of job ids written into one audit entry.
const MAX_AUDIT_TARGET: usize = 2_000;

/// The audit action of a job action.
fn action_name(a: Action) -> &'static str {
    match a {
        Action::Retry => "jobs.retry",
        Action::Cancel => "jobs.cancel",
        Action::Discard => "jobs.discard",
    }
}

/// Enqueues `requests` (validated) in one transaction with their audit entries: no job
/// without its record.
pub async fn enqueue(
    db: &Db,
    actor: &str,
    requests: Vec<EnqueueRequest>,
) -> ServiceResult<Vec<Enqueued>> {
    let actor = actor.to_string();
    Ok(db
        .run(move |c| {
            transaction(c, |c| {
                let done = queue::enqueue_many(c, &requests)?;
                let now = clock::now();
                for e in enqueue_audit(&done) {
                    audit_log::record(
                        c,
                        &NewAuditEntry {
                            actor: &actor,
                            action: "jobs.enqueue",
                            target: &e.target,
                            outcome: &e.outcome,
                            detail: Some(&e.detail),
                        },
                        now,
                    )?;
                }
                Ok::<_, diesel::result::Error>(done)
            })
        })
        .await?)
}

/// Applies `action` to job `id`, audited; a missing job is not found, a refused action a
/// conflict (both audited too).
pub async fn act_on_one(
    db: &Db,
    actor: &str,
    action: Action,
    id: JobId,
) -> ServiceResult<wire::ActionOutcome> {
    let by = actor.to_string();
    let mut outcomes = db
        .run(move |c| queue::apply_action(c, action, &[id], &by, clock::now()))
        .await?;
    let Some((_, outcome)) = outcomes.pop() else {
        return Err(ServiceError::Internal(
            "the action returned no outcome".into(),
        ));
    };
    let out = outcome_out(id, &outcome);
    let entry = Entry {
        actor,
        action: action_name(action),
        target: &format!("job {}", id.0),
        detail: out.reason.clone(),
    };
    audit::record(db, entry, out.outcome.as_str()).await?;
    match outcome {
        queue::ActionOutcome::NotFound => {
            Err(ServiceError::NotFound(format!("there is no job {}", id.0)))
        }
        queue::ActionOutcome::Refused { reason } => Err(ServiceError::Conflict(reason)),
        _ => Ok(out),
    }
}

/// Applies `action` to every job `filter` matches (listed ids that do not exist are
/// reported as not found), at most [`MAX_BULK_MATCH`]; with `dry_run` only counts them.
/// Audited.
pub async fn bulk(
    db: &Db,
    actor: &str,
    action: wire::JobAction,
    filter: JobFilter,
    dry_run: bool,
) -> ServiceResult<wire::BulkActionResult> {
    let f = filter.clone();
    let (matched, max_id) = db.run(move |c| queue::count_with_max_id(c, &f)).await?;
    if matched > MAX_BULK_MATCH {
        return Err(ServiceError::BadRequest(format!(
            "the filter matches {matched} jobs; at most {MAX_BULK_MATCH} can be acted on at once: narrow it"
        )));
    }
    let mut result = wire::BulkActionResult {
        action,
        dry_run,
        matched,
        max_id: max_id.map(|id| id.0),
        changed: 0,
        refused: 0,
        outcomes: Vec::new(),
    };
    if dry_run {
        return Ok(result);
    }
    let f = filter.clone();
    let mut target_ids = db
        .run(move |c| queue::matching_ids(c, &f, MAX_BULK_MATCH))
        .await?;
    // Listed ids that do not exist are reported, not silently skipped.
    let missing: Vec<JobId> = filter
        .ids
        .iter()
        .filter(|id| !target_ids.contains(id))
        .copied()
        .collect();
    target_ids.extend(missing);
    let core_action = action_in(action);
    for chunk in target_ids.chunks(ACTION_CHUNK) {
        let (chunk, by) = (chunk.to_vec(), actor.to_string());
        let outcomes = db
            .run(move |c| queue::apply_action(c, core_action, &chunk, &by, clock::now()))
            .await?;
        for (id, o) in &outcomes {
            let out = outcome_out(*id, o);
            if out.outcome.changed() {
                result.changed += 1;
            } else {
                result.refused += 1;
            }
            if result.outcomes.len() < MAX_OUTCOMES_SHOWN {
                result.outcomes.push(out);
            }
        }
    }
    let target = if !filter.ids.is_empty() {
        format!("{} listed jobs", filter.ids.len())
    } else if let Some(max) = filter.max_id {
        format!("jobs matching a filter, up to job {max}")
    } else {
        "jobs matching a filter".to_string()
    };
    let entry = Entry {
        actor,
        action: action_name(core_action),
        target: &target,
        detail: Some(format!("matched {matched}")),
    };
    let outcome = format!("{} changed, {} refused", result.changed, result.refused);
    audit::record(db, entry, &outcome).await?;
    Ok(result)
}

pub fn action_in(a: wire::JobAction) -> Action {
    match a {
        wire::JobAction::Retry => Action::Retry,
        wire::JobAction::Cancel => Action::Cancel,
        wire::JobAction::Discard => Action::Discard,
    }
}

/// One audit entry of an enqueue: the jobs of one kind and queue.
struct EnqueueAudit {
    target: String,
    outcome: String,
    detail: String,
}

/// The audit entries of an enqueue, one per kind and queue, naming every job (ids as ranges).
fn enqueue_audit(done: &[queue::Enqueued]) -> Vec<EnqueueAudit> {
    let mut groups: std::collections::BTreeMap<(&str, &str), (Vec<i64>, usize)> =
        Default::default();
    for e in done {
        let g = groups
            .entry((e.job.kind.as_str(), e.job.queue.as_str()))
            .or_default();
        g.0.push(e.job.id.0);
        if e.inserted {
            g.1 += 1;
        }
    }
    groups
        .into_iter()
        .map(|((kind, queue), (mut ids, created))| {
            ids.sort_unstable();
            ids.dedup();
            let existing = ids.len().saturating_sub(created);
            let outcome = match (created, existing) {
                (_, 0) => "created".to_string(),
                (0, _) => "existing".to_string(),
                (c, e) => format!("{c} created, {e} existing"),
            };
            let mut target = if ids.len() == 1 {
                format!("job {}", ids[0])
            } else {
                format!("jobs {}", id_ranges(&ids))
            };
            if target.len() > MAX_AUDIT_TARGET {
                let cut = target
                    .char_indices()
                    .take_while(|(i, _)| *i < MAX_AUDIT_TARGET)
                    .last()
                    .map_or(0, |(i, _)| i);
                target.truncate(cut);
                target.push_str(&format!("… ({} jobs)", ids.len()));
            }
            EnqueueAudit {
                target,
                outcome,
                detail: format!("kind {kind}, queue {queue}"),
            }
        })
        .collect()
}

/// `1-3, 7, 9-10` from sorted ids.
fn id_ranges(ids: &[i64]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < ids.len() {
        let mut j = i;
        while j + 1 < ids.len() && ids[j + 1] == ids[j] + 1 {
            j += 1;
        }
        parts.push(if i == j {
            ids[i].to_string()
        } else {
            format!("{}-{}", ids[i], ids[j])
        });
        i = j + 1;
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::id_ranges;

    #[test]
    fn consecutive_ids_are_written_as_ranges() {
        assert_eq!(id_ranges(&[1, 2, 3, 7, 9, 10]), "1-3, 7, 9-10");
        assert_eq!(id_ranges(&[5]), "5");
    }
}

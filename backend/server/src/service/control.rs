//! Control while running: a queue's concurrency and rate limits, pausing a job kind, and
//! quieting or stopping a worker — each stored in the database, where running workers read
//! it (limits and kind pauses within `SETTINGS_REFRESH`, commands with their heartbeat), and
//! each audited.

use std::collections::BTreeMap;
use std::time::Duration;

use longjobs_core::queue::{
    self, CommandRefused, EnqueueRequest, PausedKind, QueueLimits, QueueSettings, WorkerCommand,
};
use longjobs_core::{Db, clock};

use super::audit::{self, Entry};
use super::{ServiceError, ServiceResult};

/// The largest concurrency limit accepted (a worker's own limit has the same ceiling).
pub const MAX_CONCURRENCY: i32 = 10_000;
/// The largest number of starts per period accepted.
pub const MAX_RATE: i32 = 1_000_000;
/// The longest rate period accepted: a day.
pub const MAX_RATE_PERIOD_SECS: i32 = 86_400;
/// The rate period when a rate is given without one.
pub const DEFAULT_RATE_PERIOD_SECS: i32 = 60;

fn check_queue(name: &str) -> ServiceResult<()> {
    EnqueueRequest::new(name, "x")
        .validate()
        .map_err(|e| ServiceError::BadRequest(format!("queue name {e}")))
}

fn check_kind(kind: &str) -> ServiceResult<()> {
    EnqueueRequest::new("x", kind)
        .validate()
        .map_err(|e| ServiceError::BadRequest(format!("job kind {e}")))
}

/// The limits asked for, checked: every number in its range, no period without a rate.
pub fn limits_from(
    concurrency: Option<i32>,
    rate_limit: Option<i32>,
    rate_period_secs: Option<i32>,
) -> ServiceResult<QueueLimits> {
    if let Some(n) = concurrency
        && !(1..=MAX_CONCURRENCY).contains(&n)
    {
        return Err(ServiceError::BadRequest(format!(
            "concurrency must be between 1 and {MAX_CONCURRENCY}, got {n} (leave it out for no limit)"
        )));
    }
    if let Some(n) = rate_limit
        && !(1..=MAX_RATE).contains(&n)
    {
        return Err(ServiceError::BadRequest(format!(
            "rate_limit must be between 1 and {MAX_RATE}, got {n} (leave it out for no limit)"
        )));
    }
    if let Some(s) = rate_period_secs
        && !(1..=MAX_RATE_PERIOD_SECS).contains(&s)
    {
        return Err(ServiceError::BadRequest(format!(
            "rate_period_secs must be between 1 and {MAX_RATE_PERIOD_SECS}, got {s}"
        )));
    }
    if rate_limit.is_none() && rate_period_secs.is_some() {
        return Err(ServiceError::BadRequest(
            "rate_period_secs needs a rate_limit".to_string(),
        ));
    }
    Ok(QueueLimits {
        concurrency,
        rate: rate_limit.map(|n| (n, rate_period_secs.unwrap_or(DEFAULT_RATE_PERIOD_SECS))),
    })
}

/// How limits read in the audit log and the CLI: "concurrency 3, 30 starts per 60 s".
pub fn describe_limits(l: &QueueLimits) -> String {
    let mut parts = Vec::new();
    if let Some(n) = l.concurrency {
        parts.push(format!("concurrency {n}"));
    }
    if let Some((n, secs)) = l.rate {
        parts.push(format!("{n} starts per {secs} s"));
    }
    if parts.is_empty() {
        "no limits".to_string()
    } else {
        parts.join(", ")
    }
}

/// Sets `queue`'s limits (both at once; `None` removes one). Audited.
pub async fn set_limits(
    db: &Db,
    actor: &str,
    queue: String,
    limits: QueueLimits,
) -> ServiceResult<QueueSettings> {
    check_queue(&queue)?;
    let q = queue.clone();
    let row = db
        .run(move |c| queue::set_limits(c, &q, limits, clock::now()))
        .await?;
    let entry = Entry {
        actor,
        action: "queues.limits",
        target: &format!("queue {queue}"),
        detail: Some(describe_limits(&limits)),
    };
    audit::record(db, entry, "done").await?;
    Ok(row)
}

/// A job kind: the live workers that run it, and its pause if paused.
pub type KindRow = (String, i64, Option<PausedKind>);

/// Every kind some registered worker runs or an operator paused, by name, with the number
/// of live workers running it.
pub async fn kinds(db: &Db, stale_after: Duration) -> ServiceResult<Vec<KindRow>> {
    let (workers, paused) = db
        .run(move |c| {
            Ok::<_, diesel::result::Error>((
                queue::list_workers(c, stale_after)?,
                queue::paused_kinds(c)?,
            ))
        })
        .await?;
    let mut kinds: BTreeMap<String, (i64, Option<PausedKind>)> = BTreeMap::new();
    for w in &workers {
        let names: Vec<String> = w
            .worker
            .kinds
            .as_deref()
            .and_then(|k| serde_json::from_str(k).ok())
            .unwrap_or_default();
        for name in names {
            kinds.entry(name).or_default().0 += i64::from(w.alive);
        }
    }
    for p in paused {
        let name = p.kind.clone();
        kinds.entry(name).or_default().1 = Some(p);
    }
    Ok(kinds.into_iter().map(|(k, (n, p))| (k, n, p)).collect())
}

/// Pauses or resumes job kind `kind` in every queue. Audited.
pub async fn set_kind_paused(
    db: &Db,
    actor: &str,
    kind: String,
    paused: bool,
) -> ServiceResult<Option<PausedKind>> {
    check_kind(&kind)?;
    let (k, by) = (kind.clone(), actor.to_string());
    let row = db
        .run(move |c| queue::set_kind_paused(c, &k, paused, &by, clock::now()))
        .await?;
    let entry = Entry {
        actor,
        action: if paused {
            "kinds.pause"
        } else {
            "kinds.resume"
        },
        target: &format!("kind {kind}"),
        detail: None,
    };
    audit::record(db, entry, "done").await?;
    Ok(row)
}

/// Sends worker `id` a command (`None`: lift a quiet). The worker acts on it at its next
/// heartbeat. Refused (and audited as refused) for an unknown or stopped worker, and for
/// lifting a stop.
pub async fn command_worker(
    db: &Db,
    actor: &str,
    id: String,
    command: Option<WorkerCommand>,
) -> ServiceResult<()> {
    let (w, by) = (id.clone(), actor.to_string());
    let stored = db
        .run(move |c| queue::set_worker_command(c, &w, command, &by, clock::now()))
        .await?;
    let result = stored.map_err(|r| match r {
        CommandRefused::NoSuchWorker => ServiceError::NotFound(format!("no worker {id:?}")),
        CommandRefused::Stopped => {
            ServiceError::Conflict(format!("worker {id:?} has stopped already"))
        }
        CommandRefused::Stopping => ServiceError::Conflict(format!(
            "worker {id:?} is stopping; a stop cannot be taken back"
        )),
    });
    let entry = Entry {
        actor,
        action: match command {
            Some(WorkerCommand::Quiet) => "workers.quiet",
            Some(WorkerCommand::Stop) => "workers.stop",
            None => "workers.resume",
        },
        target: &format!("worker {id}"),
        detail: None,
    };
    audit::record_result(db, entry, result, |_| "done".to_string())
        .await
        .map(|_| ())
}

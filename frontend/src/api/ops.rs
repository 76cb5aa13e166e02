//! Queues, workers, statistics and the audit log.

use longjobs_openapi::{
    AuditPage, History, KindInfo, QueueInfo, QueueLimits, Stats, WorkerCommand, WorkerInfo,
};

use super::ApiError;
use super::client::{self, Get, encode};

pub fn stats() -> Get<Stats> {
    Get::new("/api/stats")
}

/// Finished jobs over `range` (`1h`, `24h`, `7d` or `30d`), from the lasting history.
/// The chart's history over `range`, of one queue and kind or all.
pub fn history(range: &str, queue: Option<&str>, kind: Option<&str>) -> Get<History> {
    let mut path = format!("/api/stats/history?range={range}");
    for (key, value) in [("queue", queue), ("kind", kind)] {
        if let Some(v) = value {
            path.push_str(&format!("&{key}={}", encode(v)));
        }
    }
    Get::new(path)
}

pub fn queues() -> Get<Vec<QueueInfo>> {
    Get::new("/api/queues")
}

/// Pauses (`true`) or resumes (`false`) a queue.
pub async fn set_paused(name: &str, paused: bool) -> Result<QueueInfo, ApiError> {
    let verb = if paused { "pause" } else { "resume" };
    client::post_empty(&format!("/api/queues/{}/{verb}", encode(name))).await
}

pub fn workers() -> Get<Vec<WorkerInfo>> {
    Get::new("/api/workers")
}

/// Replaces a queue's limits (a field left out removes that limit).
pub async fn set_limits(name: &str, limits: &QueueLimits) -> Result<QueueInfo, ApiError> {
    client::put(&format!("/api/queues/{}/limits", encode(name)), limits).await
}

pub fn kinds() -> Get<Vec<KindInfo>> {
    Get::new("/api/kinds")
}

/// Pauses (`true`) or resumes (`false`) a job kind in every queue.
pub async fn set_kind_paused(kind: &str, paused: bool) -> Result<KindInfo, ApiError> {
    let verb = if paused { "pause" } else { "resume" };
    client::post_empty(&format!("/api/kinds/{}/{verb}", encode(kind))).await
}

/// Sends a worker a command; `None` lifts a quiet.
pub async fn command_worker(
    id: &str,
    command: Option<WorkerCommand>,
) -> Result<WorkerInfo, ApiError> {
    let verb = match command {
        Some(WorkerCommand::Quiet) => "quiet",
        Some(WorkerCommand::Stop) => "stop",
        None => "resume",
    };
    client::post_empty(&format!("/api/workers/{}/{verb}", encode(id))).await
}

/// Audit entries, newest first, older than `before` when given.
pub fn audit(
    actor: Option<&str>,
    action: Option<&str>,
    before: Option<i64>,
    limit: u32,
) -> Get<AuditPage> {
    let mut params = vec![format!("limit={limit}")];
    if let Some(a) = actor {
        params.push(format!("actor={}", encode(a)));
    }
    if let Some(a) = action {
        params.push(format!("action={}", encode(a)));
    }
    if let Some(b) = before {
        params.push(format!("before={b}"));
    }
    Get::new(format!("/api/audit?{}", params.join("&")))
}

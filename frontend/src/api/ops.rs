//! Queues, workers, statistics and the audit log.

use longjobs_openapi::{AuditPage, History, QueueInfo, Stats, WorkerInfo};

use super::ApiError;
use super::client::{self, Get, encode};

pub fn stats() -> Get<Stats> {
    Get::new("/api/stats")
}

/// Finished jobs over `range` (`1h`, `24h`, `7d` or `30d`), from the lasting history.
pub fn history(range: &str) -> Get<History> {
    Get::new(format!("/api/stats/history?range={range}"))
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

//! Queues, workers, statistics and the audit log.

use longjobs_openapi::{AuditPage, QueueInfo, Stats, TimeSeries, WorkerInfo};

use super::ApiError;
use super::client::{self, encode};

pub async fn stats() -> Result<Stats, ApiError> {
    client::get("/api/stats").await
}

pub async fn timeseries(minutes: u32) -> Result<TimeSeries, ApiError> {
    client::get(&format!("/api/stats/timeseries?minutes={minutes}")).await
}

pub async fn queues() -> Result<Vec<QueueInfo>, ApiError> {
    client::get("/api/queues").await
}

/// Pauses (`true`) or resumes (`false`) a queue.
pub async fn set_paused(name: &str, paused: bool) -> Result<QueueInfo, ApiError> {
    let verb = if paused { "pause" } else { "resume" };
    client::post_empty(&format!("/api/queues/{}/{verb}", encode(name))).await
}

pub async fn workers() -> Result<Vec<WorkerInfo>, ApiError> {
    client::get("/api/workers").await
}

/// Audit entries, newest first, older than `before` when given.
pub async fn audit(
    actor: Option<&str>,
    action: Option<&str>,
    before: Option<i64>,
    limit: u32,
) -> Result<AuditPage, ApiError> {
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
    client::get(&format!("/api/audit?{}", params.join("&"))).await
}

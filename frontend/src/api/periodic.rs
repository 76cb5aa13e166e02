//! Periodic jobs: the listing, run now, pause and resume.

use longjobs_openapi::{PeriodicJob, PeriodicRun};

use super::ApiError;
use super::client::{self, Get, encode};

pub fn list() -> Get<Vec<PeriodicJob>> {
    Get::new("/api/periodic")
}

/// Enqueues periodic job `name` now; its schedule stays.
pub async fn run_now(name: &str) -> Result<PeriodicRun, ApiError> {
    client::post_empty(&format!("/api/periodic/{}/run", encode(name))).await
}

/// Pauses (`true`) or resumes (`false`) periodic job `name`.
pub async fn set_paused(name: &str, paused: bool) -> Result<PeriodicJob, ApiError> {
    let verb = if paused { "pause" } else { "resume" };
    client::post_empty(&format!("/api/periodic/{}/{verb}", encode(name))).await
}

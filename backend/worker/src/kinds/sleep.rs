//! `sleep`: waits, then succeeds or fails as its payload says; stands in for long jobs.

use std::time::Duration;

use serde::Deserialize;

use crate::registry::{JobContext, JobError};

/// `{"ms": 500, "fail": "message", "discard": false, "fail_attempts": 2}`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SleepPayload {
    /// How long to sleep, in milliseconds.
    #[serde(default)]
    pub ms: u64,
    /// After sleeping, fail with this message.
    #[serde(default)]
    pub fail: Option<String>,
    /// Make the failure permanent.
    #[serde(default)]
    pub discard: bool,
    /// Fail only the first N attempts (0: every attempt, when `fail` is set).
    #[serde(default)]
    pub fail_attempts: i32,
}

pub async fn sleep(ctx: JobContext) -> Result<(), JobError> {
    let p: SleepPayload = ctx.payload()?;
    tokio::time::sleep(Duration::from_millis(p.ms)).await;
    match p.fail {
        Some(msg) if p.fail_attempts == 0 || ctx.job.attempt <= p.fail_attempts => {
            if p.discard {
                Err(JobError::Discard(msg))
            } else {
                Err(JobError::Retry(msg))
            }
        }
        _ => Ok(()),
    }
}

//! `sleep`: waits, then succeeds or fails as its payload says; stands in for long jobs.

use std::time::Duration;

use longjobs_core::handler::BackgroundJob;
use serde::{Deserialize, Serialize};

use super::BUILTIN_QUEUE;
use crate::registry::{JobContext, JobError};

/// `{"ms": 500, "fail": "message", "discard": false, "fail_attempts": 2}`.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SleepJob {
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

impl BackgroundJob for SleepJob {
    const KIND: &'static str = "sleep";
    const QUEUE: &'static str = BUILTIN_QUEUE;
    type Context = ();

    async fn run(self, _: (), ctx: JobContext) -> Result<(), JobError> {
        let p = self;
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
}

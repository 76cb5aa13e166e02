//! The daily retry of Zenodo copies in error (every copy type), as a periodic job run at a
//! configured time of day, with the retry limit from configuration — no hand-edited
//! counters.

use chrono::NaiveTime;
use std::time::Duration;

use longjobs_core::Db;
use longjobs_core::handler::{BackgroundJob, JobContext, JobError};
use longjobs_core::periodic::{PeriodicDef, Schedule};

use serde::{Deserialize, Serialize};

use crate::zenodo::store;
use crate::{KIND_ZENODO_RETRY_ERRORS, QUEUE_ZENODO};

/// The daily retry's periodic job (named after its kind), run every day at `at` UTC
/// (`LONGJOBS_DAILY_RETRY_AT`): the workers' scheduler enqueues it once per day whatever
/// the number of workers, and operators see, run and pause it (`/api/periodic`).
pub fn definition(at: NaiveTime) -> PeriodicDef {
    PeriodicDef {
        name: RetryErrorsJob::KIND.to_string(),
        queue: RetryErrorsJob::QUEUE.to_string(),
        kind: RetryErrorsJob::KIND.to_string(),
        priority: 100,
        max_attempts: RetryErrorsJob::MAX_ATTEMPTS,
        schedule: Schedule::DailyAt(at),
    }
}

/// The `zenodo.retry_errors` job: resends the copies in error that are still under the
/// daily retry limit (its context).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RetryErrorsJob {}

/// What the daily retry needs: the database and the limit of daily resends per copy.
#[derive(Clone)]
pub struct RetryErrorsContext {
    pub db: Db,
    pub limit: i32,
}

impl BackgroundJob for RetryErrorsJob {
    const KIND: &'static str = KIND_ZENODO_RETRY_ERRORS;
    const QUEUE: &'static str = QUEUE_ZENODO;
    const MAX_ATTEMPTS: i32 = 3;
    const TIMEOUT: Duration = Duration::from_secs(10 * 60);
    type Context = RetryErrorsContext;

    async fn run(self, ctx: RetryErrorsContext, _job: JobContext) -> Result<(), JobError> {
        let limit = ctx.limit;
        let requeued = ctx
            .db
            .run(move |c| store::retry_errors(c, limit))
            .await
            .map_err(JobError::retry)?;
        tracing::info!(
            copies = requeued.len(),
            limit,
            "daily retry of Zenodo copies in error"
        );
        Ok(())
    }
}

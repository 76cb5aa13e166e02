//! The daily retry of Zenodo copies in error (every copy type), as a periodic job run at a
//! configured time of day, with the retry limit from configuration — no hand-edited
//! counters.

use chrono::NaiveTime;
use futures_util::future::BoxFuture;
use longjobs_core::Db;
use longjobs_core::handler::{JobContext, JobError};
use longjobs_core::periodic::{PeriodicDef, Schedule};

use crate::zenodo::store;
use crate::{KIND_ZENODO_RETRY_ERRORS, QUEUE_ZENODO};

/// The daily retry's periodic job (named after its kind), run every day at `at` UTC
/// (`LONGJOBS_DAILY_RETRY_AT`): the workers' scheduler enqueues it once per day whatever
/// the number of workers, and operators see, run and pause it (`/api/periodic`).
pub fn definition(at: NaiveTime) -> PeriodicDef {
    PeriodicDef {
        name: KIND_ZENODO_RETRY_ERRORS.to_string(),
        queue: QUEUE_ZENODO.to_string(),
        kind: KIND_ZENODO_RETRY_ERRORS.to_string(),
        priority: 100,
        max_attempts: 3,
        schedule: Schedule::DailyAt(at),
    }
}

type Handler = Box<dyn Fn(JobContext) -> BoxFuture<'static, Result<(), JobError>> + Send + Sync>;

pub fn handler(db: Db, limit: i32) -> Handler {
    Box::new(move |_job| {
        let db = db.clone();
        Box::pin(async move {
            let requeued = db
                .run(move |c| store::retry_errors(c, limit))
                .await
                .map_err(JobError::retry)?;
            tracing::info!(
                copies = requeued.len(),
                limit,
                "daily retry of Zenodo copies in error"
            );
            Ok(())
        })
    })
}

//! The daily retry of Zenodo copies in error (every copy type), as a recurring job with
//! the retry limit from configuration — no hand-edited counters.

use chrono::NaiveDate;
use diesel::prelude::*;
use futures_util::future::BoxFuture;
use longjobs_core::handler::{JobContext, JobError};
use longjobs_core::queue::{self, EnqueueRequest};
use longjobs_core::schema::jobs;
use longjobs_core::{Db, DbConn, with_conn};

use crate::zenodo::store;
use crate::{KIND_ZENODO_RETRY_ERRORS, QUEUE_ZENODO};

/// Enqueues the retry for `date` unless one was already made that day (any state).
/// Returns whether it enqueued one. Safe from every worker at once.
pub fn schedule(conn: &mut DbConn, date: NaiveDate) -> QueryResult<bool> {
    let key = format!("{KIND_ZENODO_RETRY_ERRORS}:{date}");
    let exists: i64 = with_conn!(conn, |c| jobs::table
        .filter(jobs::unique_key.eq(&key))
        .count()
        .get_result(c))?;
    if exists > 0 {
        return Ok(false);
    }
    let e = queue::enqueue(
        conn,
        &EnqueueRequest::new(QUEUE_ZENODO, KIND_ZENODO_RETRY_ERRORS)
            .priority(100)
            .max_attempts(3)
            .unique_key(key),
    )?;
    Ok(e.inserted)
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

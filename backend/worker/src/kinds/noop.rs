//! `noop`: does nothing and succeeds; measures the queue's own overhead.

use crate::registry::{JobContext, JobError};

pub async fn noop(_ctx: JobContext) -> Result<(), JobError> {
    Ok(())
}

//! `record`: appends one line per execution to the worker's execution log, then succeeds;
//! the fault suite counts the lines to show that no job is lost and none runs twice unseen.

use std::io::Write;
use std::time::Duration;

use longjobs_core::handler::BackgroundJob;
use serde::{Deserialize, Serialize};

use super::BUILTIN_QUEUE;
use crate::registry::{JobContext, JobError};

/// The file `record` appends to, set per worker process. Unset: `record` jobs are discarded
/// with a message saying so (the path is the operator's choice, never a payload's).
pub const EXECUTION_LOG_ENV: &str = "LONGJOBS_EXECUTION_LOG";

/// `{"ms": 50, "tag": "kill-17"}`.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordJob {
    /// How long the job works before it records itself, in milliseconds.
    #[serde(default)]
    pub ms: u64,
    /// Copied into the line: lets the caller match executions to what it enqueued.
    #[serde(default)]
    pub tag: String,
}

/// One line of the execution log (JSON).
#[derive(Debug, Serialize)]
struct Execution<'a> {
    job: i64,
    attempt: i32,
    pid: u32,
    worker: &'a str,
    tag: &'a str,
}

impl BackgroundJob for RecordJob {
    const KIND: &'static str = "record";
    const QUEUE: &'static str = BUILTIN_QUEUE;
    type Context = ();

    async fn run(self, _: (), ctx: JobContext) -> Result<(), JobError> {
        record(self, ctx).await
    }
}

async fn record(p: RecordJob, ctx: JobContext) -> Result<(), JobError> {
    let Some(path) = std::env::var_os(EXECUTION_LOG_ENV) else {
        return Err(JobError::Discard(format!(
            "worker {} keeps no execution log: start it with {EXECUTION_LOG_ENV}=FILE",
            ctx.worker_id
        )));
    };
    tokio::time::sleep(Duration::from_millis(p.ms)).await;
    let mut line = serde_json::to_string(&Execution {
        job: ctx.job.id.0,
        attempt: ctx.job.attempt,
        pid: std::process::id(),
        worker: &ctx.worker_id,
        tag: &p.tag,
    })
    .map_err(JobError::discard)?;
    line.push('\n');
    // One write of one short line to a file opened for appending: lines of concurrent jobs
    // and processes never interleave, and a killed process leaves whole lines only.
    tokio::task::spawn_blocking(move || {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(line.as_bytes()))
            .map_err(|e| {
                JobError::Retry(format!(
                    "cannot append to the execution log {}: {e}",
                    std::path::Path::new(&path).display()
                ))
            })
    })
    .await
    .map_err(JobError::retry)?
}

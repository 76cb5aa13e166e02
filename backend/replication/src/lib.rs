//! longjobs replication: Zenodo copies and Merritt submissions — their tables, the
//! clients of both services, and the job handlers the worker runs.

pub mod daily; // the daily retry of copies in error (a periodic job)
pub mod events; // copy and submission outcomes for the outbox
pub mod import; // copies and submissions imported from the Dryad database
pub mod listing; // the keyset cursor of sorted listings (copies, submissions)
pub mod maintenance; // what a drain waits for
pub mod merritt; // Merritt submissions: client, SubmitJob/CheckJob, store, request log
pub mod remotes; // is Zenodo or Merritt answering: probes and recent calls
pub mod source; // fetching files: allowed hosts, redirects, stalls, lengths
pub mod zenodo; // Zenodo copies: client, CopyJob, store, validation

use std::sync::Arc;
use std::time::Duration;

use longjobs_core::handler::Registry;
use longjobs_core::queue::RetryPolicy;

pub const QUEUE_ZENODO: &str = "zenodo";
pub const QUEUE_MERRITT: &str = "merritt";
pub const KIND_ZENODO_COPY: &str = "zenodo.copy";
pub const KIND_MERRITT_SUBMIT: &str = "merritt.submit";
pub const KIND_MERRITT_CHECK: &str = "merritt.check";
pub const KIND_ZENODO_RETRY_ERRORS: &str = "zenodo.retry_errors";

/// Default retry limit of the daily retry of copies in error.
pub const DEFAULT_DAILY_RETRY_LIMIT: i32 = 4;

/// Time limit of one Zenodo copy attempt (large files take long).
pub const ZENODO_COPY_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

/// Registers the replication kinds with their retry policies: 5xx and network errors of
/// Zenodo are retried after 15 s, then longer.
pub fn register(
    registry: Registry,
    zenodo: Arc<zenodo::ZenodoContext>,
    merritt: Arc<merritt::MerrittContext>,
    retry_base: Duration,
    daily_retry_limit: i32,
) -> Registry {
    let daily = daily::RetryErrorsContext {
        db: zenodo.db.clone(),
        limit: daily_retry_limit,
    };
    let policy = RetryPolicy {
        base: retry_base,
        max: Duration::from_secs(60 * 60),
        jitter: 0.1,
    };
    registry
        .register_job::<zenodo::replicate::CopyJob>(zenodo, policy)
        .register_job::<merritt::submit::SubmitJob>(merritt.clone(), policy)
        .register_job::<merritt::submit::CheckJob>(merritt, policy)
        .register_job::<daily::RetryErrorsJob>(daily, policy)
}

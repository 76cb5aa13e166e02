//! Job handlers: what a worker runs for each kind, with its retry policy and time limit.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::Job;
use crate::queue::{DEFAULT_MAX_ATTEMPTS, EnqueueRequest, RetryPolicy};
use futures_util::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Default longest run of one attempt before it counts as failed.
pub const DEFAULT_KIND_TIMEOUT: Duration = Duration::from_secs(60 * 60);

/// How an attempt ended, other than in success.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JobError {
    /// Worth trying again after the kind's backoff (network errors, 5xx, timeouts).
    #[error("{0}")]
    Retry(String),
    /// Will never succeed as it is (bad input, a 4xx refusal): discard now.
    #[error("{0}")]
    Discard(String),
    /// Not a failure: try again after the delay without spending the attempt.
    #[error("snoozed for {0:?}: {1}")]
    Snooze(Duration, String),
}

impl JobError {
    pub fn retry(e: impl std::fmt::Display) -> Self {
        JobError::Retry(e.to_string())
    }

    pub fn discard(e: impl std::fmt::Display) -> Self {
        JobError::Discard(e.to_string())
    }
}

impl From<anyhow::Error> for JobError {
    fn from(e: anyhow::Error) -> Self {
        JobError::Retry(format!("{e:#}"))
    }
}

/// What a handler is given: the claimed job (attempt already counted).
#[derive(Debug, Clone)]
pub struct JobContext {
    pub job: Arc<Job>,
    pub worker_id: Arc<str>,
}

impl JobContext {
    /// The payload parsed as `T`; a payload that does not fit is a permanent failure.
    pub fn payload<T: serde::de::DeserializeOwned>(&self) -> Result<T, JobError> {
        serde_json::from_str(&self.job.payload).map_err(|e| {
            JobError::Discard(format!("payload does not fit kind {}: {e}", self.job.kind))
        })
    }
}

/// Runs one kind of job.
pub trait Handler: Send + Sync + 'static {
    fn run(&self, ctx: JobContext) -> BoxFuture<'static, Result<(), JobError>>;
}

impl<F, Fut> Handler for F
where
    F: Fn(JobContext) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), JobError>> + Send + 'static,
{
    fn run(&self, ctx: JobContext) -> BoxFuture<'static, Result<(), JobError>> {
        Box::pin(self(ctx))
    }
}

/// A kind of job as one type: its name, its queue, its attempts and time limit, and its
/// payload (the type itself, stored as JSON). Enqueue with [`BackgroundJob::request`],
/// register with [`Registry::register_job`]; the runner parses the payload back into the type.
pub trait BackgroundJob: Serialize + DeserializeOwned + Send + 'static {
    /// The kind name stored on the job row.
    const KIND: &'static str;
    /// The queue its jobs go to.
    const QUEUE: &'static str;
    /// Attempts a job of this kind gets unless its request says otherwise.
    const MAX_ATTEMPTS: i32 = DEFAULT_MAX_ATTEMPTS;
    /// Longest run of one attempt.
    const TIMEOUT: Duration = DEFAULT_KIND_TIMEOUT;
    /// What a run needs besides its payload (clients, the database, settings).
    type Context: Clone + Send + Sync + 'static;

    /// Runs one attempt.
    fn run(
        self,
        ctx: Self::Context,
        job: JobContext,
    ) -> impl std::future::Future<Output = Result<(), JobError>> + Send;

    /// The enqueue request for this payload, with the kind's queue and attempts. (A payload
    /// that cannot be written as JSON — only maps with non-text keys cannot — is sent as
    /// `{}`, which its kind then refuses to parse: the job fails readably, never runs wrong.)
    fn request(&self) -> EnqueueRequest {
        EnqueueRequest::new(Self::QUEUE, Self::KIND)
            .payload(serde_json::to_value(self).unwrap_or_else(|_| serde_json::json!({})))
            .max_attempts(Self::MAX_ATTEMPTS)
    }

    /// [`BackgroundJob::request`] in another queue than the kind's own (a configured one).
    fn request_in(&self, queue: &str) -> EnqueueRequest {
        let mut request = self.request();
        request.queue = queue.to_string();
        request
    }
}

/// A registered kind.
#[derive(Clone)]
pub struct Kind {
    pub handler: Arc<dyn Handler>,
    pub retry: RetryPolicy,
    pub timeout: Duration,
}

/// Kind name → how to run it.
#[derive(Clone, Default)]
pub struct Registry {
    kinds: HashMap<String, Kind>,
}

impl Registry {
    pub fn new() -> Self {
        Registry::default()
    }

    /// Registers `name` with the default retry policy and time limit.
    pub fn register(self, name: &str, handler: impl Handler) -> Self {
        self.register_with(name, handler, RetryPolicy::default(), DEFAULT_KIND_TIMEOUT)
    }

    pub fn register_with(
        mut self,
        name: &str,
        handler: impl Handler,
        retry: RetryPolicy,
        timeout: Duration,
    ) -> Self {
        self.kinds.insert(
            name.to_string(),
            Kind {
                handler: Arc::new(handler),
                retry,
                timeout,
            },
        );
        self
    }

    /// Registers the typed kind `J` with its context and retry policy; its time limit is
    /// `J::TIMEOUT`. A payload that does not parse as `J` fails for good.
    pub fn register_job<J: BackgroundJob>(self, ctx: J::Context, retry: RetryPolicy) -> Self {
        let handler = move |job: JobContext| {
            let ctx = ctx.clone();
            async move {
                let payload: J = job.payload()?;
                payload.run(ctx, job).await
            }
        };
        self.register_with(J::KIND, handler, retry, J::TIMEOUT)
    }

    /// Replaces the retry policy of every registered kind (tests, benchmarks).
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Self {
        for kind in self.kinds.values_mut() {
            kind.retry = retry;
        }
        self
    }

    pub fn get(&self, name: &str) -> Option<&Kind> {
        self.kinds.get(name)
    }

    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.kinds.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }
}

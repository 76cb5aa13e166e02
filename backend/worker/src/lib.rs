//! longjobs worker: claims jobs from the queue and runs them through registered kinds.
//!
//! - [`runner`]: the engine — producers, executor, completer, maintenance loops, stop;
//! - [`config`]: the worker's settings and their defaults;
//! - [`shutdown`]: the stop levels a signal moves a worker through;
//! - [`metrics`]: what the worker counts, and the listener that serves it;
//! - [`kinds`]: the built-in job kinds; [`setup`]: the worker `longjobs-worker` runs.

pub mod kinds;
pub mod metrics;
pub use longjobs_core::handler as registry;
pub mod runner;
pub mod setup;
pub mod shutdown;

pub use config::WorkerConfig;
pub use registry::{Handler, JobContext, JobError, Registry};
pub use runner::config;
pub use runner::{Summary, Worker};
pub use shutdown::Shutdown;

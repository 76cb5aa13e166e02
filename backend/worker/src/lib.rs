//! longjobs worker: claims jobs from the queue and runs them through registered kinds.

pub mod config;
pub mod kinds;
pub mod metrics;
pub use longjobs_core::handler as registry;
pub mod runner;
pub mod setup;

pub use config::WorkerConfig;
pub use registry::{Handler, JobContext, JobError, Registry};
pub use runner::{Shutdown, Summary, Worker};

//! longjobs worker: claims jobs from the queue and runs them through registered kinds.

pub mod config;
pub mod kinds;
pub mod registry;
pub mod runner;

pub use config::WorkerConfig;
pub use registry::{Handler, JobContext, JobError, Registry};
pub use runner::{Shutdown, Summary, Worker};

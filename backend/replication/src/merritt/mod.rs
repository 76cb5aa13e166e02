//! Merritt submissions: model, storage, the ingest client and the submit and check jobs.

pub mod client;
pub mod log;
pub mod model;
pub mod store;
pub mod submit;
pub mod validate;

pub use client::{MerrittClient, MerrittConfig};
pub use model::{LogLine, MerrittFile, StateEntry, Submission, SubmissionRequest, SubmissionState};
pub use submit::MerrittContext;

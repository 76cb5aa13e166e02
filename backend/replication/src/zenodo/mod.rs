//! Zenodo copies: model, limits, storage, the deposit API client and the copy job.

pub mod client;
pub mod file_name;
pub mod model;
pub mod replicate;
pub mod store;
pub mod validate;

pub use client::{ZenodoClient, ZenodoConfig, ZenodoError};
pub use model::{CopyRequest, CopyState, CopyType, LogLine, ManifestFile, ZenodoCopy};
pub use replicate::ZenodoContext;

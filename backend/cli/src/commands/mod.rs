//! One module per command group; each takes the API client, the output and its arguments.

pub mod auth;
pub mod control;
pub mod import;
pub mod jobs;
pub mod maintenance;
pub mod merritt;
pub mod ops;
pub mod periodic;
pub mod zenodo;

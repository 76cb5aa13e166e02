//! Talking to the longjobs API: the fetch helper, its error type, and one typed function
//! per operation of `openapi/openapi.json`, grouped by area.

pub mod client;
mod error;

pub mod auth;
pub mod datasets;
pub mod jobs;
pub mod maintenance;
pub mod merritt;
pub mod ops;
pub mod periodic;
pub mod users;
pub mod zenodo;

pub use client::{Get, encode};
pub use error::ApiError;

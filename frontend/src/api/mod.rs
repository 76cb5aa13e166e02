//! Talking to the longjobs API: the fetch helper, its error type, and one typed function
//! per operation of `openapi/openapi.json`, grouped by area.

mod client;
mod error;

pub mod auth;
pub mod jobs;
pub mod ops;
pub mod users;

pub use client::encode;
pub use error::ApiError;

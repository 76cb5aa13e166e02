//! Jobs: their states, their stored rows and their error history.

mod model;
mod state;

pub use model::{
    ERROR_HISTORY_LIMIT, ERROR_MESSAGE_LIMIT, ErrorEntry, ErrorKind, Job, JobId, NewJob, truncate,
};
pub use state::JobState;

//! longjobs core: the database layer, the job model and the durable queue engine shared by
//! the server, the worker and the command line.

pub mod access;
pub mod clock;
pub mod db;
pub mod handler;
pub mod host_events;
pub mod job;
pub mod logging;
pub mod maintenance;
pub mod outbox;
pub mod periodic;
pub mod queue;
pub mod schema;
#[cfg(feature = "testing")]
pub mod settings_doc;
#[cfg(feature = "testing")]
pub mod testing;
pub mod text_enum;

pub use db::{Backend, Db, DbConn, DbError, DbUrl, RunError};
pub use job::{Job, JobId, JobState};

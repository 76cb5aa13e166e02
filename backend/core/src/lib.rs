//! longjobs core: the database layer, the job model and the durable queue engine shared by
//! the server, the worker and the command line.

pub mod access; // users, roles, API tokens and the audit log
pub mod clock; // the one clock (UTC, microseconds) and duration parsing
pub mod db; // DbConn over the three backends, dialect differences, keyset paging, pool, migrations
pub mod handler; // BackgroundJob (a kind as a type), the registry, JobError
pub mod history; // finished jobs rolled up per minute and hour, kept past the job rows
pub mod host; // the name this process goes by (LONGJOBS_HOST_NAME, else the machine's)
pub mod host_events; // events for the host application, read with a cursor
pub mod job; // the job row, its states and error history
pub mod logging; // text or JSON log lines
pub mod maintenance; // the drain switches (defer Zenodo, hold Merritt)
pub mod outbox; // events waiting for notification, and alert conditions
pub mod periodic; // periodic jobs: schedule, run now, pause
pub mod queue; // the engine: enqueue, claim, finish, actions, list, pause, rescue, prune, workers
pub mod schema; // diesel's tables
#[cfg(feature = "testing")]
pub mod settings_doc; // checks that every setting is documented (tests)
#[cfg(feature = "testing")]
pub mod testing; // throwaway databases for tests on all three backends
pub mod text_enum; // enums stored as text

pub use db::{Backend, Db, DbConn, DbError, DbUrl, RunError};
pub use job::{Job, JobId, JobState};

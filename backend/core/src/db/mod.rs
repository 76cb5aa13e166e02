//! The database layer: URL → backend, connections, migrations and the pool.

mod conn;
mod migrate;
mod pool;
mod url;

pub use conn::{ConnectError, DbConn, SQLITE_BUSY_TIMEOUT_MS, transaction};
pub use migrate::{MigrationError, is_up_to_date, run_pending};
pub use pool::{DEFAULT_POOL_SIZE, Db, DbError, RunError};
pub use url::{Backend, DbUrl, DbUrlError, redact};

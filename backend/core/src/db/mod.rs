//! The database layer: URL → backend, connections, what differs between backends,
//! keyset paging, migrations and the pool.

mod conn;
pub mod dialect;
pub mod keyset;
mod migrate;
mod pool;
mod url;

pub use conn::{ConnectError, DbConn, MultiBackend, SQLITE_BUSY_TIMEOUT_MS};
pub use dialect::transaction;
pub use migrate::{MigrationError, is_up_to_date, run_pending};
pub use pool::{DEFAULT_POOL_SIZE, Db, DbError, RunError};
pub use url::{Backend, DbUrl, DbUrlError, redact};

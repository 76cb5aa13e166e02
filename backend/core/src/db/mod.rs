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

/// A LIKE pattern matching `text` anywhere, with `%`, `_` and the escape character (`\`,
/// given to LIKE's `ESCAPE`) escaped.
pub fn like_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

diesel::define_sql_function! {
    /// SQL `lower(text)`, the same on the three databases (for searches that ignore case
    /// whatever the column's collation).
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

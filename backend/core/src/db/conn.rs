//! One connection type over every backend, opened from the URL scheme so real errors surface.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};

use super::url::{Backend, DbUrl};

/// How long a SQLite writer waits for the file lock before giving up.
pub const SQLITE_BUSY_TIMEOUT_MS: u32 = 15_000;

/// A database connection of whichever backend the URL chose.
///
/// Code that is the same on every backend uses [`with_conn!`](crate::with_conn), which
/// compiles its body once per backend; code that must differ matches on the variants.
pub enum DbConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Why a connection could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("cannot connect to {url}")]
pub struct ConnectError {
    pub url: String,
    #[source]
    pub source: ConnectionErrorKind,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectionErrorKind {
    #[error(transparent)]
    Connection(#[from] diesel::ConnectionError),
    #[error("setting up the connection failed: {0}")]
    Setup(#[from] diesel::result::Error),
    #[error("cannot create the directory for the SQLite file: {0}")]
    Directory(#[from] std::io::Error),
}

impl DbConn {
    /// Opens a connection of the backend `url` names; never falls back to another backend.
    pub fn establish(url: &DbUrl) -> Result<Self, ConnectError> {
        let wrap = |source: ConnectionErrorKind| ConnectError {
            url: url.to_string(),
            source,
        };
        match url {
            DbUrl::Postgres(raw) => PgConnection::establish(raw)
                .map(DbConn::Postgres)
                .map_err(|e| wrap(e.into())),
            DbUrl::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| wrap(e.into()))?;
                }
                let path = path.to_string_lossy();
                let mut conn = SqliteConnection::establish(&path).map_err(|e| wrap(e.into()))?;
                // WAL lets readers run beside the one writer; the busy timeout makes writers
                // from other connections and processes wait for the lock instead of failing.
                conn.batch_execute(&format!(
                    "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
                ))
                .map_err(|e| wrap(e.into()))?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Postgres(_) => Backend::Postgres,
            DbConn::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Like [`with_conn!`](crate::with_conn) inside a transaction that will write: on SQLite
/// it takes the write lock at BEGIN (`IMMEDIATE`) so it waits instead of failing later.
#[macro_export]
macro_rules! with_write_tx {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Postgres(c) => c.transaction(|$c| $body),
            $crate::db::DbConn::Sqlite(c) => {
                use ::diesel::connection::{AnsiTransactionManager, TransactionManager};
                let depth =
                    AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth();
                if matches!(depth, Ok(Some(_))) {
                    // Already inside a transaction (which holds the lock): a savepoint.
                    c.transaction(|$c| $body)
                } else {
                    c.immediate_transaction(|$c| $body)
                }
            }
        }
    };
}

/// Runs the same Diesel code on whichever backend `$conn` holds.
///
/// The body is compiled once per backend with `$c` bound to the concrete connection, so
/// queries that are portable need writing only once.
#[macro_export]
macro_rules! with_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Postgres($c) => $body,
            $crate::db::DbConn::Sqlite($c) => $body,
        }
    };
}

/// Runs `f` in one transaction on whichever backend `conn` holds; nested
/// `Connection::transaction` calls inside become savepoints.
pub fn transaction<T, E>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    match conn {
        DbConn::Postgres(c) => AnsiTransactionManager::begin_transaction(c)?,
        // SQLite: take the write lock up front; a read-then-write transaction that
        // upgrades later fails at once with "database is locked" under concurrency.
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
    }
    match f(conn) {
        Ok(v) => {
            crate::with_conn!(conn, |c| AnsiTransactionManager::commit_transaction(c))?;
            Ok(v)
        }
        Err(e) => {
            // The original error matters more than a failed rollback.
            let _ = crate::with_conn!(conn, |c| AnsiTransactionManager::rollback_transaction(c));
            Err(e)
        }
    }
}

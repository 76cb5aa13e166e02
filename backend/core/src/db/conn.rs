//! One connection type over every backend, opened from the URL scheme so real errors surface.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::{MysqlConnection, PgConnection, SqliteConnection};

use super::url::{Backend, DbUrl};

/// How long a SQLite writer waits for the file lock before giving up.
pub const SQLITE_BUSY_TIMEOUT_MS: u32 = 15_000;

/// Names SQLite's `synchronous` setting: `NORMAL` (the default; in WAL mode durable against
/// a process crash, not a power loss) or `FULL` (an fsync per commit, as PostgreSQL does).
pub const SQLITE_SYNCHRONOUS_ENV: &str = "LONGJOBS_SQLITE_SYNCHRONOUS";

/// The `synchronous` value [`SQLITE_SYNCHRONOUS_ENV`] (`set`) asks for; refuses anything
/// but the two.
fn sqlite_synchronous(set: Option<String>) -> Result<&'static str, ConnectionErrorKind> {
    match set {
        None => Ok("NORMAL"),
        Some(v) if v.eq_ignore_ascii_case("normal") => Ok("NORMAL"),
        Some(v) if v.eq_ignore_ascii_case("full") => Ok("FULL"),
        Some(v) => Err(ConnectionErrorKind::Synchronous(v)),
    }
}

/// Creates a new SQLite file's directory (0700) and the file itself (0600) before SQLite
/// opens it: the file holds password hashes, and SQLite gives its `-wal` and `-shm` files
/// the main file's mode. An existing file or directory keeps its mode.
fn prepare_sqlite_file(path: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.exists()
    {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
    }
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// A database connection of whichever backend the URL chose.
///
/// It is itself a Diesel connection (diesel's `MultiConnection`): SQL that is the same on
/// every backend runs on it directly, written once. SQL that must differ matches on the
/// variants, in a branch labelled with the backend (see [`super::dialect`]).
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
    Mysql(MysqlConnection),
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
    #[error("{SQLITE_SYNCHRONOUS_ENV} must be NORMAL or FULL, not {0:?}")]
    Synchronous(String),
}

impl DbConn {
    /// Opens a connection of the backend `url` names; never falls back to another backend.
    pub fn establish(url: &DbUrl) -> Result<Self, ConnectError> {
        let wrap = |source: ConnectionErrorKind| ConnectError {
            url: url.to_string(),
            source,
        };
        match url {
            DbUrl::Postgres(raw) => {
                let mut conn = PgConnection::establish(raw).map_err(|e| wrap(e.into()))?;
                // No JIT compilation: its threshold is a plan's estimated cost, and the
                // claim's estimate over an analyzed backlog passes it (100,000 runnable jobs:
                // about 824,000, above jit_optimize_above_cost), so each claim of 500 jobs
                // compiled and optimized its plan for 0.5-0.7 s to run it in 2 ms. Every
                // statement here is a short one that compiling cannot pay for.
                conn.batch_execute("SET jit = off")
                    .map_err(|e| wrap(e.into()))?;
                Ok(DbConn::Postgres(conn))
            }
            DbUrl::Sqlite(path) => {
                let synchronous =
                    sqlite_synchronous(std::env::var(SQLITE_SYNCHRONOUS_ENV).ok()).map_err(wrap)?;
                prepare_sqlite_file(path).map_err(|e| wrap(e.into()))?;
                let path = path.to_string_lossy();
                let mut conn = SqliteConnection::establish(&path).map_err(|e| wrap(e.into()))?;
                // The busy timeout first: it makes writers from other connections and
                // processes wait for the lock instead of failing, and switching a new file to
                // WAL (which lets readers run beside the one writer) takes that lock too — two
                // processes opening a new file at once would otherwise fail "locked".
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON;"
                ))
                .map_err(|e| wrap(e.into()))?;
                Ok(DbConn::Sqlite(conn))
            }
            DbUrl::Mysql(raw) => {
                let mut conn = MysqlConnection::establish(raw).map_err(|e| wrap(e.into()))?;
                // Timestamps are stored as UTC; READ COMMITTED keeps claim queries from
                // taking gap locks that would serialize concurrent workers.
                for setup in [
                    "SET time_zone = '+00:00'",
                    "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
                ] {
                    conn.batch_execute(setup).map_err(|e| wrap(e.into()))?;
                }
                Ok(DbConn::Mysql(conn))
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Postgres(_) => Backend::Postgres,
            DbConn::Sqlite(_) => Backend::Sqlite,
            DbConn::Mysql(_) => Backend::Mysql,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_syncs_normally_unless_told_full_and_refuses_other_values() {
        assert_eq!(sqlite_synchronous(None).ok(), Some("NORMAL"));
        assert_eq!(sqlite_synchronous(Some("full".into())).ok(), Some("FULL"));
        assert_eq!(
            sqlite_synchronous(Some("Normal".into())).ok(),
            Some("NORMAL")
        );
        assert!(matches!(
            sqlite_synchronous(Some("off".into())),
            Err(ConnectionErrorKind::Synchronous(v)) if v == "off"
        ));
    }
}

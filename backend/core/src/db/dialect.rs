//! What differs between the backends, in one place: write transactions, upserts, and the
//! macros that run one body on each backend's own connection where `DbConn` cannot.

use diesel::connection::{AnsiTransactionManager, TransactionManager};

use super::conn::DbConn;

/// Runs `f` in one transaction on whichever backend `conn` holds; inside a transaction
/// already, a savepoint. SQLite takes the write lock at `BEGIN` (`IMMEDIATE`): a
/// read-then-write transaction that upgrades later fails at once with "database is locked"
/// under concurrency, where this one waits its turn.
pub fn transaction<T, E>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    let nested = matches!(
        DbConn::transaction_manager_status_mut(conn).transaction_depth(),
        Ok(Some(_))
    );
    match conn {
        DbConn::Sqlite(c) if !nested => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
        _ => DbConn::begin_transaction(conn)?,
    }
    match f(conn) {
        Ok(v) => {
            DbConn::commit_transaction(conn)?;
            Ok(v)
        }
        Err(e) => {
            // The original error matters more than a failed rollback.
            let _ = DbConn::rollback_transaction(conn);
            Err(e)
        }
    }
}

/// Runs the same Diesel code on each backend's own connection type, for the few places
/// that need the concrete connection (most code runs on [`DbConn`] itself).
///
/// The body is compiled once per backend with `$c` bound to the concrete connection.
#[macro_export]
macro_rules! with_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Postgres($c) => $body,
            $crate::db::DbConn::Sqlite($c) => $body,
            $crate::db::DbConn::Mysql($c) => $body,
        }
    };
}

/// Like [`with_conn!`](crate::with_conn) for code MySQL cannot share: PostgreSQL and SQLite
/// run the first body, MySQL/MariaDB the second (no `RETURNING`, `ON DUPLICATE KEY`
/// instead of `ON CONFLICT`).
#[macro_export]
macro_rules! with_conn_or_mysql {
    ($conn:expr, |$c:ident| $body:expr, mysql: |$m:ident| $mysql:expr) => {
        match $conn {
            $crate::db::DbConn::Postgres($c) => $body,
            $crate::db::DbConn::Sqlite($c) => $body,
            $crate::db::DbConn::Mysql($m) => $mysql,
        }
    };
}

/// Inserts `$values` into `$table` or, where a row with the same `$key` exists, applies
/// `$changes` to it; evaluates to the `execute` result. PostgreSQL and SQLite name the
/// conflict target (`ON CONFLICT ($key)`); MySQL / MariaDB name none (`ON DUPLICATE KEY
/// UPDATE`), so `$key` must be the table's only unique key.
///
/// A macro, not a function: Diesel's upsert statement types cannot be named outside it.
#[macro_export]
macro_rules! upsert {
    ($conn:expr, $table:expr, $values:expr, $key:expr, $changes:expr $(,)?) => {{
        use ::diesel::RunQueryDsl as _;
        $crate::with_conn_or_mysql!(
            $conn,
            |c| ::diesel::insert_into($table)
                .values($values)
                .on_conflict($key)
                .do_update()
                .set($changes)
                .execute(c),
            mysql: |c| ::diesel::insert_into($table)
                .values($values)
                .on_conflict(::diesel::dsl::DuplicatedKeys)
                .do_update()
                .set($changes)
                .execute(c)
        )
    }};
}

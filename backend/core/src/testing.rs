//! Test databases: a throwaway PostgreSQL schema or SQLite file per test, migrated.
//!
//! PostgreSQL comes from `TEST_DATABASE_URL` (default: the local server at 127.0.0.1:5432;
//! `scripts/test` starts a private cluster when none is reachable); MySQL / MariaDB from
//! `TEST_MYSQL_URL` (default: root at 127.0.0.1:3306), one throwaway database per test.

use diesel::connection::SimpleConnection;
use diesel::{Connection, MysqlConnection, PgConnection};

use crate::db::{Backend, Db, DbError};

/// Where the PostgreSQL tests connect when `TEST_DATABASE_URL` is not set.
pub const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Where the MySQL / MariaDB tests connect when `TEST_MYSQL_URL` is not set.
pub const DEFAULT_TEST_MYSQL_URL: &str = "mysql://root@127.0.0.1:3306";

/// The MySQL / MariaDB server the tests use (a URL without a database name).
/// Percent-encodes everything but unreserved characters, for a query string.
pub fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn mysql_base_url() -> String {
    std::env::var("TEST_MYSQL_URL")
        .unwrap_or_else(|_| DEFAULT_TEST_MYSQL_URL.to_string())
        .trim_end_matches('/')
        .to_string()
}

/// The PostgreSQL server the tests use.
pub fn postgres_base_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_TEST_DATABASE_URL.to_string())
}

/// A migrated database that disappears when dropped.
pub struct TestDb {
    /// The URL for other processes (a worker binary) to reach the same database.
    pub url: String,
    pub db: Db,
    cleanup: Cleanup,
}

enum Cleanup {
    PgSchema { base: String, schema: String },
    MysqlDatabase { base: String, name: String },
    SqliteDir(#[allow(dead_code)] tempfile::TempDir),
}

impl TestDb {
    pub async fn new(backend: Backend) -> Result<Self, DbError> {
        match backend {
            Backend::Postgres => Self::postgres().await,
            Backend::Sqlite => Self::sqlite().await,
            Backend::Mysql => Self::mysql().await,
        }
    }

    /// A fresh schema in the test PostgreSQL, with `search_path` pointing at it.
    pub async fn postgres() -> Result<Self, DbError> {
        let base = postgres_base_url();
        let schema = format!("lj_{}", uuid::Uuid::new_v4().simple());
        let (base2, schema2) = (base.clone(), schema.clone());
        tokio::task::spawn_blocking(move || {
            let mut admin = PgConnection::establish(&base2).map_err(|e| {
                DbError::Pool(format!("test PostgreSQL at {base2} is not reachable: {e}"))
            })?;
            // The trigram extension lives in `public`, outside every test schema: installed
            // by the first test's migration it would go into that test's schema and vanish
            // with it. Tests that race here find it there, or go on without (the migration
            // then leaves the text search unindexed, which is still correct).
            let _ = admin.batch_execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public");
            admin.batch_execute(&format!("CREATE SCHEMA {schema2}"))?;
            Ok::<_, DbError>(())
        })
        .await??;
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
        let db = Db::connect(&url).await?;
        db.migrate().await?;
        Ok(TestDb {
            url,
            db,
            cleanup: Cleanup::PgSchema { base, schema },
        })
    }

    /// A fresh database on the test MySQL / MariaDB server.
    pub async fn mysql() -> Result<Self, DbError> {
        let base = mysql_base_url();
        let name = format!("lj_{}", uuid::Uuid::new_v4().simple());
        let (base2, name2) = (base.clone(), name.clone());
        tokio::task::spawn_blocking(move || {
            let mut admin = MysqlConnection::establish(&base2).map_err(|e| {
                DbError::Pool(format!("test MySQL at {base2} is not reachable: {e}"))
            })?;
            admin.batch_execute(&format!(
                "CREATE DATABASE {name2} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
            ))?;
            Ok::<_, DbError>(())
        })
        .await??;
        let url = format!("{base}/{name}");
        let db = Db::connect(&url).await?;
        db.migrate().await?;
        Ok(TestDb {
            url,
            db,
            cleanup: Cleanup::MysqlDatabase { base, name },
        })
    }

    /// A fresh SQLite file in a temporary directory.
    pub async fn sqlite() -> Result<Self, DbError> {
        let dir = tempfile::tempdir().map_err(|e| DbError::Pool(e.to_string()))?;
        let url = format!("sqlite://{}", dir.path().join("longjobs.db").display());
        let db = Db::connect(&url).await?;
        db.migrate().await?;
        Ok(TestDb {
            url,
            db,
            cleanup: Cleanup::SqliteDir(dir),
        })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::PgSchema { base, schema } = &self.cleanup {
            // Best effort: a schema left behind is harmless and named lj_*.
            if let Ok(mut admin) = PgConnection::establish(base) {
                let _ = admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            }
        }
        if let Cleanup::MysqlDatabase { base, name } = &self.cleanup
            && let Ok(mut admin) = MysqlConnection::establish(base)
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"));
        }
    }
}

/// Instantiates each listed test once per backend (modules `postgres`, `sqlite`, `mysql`):
/// each test fn takes what `setup` builds from a fresh [`TestDb`] `t` (or `t` itself).
///
/// ```ignore
/// longjobs_core::on_every_database! { threads = 4, setup = |t| super::Stack::start(t).await;
///     a_test, another_test,
/// }
/// ```
#[macro_export]
macro_rules! on_every_database {
    (threads = $n:literal, setup = |$t:ident| $setup:expr; $($name:ident),* $(,)?) => {
        $crate::on_every_database!(@one postgres, postgres, "test PostgreSQL", $n, $t, $setup; $($name),*);
        $crate::on_every_database!(@one sqlite, sqlite, "test SQLite", $n, $t, $setup; $($name),*);
        $crate::on_every_database!(@one mysql, mysql, "test MySQL", $n, $t, $setup; $($name),*);
    };
    (threads = $n:literal; $($name:ident),* $(,)?) => {
        $crate::on_every_database!(threads = $n, setup = |t| t; $($name),*);
    };
    (@one $module:ident, $open:ident, $what:literal, $n:literal, $t:ident, $setup:expr; $($name:ident),*) => {
        mod $module { $(
            #[tokio::test(flavor = "multi_thread", worker_threads = $n)]
            async fn $name() {
                let $t = $crate::testing::TestDb::$open().await.expect($what);
                super::$name($setup).await
            }
        )* }
    };
}

/// The PostgreSQL connection inside `c`, for tests that run on a PostgreSQL [`TestDb`]
/// only.
pub fn pg(c: &mut crate::DbConn) -> &mut PgConnection {
    let crate::DbConn::Postgres(pg) = c else {
        unreachable!("a PostgreSQL test database")
    };
    pg
}

#[derive(diesel::QueryableByName)]
struct PlanLine {
    #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
    line: String,
}

/// The lines of PostgreSQL's plan for `explain` (an `EXPLAIN …` statement).
pub fn plan(c: &mut PgConnection, explain: &str) -> diesel::QueryResult<Vec<String>> {
    use diesel::RunQueryDsl;
    Ok(diesel::sql_query(explain)
        .load::<PlanLine>(c)?
        .into_iter()
        .map(|l| l.line)
        .collect())
}

//! The connection pool (deadpool) and [`Db`], the async handle every binary uses.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use deadpool::managed::{self, Metrics, RecycleResult};

use super::conn::{ConnectError, DbConn};
use super::migrate::{self, MigrationError};
use super::url::{Backend, DbUrl, DbUrlError};

/// Default number of pooled connections per process.
pub const DEFAULT_POOL_SIZE: usize = 16;
/// How long a caller waits for a free pooled connection (or a new one) before failing.
pub const DEFAULT_POOL_TIMEOUT: Duration = Duration::from_secs(10);

/// Errors from the database layer as the binaries see them.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Url(#[from] DbUrlError),
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error(transparent)]
    Migration(#[from] MigrationError),
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("no database connection available: {0}")]
    Pool(String),
    #[error("database task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl DbError {
    /// True when the database itself is unreachable (as opposed to a query being refused).
    pub fn is_unavailable(&self) -> bool {
        match self {
            DbError::Connect(_) | DbError::Pool(_) => true,
            DbError::Query(e) => is_connection_lost(e),
            _ => false,
        }
    }
}

/// An error [`Db::run_as`] can answer with: it holds the pool's errors ([`DbError`]) and
/// shows the query error it carries, if any, so a lost connection is still detached.
pub trait RunError: From<DbError> + Send + 'static {
    /// The Diesel error inside, when the error is one.
    fn query_error(&self) -> Option<&diesel::result::Error>;
}

impl RunError for DbError {
    fn query_error(&self) -> Option<&diesel::result::Error> {
        match self {
            DbError::Query(e) => Some(e),
            _ => None,
        }
    }
}

/// Diesel errors that mean the connection is gone and must not go back to the pool.
fn is_connection_lost(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
        | Error::DatabaseError(DatabaseErrorKind::UnableToSendCommand, _)
        | Error::BrokenTransactionManager => true,
        Error::DatabaseError(_, info) => {
            let m = info.message();
            m.contains("server closed the connection")
                || m.contains("terminating connection")
                || m.contains("no connection to the server")
                || m.contains("connection to server")
        }
        _ => false,
    }
}

/// Opens connections of the backend the URL names.
pub struct Manager {
    url: DbUrl,
    /// When a query last found its connection lost. A database that restarted or went away
    /// took every connection opened before then with it: those are dropped when next taken
    /// from the pool instead of each failing one more request.
    lost_at: Mutex<Option<Instant>>,
}

impl Manager {
    fn connection_lost(&self) {
        *self.lost_at.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
    }
}

impl managed::Manager for Manager {
    type Type = DbConn;
    type Error = DbError;

    async fn create(&self) -> Result<DbConn, DbError> {
        let url = self.url.clone();
        Ok(tokio::task::spawn_blocking(move || DbConn::establish(&url)).await??)
    }

    async fn recycle(&self, _conn: &mut DbConn, metrics: &Metrics) -> RecycleResult<DbError> {
        // A connection whose query reported it lost is detached in `Db::run`; the others
        // opened before that moment are presumed gone with it.
        let lost_at = *self.lost_at.lock().unwrap_or_else(|p| p.into_inner());
        if lost_at.is_some_and(|t| metrics.created <= t) {
            return Err(managed::RecycleError::message(
                "opened before another connection was found lost",
            ));
        }
        Ok(())
    }
}

type Pool = managed::Pool<Manager>;

/// A cloneable async handle to the database: a pool plus the backend it speaks.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    url: Arc<DbUrl>,
}

impl Db {
    /// Parses the URL, opens one connection right away (so a refused connection or a bad
    /// URL is reported as itself), and builds the pool around it.
    pub async fn connect(url: &str) -> Result<Self, DbError> {
        Self::connect_with(url.parse()?, DEFAULT_POOL_SIZE).await
    }

    pub async fn connect_with(url: DbUrl, max_size: usize) -> Result<Self, DbError> {
        let probe = url.clone();
        tokio::task::spawn_blocking(move || DbConn::establish(&probe)).await??;
        let pool = Pool::builder(Manager {
            url: url.clone(),
            lost_at: Mutex::new(None),
        })
        .max_size(max_size)
        .wait_timeout(Some(DEFAULT_POOL_TIMEOUT))
        .create_timeout(Some(DEFAULT_POOL_TIMEOUT))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .map_err(|e| DbError::Pool(e.to_string()))?;
        Ok(Db {
            pool,
            url: Arc::new(url),
        })
    }

    pub fn backend(&self) -> Backend {
        self.url.backend()
    }

    pub fn url(&self) -> &DbUrl {
        &self.url
    }

    /// Runs blocking Diesel code on a pooled connection in tokio's blocking pool.
    pub async fn run<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, diesel::result::Error> + Send + 'static,
    {
        self.run_as(move |c| f(c).map_err(DbError::Query)).await
    }

    /// [`Db::run`] for code whose errors are the caller's own (a refusal, a missing row, …)
    /// besides the database's: they travel out as they are, so a refusal can never be
    /// mistaken for a database failure or the other way round. A lost connection is still
    /// noticed (see [`RunError`]).
    pub async fn run_as<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: RunError,
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    {
        let mut conn = self.pool.get().await.map_err(|e| E::from(pool_error(e)))?;
        let (result, conn) = tokio::task::spawn_blocking(move || {
            let result = f(&mut conn);
            (result, conn)
        })
        .await
        .map_err(|e| E::from(DbError::Task(e)))?;
        if let Err(e) = &result
            && e.query_error().is_some_and(is_connection_lost)
        {
            let _ = managed::Object::take(conn);
            self.pool.manager().connection_lost();
        }
        result
    }

    /// Applies pending migrations; returns the versions applied.
    pub async fn migrate(&self) -> Result<Vec<String>, DbError> {
        let mut conn = self.pool.get().await.map_err(pool_error)?;
        Ok(tokio::task::spawn_blocking(move || migrate::run_pending(&mut conn)).await??)
    }

    /// True when every migration of this build is applied.
    pub async fn migrations_up_to_date(&self) -> Result<bool, DbError> {
        let mut conn = self.pool.get().await.map_err(pool_error)?;
        Ok(tokio::task::spawn_blocking(move || migrate::is_up_to_date(&mut conn)).await??)
    }
}

fn pool_error(e: managed::PoolError<DbError>) -> DbError {
    match e {
        managed::PoolError::Backend(e) => e,
        other => DbError::Pool(other.to_string()),
    }
}

//! Embedded migrations, one history per backend, applied at start-up or by `migrate`.

use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::DbConn;

const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const MYSQL: EmbeddedMigrations = embed_migrations!("../../migrations/mysql");

/// A failed migration, with the harness's message.
#[derive(Debug, thiserror::Error)]
#[error("database migration failed: {0}")]
pub struct MigrationError(String);

/// Applies every pending migration; returns the versions applied (empty when up to date).
pub fn run_pending(conn: &mut DbConn) -> Result<Vec<String>, MigrationError> {
    let applied = match conn {
        DbConn::Postgres(c) => c.run_pending_migrations(POSTGRES),
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE),
        DbConn::Mysql(c) => c.run_pending_migrations(MYSQL),
    }
    .map_err(|e| MigrationError(e.to_string()))?;
    Ok(applied.iter().map(|v| v.to_string()).collect())
}

/// True when the database has every migration this build knows of.
pub fn is_up_to_date(conn: &mut DbConn) -> Result<bool, MigrationError> {
    let pending = match conn {
        DbConn::Postgres(c) => c.has_pending_migration(POSTGRES),
        DbConn::Sqlite(c) => c.has_pending_migration(SQLITE),
        DbConn::Mysql(c) => c.has_pending_migration(MYSQL),
    }
    .map_err(|e| MigrationError(e.to_string()))?;
    Ok(!pending)
}

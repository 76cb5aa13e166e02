//! The maintenance switches as the job handlers read them.

use diesel::QueryResult;
use longjobs_core::DbConn;
use longjobs_core::maintenance::{self, DEFER_ZENODO, HOLD_MERRITT};

/// Is Zenodo replication deferred?
pub fn zenodo_deferred(conn: &mut DbConn) -> QueryResult<bool> {
    Ok(maintenance::get(conn, DEFER_ZENODO)?.is_some())
}

/// Are Merritt submissions held?
pub fn merritt_held(conn: &mut DbConn) -> QueryResult<bool> {
    Ok(maintenance::get(conn, HOLD_MERRITT)?.is_some())
}

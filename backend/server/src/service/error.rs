//! [`ServiceError`]: what a service refuses (and why), or the database's failure — never one
//! for the other.

use longjobs_core::periodic::PeriodicError;
use longjobs_core::{DbError, RunError};
use longjobs_replication::merritt::store::GiveUpRefused;
use longjobs_replication::zenodo::store::StoreError;

/// Why a service did not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The request is invalid; the text says how.
    #[error("{0}")]
    BadRequest(String),
    /// What it names does not exist.
    #[error("{0}")]
    NotFound(String),
    /// Refused in the state things are in; the text says why and what to do.
    #[error("{0}")]
    Conflict(String),
    /// Something that should not happen did; the text says what.
    #[error("{0}")]
    Internal(String),
    /// The database failed (or is away).
    #[error(transparent)]
    Db(#[from] DbError),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl From<diesel::result::Error> for ServiceError {
    fn from(e: diesel::result::Error) -> Self {
        ServiceError::Db(DbError::Query(e))
    }
}

impl RunError for ServiceError {
    fn query_error(&self) -> Option<&diesel::result::Error> {
        match self {
            ServiceError::Db(e) => e.query_error(),
            _ => None,
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        use longjobs_replication::zenodo::store::Refusal;
        match e {
            StoreError::Refused(r @ Refusal::NotFound(_)) => ServiceError::NotFound(r.to_string()),
            StoreError::Refused(r) => ServiceError::Conflict(r.to_string()),
            StoreError::Db(e) => e.into(),
        }
    }
}

impl From<GiveUpRefused> for ServiceError {
    fn from(e: GiveUpRefused) -> Self {
        match e {
            GiveUpRefused::NotFound(_) => ServiceError::NotFound(e.to_string()),
            GiveUpRefused::Conflict(why) => ServiceError::Conflict(why),
            GiveUpRefused::Db(e) => e.into(),
        }
    }
}

impl From<PeriodicError> for ServiceError {
    fn from(e: PeriodicError) -> Self {
        match e {
            PeriodicError::NotFound(_) => ServiceError::NotFound(e.to_string()),
            PeriodicError::StillRunning { .. } => ServiceError::Conflict(e.to_string()),
            PeriodicError::Db(e) => e.into(),
        }
    }
}

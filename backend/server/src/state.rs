//! What every API handler shares: the database, the authentication settings, what the
//! API accepts and the job counts cache.

use std::sync::Arc;

use longjobs_core::Db;

use crate::auth::AuthConfig;
use crate::policy::ApiPolicy;
use crate::service::counts::Counts;

/// Shared by all API areas.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub auth: Arc<AuthConfig>,
    pub policy: Arc<ApiPolicy>,
    /// Job counts by queue and state, cached when counting is slow.
    pub counts: Arc<Counts>,
}

impl AppState {
    /// The state of one server over `db`, with a counts cache of its own.
    pub fn new(db: Db, auth: AuthConfig, policy: ApiPolicy) -> Self {
        AppState {
            counts: Counts::new(db.clone()),
            db,
            auth: Arc::new(auth),
            policy: Arc::new(policy),
        }
    }
}

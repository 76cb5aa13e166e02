//! What every API handler shares: the database, the authentication settings, what the
//! API accepts, the job counts cache and the live-updates hub.

use std::sync::Arc;

use longjobs_core::Db;

use crate::auth::AuthConfig;
use crate::policy::ApiPolicy;
use crate::service::counts::Counts;
use crate::service::live::Live;

/// Shared by all API areas.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub auth: Arc<AuthConfig>,
    pub policy: Arc<ApiPolicy>,
    /// Job counts by queue and state, cached when counting is slow.
    pub counts: Arc<Counts>,
    /// What changed, pushed to open console pages (`GET /api/live`).
    pub live: Arc<Live>,
}

impl AppState {
    /// The state of one server over `db`, with a counts cache of its own.
    pub fn new(db: Db, auth: AuthConfig, policy: ApiPolicy) -> Self {
        let counts = Counts::new(db.clone());
        AppState {
            live: Live::new(db.clone(), counts.clone()),
            counts,
            db,
            auth: Arc::new(auth),
            policy: Arc::new(policy),
        }
    }
}

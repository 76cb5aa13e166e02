//! What every API handler shares: the database, the authentication settings and what the
//! API accepts.

use std::sync::Arc;

use longjobs_core::Db;

use crate::auth::AuthConfig;
use crate::policy::ApiPolicy;

/// Shared by all API areas.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub auth: Arc<AuthConfig>,
    pub policy: Arc<ApiPolicy>,
}

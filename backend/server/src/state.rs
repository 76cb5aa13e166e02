//! What every API handler shares: the database and the authentication settings.

use std::sync::Arc;

use longjobs_core::Db;

use crate::auth::AuthConfig;

/// Shared by all API areas.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub auth: Arc<AuthConfig>,
}

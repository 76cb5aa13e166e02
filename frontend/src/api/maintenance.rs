//! The maintenance workflow: status, drain and restart.

use longjobs_openapi::{DrainRequest, MaintenanceStatus, RemoteHealth, RestartResult};

use super::ApiError;
use super::client::{self, Get};

pub fn status() -> Get<MaintenanceStatus> {
    Get::new("/api/maintenance")
}

/// Whether Zenodo and Merritt answer (the workers' probe and the recent calls).
pub fn remotes() -> Get<Vec<RemoteHealth>> {
    Get::new("/api/remotes")
}

/// Defers Zenodo replication and/or holds Merritt submissions; answers the new status.
pub async fn drain(zenodo: bool, merritt: bool) -> Result<MaintenanceStatus, ApiError> {
    client::post("/api/maintenance/drain", &DrainRequest { zenodo, merritt }).await
}

/// Clears the switches and puts deferred copies and held submissions back in order.
pub async fn restart() -> Result<RestartResult, ApiError> {
    client::post_empty("/api/maintenance/restart").await
}

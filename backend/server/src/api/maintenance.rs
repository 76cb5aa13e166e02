//! The maintenance workflow's endpoints: drain, status and restart (the rules live in
//! [`crate::service::maintenance`]).

use longjobs_core::access::Role;
use longjobs_openapi as wire;
use poem_openapi::OpenApi;
use poem_openapi::payload::Json;

use super::Tag;
use crate::auth::BearerAuth;
use crate::error::ApiResult;
use crate::service::maintenance;
use crate::state::AppState;

pub struct MaintenanceApi {
    pub state: AppState,
}

#[OpenApi(tag = "Tag::Maintenance")]
impl MaintenanceApi {
    /// Maintenance status.
    ///
    /// The switches, what is still running (which job, on which worker, for how long),
    /// deferred and held counts, and `drained`: true once a drain is on and nothing it
    /// covers runs — safe to shut down.
    #[oai(
        path = "/api/maintenance",
        method = "get",
        operation_id = "maintenanceStatus"
    )]
    async fn get(&self, auth: BearerAuth) -> ApiResult<Json<wire::MaintenanceStatus>> {
        auth.0.require(Role::Viewer)?;
        Ok(Json(maintenance::status(&self.state).await?))
    }

    /// Start draining.
    ///
    /// Defers Zenodo replication and/or holds Merritt submissions for every worker at
    /// once: running jobs finish, copies whose turn comes are deferred, submissions are
    /// held. Draining again changes nothing.
    #[oai(
        path = "/api/maintenance/drain",
        method = "post",
        operation_id = "drain"
    )]
    async fn drain(
        &self,
        auth: BearerAuth,
        body: Json<wire::DrainRequest>,
    ) -> ApiResult<Json<wire::MaintenanceStatus>> {
        auth.0.require(Role::Operator)?;
        let (zenodo, merritt) = (body.0.zenodo, body.0.merritt);
        let status = maintenance::drain(&self.state, &auth.0.name, zenodo, merritt).await?;
        Ok(Json(status))
    }

    /// Restart after maintenance.
    ///
    /// Clears both switches and puts every deferred copy and held submission back in the
    /// work queue in their original order, from whichever host asks — what the drain
    /// parked, no more: a copy that failed for good before the drain is not resent, and
    /// `notes` says which parked copies wait on it. A second restart changes nothing.
    #[oai(
        path = "/api/maintenance/restart",
        method = "post",
        operation_id = "restart"
    )]
    async fn restart(&self, auth: BearerAuth) -> ApiResult<Json<wire::RestartResult>> {
        auth.0.require(Role::Operator)?;
        let result = maintenance::restart(&self.state.db, &auth.0.name).await?;
        Ok(Json(result))
    }
}

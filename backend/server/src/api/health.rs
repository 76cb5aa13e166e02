//! `/healthz` (the process answers) and `/readyz` (database reachable, migrations applied).

use longjobs_openapi::{Health, Readiness};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::Tag;
use crate::state::AppState;

pub struct HealthApi {
    pub state: AppState,
}

#[derive(ApiResponse)]
pub enum ReadyResponse {
    /// Ready to serve.
    #[oai(status = 200)]
    Ready(Json<Readiness>),
    /// Not ready: the body says why.
    #[oai(status = 503)]
    NotReady(Json<Readiness>),
}

#[OpenApi(tag = "Tag::Health")]
impl HealthApi {
    /// Is the process up?
    ///
    /// Answers as long as the server runs; needs no token and touches no database.
    #[oai(path = "/healthz", method = "get", operation_id = "health")]
    async fn health(&self) -> Json<Health> {
        Json(Health {
            status: "ok".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        })
    }

    /// Can the server do its work?
    ///
    /// Checks that the database answers and that every migration is applied; needs no token.
    #[oai(path = "/readyz", method = "get", operation_id = "ready")]
    async fn ready(&self) -> ReadyResponse {
        let database = self.state.db.backend().to_string();
        match self.state.db.migrations_up_to_date().await {
            Ok(true) => ReadyResponse::Ready(Json(Readiness {
                status: "ready".into(),
                database,
                database_reachable: true,
                migrations_applied: true,
                detail: None,
            })),
            Ok(false) => ReadyResponse::NotReady(Json(Readiness {
                status: "not_ready".into(),
                database,
                database_reachable: true,
                migrations_applied: false,
                detail: Some("pending migrations: run `longjobs-server migrate`".into()),
            })),
            Err(e) => ReadyResponse::NotReady(Json(Readiness {
                status: "not_ready".into(),
                database,
                database_reachable: false,
                migrations_applied: false,
                detail: Some(e.to_string()),
            })),
        }
    }
}

//! longjobs server: the REST API, authentication, the OpenAPI document and Swagger UI.

pub mod allow;
pub mod api;
pub mod app;
pub mod auth;
pub mod bootstrap;
pub mod console;
pub mod error;
pub mod idle;
pub mod metrics;
pub mod policy;
pub mod request_text;
pub mod serve;
pub mod spec;
pub mod state;

pub use app::{HttpOptions, app};
pub use state::AppState;

/// The OpenAPI document the code generates (committed as `openapi/openapi.json`).
pub fn openapi_json(state: AppState) -> String {
    spec::render(&api::service(state))
}

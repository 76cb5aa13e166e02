//! longjobs server: the REST API, authentication, the OpenAPI document and Swagger UI.

pub mod allow; // `Allow` on every 405 answer
pub mod api; // the REST API's handlers: check the caller, convert, call a service, answer
pub mod app; // the HTTP application and the middleware every answer passes through
pub mod auth; // tokens, passwords, roles and the login rate limit
pub mod bootstrap; // the first admin of a brand-new database
pub mod console; // the built console's static files
pub mod error; // ApiError, answered as problem+json
pub mod idle; // a request body that stalls is cut
pub mod metrics; // `GET /metrics` for Prometheus
pub mod policy; // what the API accepts beyond its schema, and the alert limits
pub mod request_text; // a path or query that is not text the database can hold is refused
pub mod serve; // the HTTP listener and its limits
pub mod service; // the rules behind the API: actions, refusals, audit, status and alerts
pub mod spec; // the OpenAPI document as served and committed
pub mod state; // AppState: what every handler shares

pub use app::{HttpOptions, app};
pub use state::AppState;

/// The OpenAPI document the code generates (committed as `openapi/openapi.json`).
pub fn openapi_json(state: AppState) -> String {
    spec::render(&api::service(state))
}

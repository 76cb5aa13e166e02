//! The REST API: one `#[OpenApi]` area per file, combined into one service and spec.

mod audit;
mod auth;
pub mod convert;
mod datasets;
mod events;
mod health;
mod jobs;
mod live;
mod maintenance;
mod merritt;
mod periodic;
mod queues;
mod remotes;
mod stats;
mod tokens;
mod users;
mod workers;
mod zenodo;

use poem_openapi::{OpenApiService, Tags};

use crate::state::AppState;

pub use auth::issue_login;

/// Areas of the API, as grouped in the spec and Swagger UI.
#[derive(Tags)]
pub enum Tag {
    /// Liveness and readiness probes (no token needed).
    Health,
    /// Signing in and who the caller is.
    Auth,
    /// Jobs: list, inspect, enqueue, retry, cancel, discard.
    Jobs,
    /// Queues: counts per state, pause and resume.
    Queues,
    /// The worker registry.
    Workers,
    /// Counts and time series for dashboards.
    Stats,
    /// The log of operator actions.
    Audit,
    /// Users (admin).
    Users,
    /// API tokens for scripts (admin).
    Tokens,
    /// Zenodo copies of dataset versions.
    Zenodo,
    /// Merritt submissions.
    Merritt,
    /// Drain, status and restart around maintenance.
    Maintenance,
    /// Events for the host application: copies and submissions that ended.
    Events,
    /// Periodic jobs (the daily retry, …): schedule, last and next run, run now, pause.
    Periodic,
    /// One dataset (an identifier): its Zenodo copies and Merritt submissions together.
    Datasets,
    /// What changes, pushed as server-sent events to open console pages.
    Live,
}

pub type Apis = (
    health::HealthApi,
    auth::AuthApi,
    jobs::JobsApi,
    queues::QueuesApi,
    workers::WorkersApi,
    stats::StatsApi,
    audit::AuditApi,
    users::UsersApi,
    tokens::TokensApi,
    // poem-openapi implements its trait for tuples of up to 16: the replication areas are
    // one element.
    (
        zenodo::ZenodoApi,
        merritt::MerrittApi,
        datasets::DatasetsApi,
        remotes::RemotesApi,
    ),
    maintenance::MaintenanceApi,
    events::EventsApi,
    periodic::PeriodicApi,
    live::LiveApi,
);

/// The whole API with its OpenAPI document.
pub fn service(state: AppState) -> OpenApiService<Apis, ()> {
    let s = || state.clone();
    OpenApiService::new(
        (
            health::HealthApi { state: s() },
            auth::AuthApi { state: s() },
            jobs::JobsApi { state: s() },
            queues::QueuesApi { state: s() },
            workers::WorkersApi { state: s() },
            stats::StatsApi { state: s() },
            audit::AuditApi { state: s() },
            users::UsersApi { state: s() },
            tokens::TokensApi { state: s() },
            (
                zenodo::ZenodoApi { state: s() },
                merritt::MerrittApi { state: s() },
                datasets::DatasetsApi { state: s() },
                remotes::RemotesApi { state: s() },
            ),
            maintenance::MaintenanceApi { state: s() },
            events::EventsApi { state: s() },
            periodic::PeriodicApi { state: s() },
            live::LiveApi { state: s() },
        ),
        "longjobs",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "The durable job queue of a research-data repository: jobs, queues, workers, \
         statistics and the audit log. Every operation except login, health and this \
         document needs `Authorization: Bearer <token>` (a login JWT or an `lj_` API token). \
         Errors are `application/problem+json` (RFC 7807).",
    )
}

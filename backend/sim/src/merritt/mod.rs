//! The simulated Merritt ingest service, served under `/merritt`.
//!
//! - `POST /merritt/object/update`: multipart form with `file` (a manifest, see [`manifest`]),
//!   `profile`, `localIdentifier`, `submitter` (all required) and `responseForm` (the answer
//!   is JSON whatever it says). 200 with a batch state; 400 for a missing field or a bad
//!   manifest; 401 when basic auth is configured and not given.
//! - `GET /merritt/api/:collection/local_id_search?terms=<local id>`: once the submission's
//!   delay has passed, 200 with the object (`ark`, `versions`, ...); before that, or for an
//!   unknown id, Merritt's own "nothing found": 201 with `{}`. Any collection name is accepted.

pub mod error;
pub mod ingest;
pub mod manifest;
pub mod search;
pub mod store;
pub mod verify;

use std::sync::Arc;

use poem::web::headers::authorization::Basic;
use poem::web::headers::{Authorization, HeaderMapExt};
use poem::{EndpointExt, Request, Route, get, post};

use self::error::MerrittError;
use crate::fault_injection::FaultInjection;
use crate::routes;
use crate::state::Sim;

/// The routes under `/merritt`, each wrapped in its fault injection.
pub fn routes(sim: &Arc<Sim>) -> Route {
    Route::new()
        .at(
            "/object/update",
            post(ingest::update.with(FaultInjection::new(routes::MERRITT_UPDATE, sim))),
        )
        .at(
            "/api/:collection/local_id_search",
            get(search::local_id_search.with(FaultInjection::new(routes::MERRITT_SEARCH, sim))),
        )
}

/// Checks basic auth when the simulator is configured to demand it.
pub fn authorize(req: &Request, sim: &Sim) -> Result<(), MerrittError> {
    let Some(expected) = &sim.config.merritt_auth else {
        return Ok(());
    };
    match req.headers().typed_get::<Authorization<Basic>>() {
        Some(Authorization(given))
            if given.username() == expected.user && given.password() == expected.password =>
        {
            Ok(())
        }
        _ => Err(MerrittError::unauthorized()),
    }
}

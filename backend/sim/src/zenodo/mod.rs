//! The simulated Zenodo deposit API, served under `/zenodo`.
//!
//! Every call needs the configured token as `?access_token=` (or `Authorization: Bearer`).
//! Status codes follow Zenodo (invenio-deposit and invenio-files-rest): create and
//! newversion 201, edit and discard 201, publish 202, metadata update 200, bucket upload 200,
//! deletions 204.

pub mod buckets;
pub mod depositions;
pub mod error;
pub mod metadata;
pub mod render;
pub mod store;

use std::sync::Arc;

use poem::http::header;
use poem::{EndpointExt, Request, Route, post, put};

use self::error::ZenodoError;
use crate::fault_injection::FaultInjection;
use crate::routes;
use crate::state::Sim;

/// The routes under `/zenodo`, each wrapped in its fault injection.
pub fn routes(sim: &Arc<Sim>) -> Route {
    let faults = |route| FaultInjection::new(route, sim);
    Route::new()
        .at(
            "/api/deposit/depositions",
            post(depositions::create.with(faults(routes::ZENODO_CREATE)))
                .get(depositions::list.with(faults(routes::ZENODO_LIST))),
        )
        .at(
            "/api/deposit/depositions/:id",
            poem::get(depositions::get.with(faults(routes::ZENODO_GET)))
                .put(depositions::update.with(faults(routes::ZENODO_UPDATE)))
                .delete(depositions::delete.with(faults(routes::ZENODO_DELETE))),
        )
        .at(
            "/api/deposit/depositions/:id/actions/publish",
            post(depositions::publish.with(faults(routes::ZENODO_PUBLISH))),
        )
        .at(
            "/api/deposit/depositions/:id/actions/edit",
            post(depositions::edit.with(faults(routes::ZENODO_EDIT))),
        )
        .at(
            "/api/deposit/depositions/:id/actions/newversion",
            post(depositions::new_version.with(faults(routes::ZENODO_NEWVERSION))),
        )
        .at(
            "/api/deposit/depositions/:id/actions/discard",
            post(depositions::discard.with(faults(routes::ZENODO_DISCARD))),
        )
        .at(
            "/api/files/:bucket_id/*key",
            put(buckets::upload.with(faults(routes::ZENODO_UPLOAD)))
                .delete(buckets::delete_file.with(faults(routes::ZENODO_DELETE_FILE))),
        )
}

/// Checks the access token: `?access_token=` first, then `Authorization: Bearer`.
pub fn authorize(req: &Request, sim: &Sim) -> Result<(), ZenodoError> {
    let expected = sim.config.zenodo_token.as_str();
    let from_query = req.uri().query().and_then(|query| {
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == "access_token")
            .map(|(_, value)| value.into_owned())
    });
    let from_header = req
        .headers()
        .get(header::AUTHORIZATION)
        // A header that is not visible ASCII cannot hold the token: treat it as absent.
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(|token| token.trim().to_owned());
    match from_query.or(from_header) {
        Some(token) if token == expected => Ok(()),
        _ => Err(ZenodoError::unauthorized()),
    }
}

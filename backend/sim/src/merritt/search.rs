//! Handler of `GET /merritt/api/:collection/local_id_search?terms=<local id>`.

use std::sync::Arc;

use chrono::Utc;
use poem::http::StatusCode;
use poem::web::Data;
use poem::{Request, Response, handler};

use super::authorize;
use super::error::MerrittError;
use crate::state::Sim;

/// Merritt ignores search terms shorter than this.
const MIN_TERM_LEN: usize = 4;

/// 200 with the object once ingested; Merritt's "nothing found" otherwise: 201 with `{}`.
#[handler]
pub async fn local_id_search(
    req: &Request,
    Data(sim): Data<&Arc<Sim>>,
) -> Result<Response, MerrittError> {
    authorize(req, sim)?;
    let terms = req
        .uri()
        .query()
        .and_then(|query| {
            url::form_urlencoded::parse(query.as_bytes())
                .find(|(name, _)| name == "terms")
                .map(|(_, value)| value.trim().to_owned())
        })
        .filter(|terms| terms.len() >= MIN_TERM_LEN);
    let found = terms.and_then(|terms| sim.world().merritt.find(&terms, Utc::now()));
    let (status, body) = match found {
        Some(object) => (
            StatusCode::OK,
            serde_json::to_string(&object)
                .map_err(|error| MerrittError::internal(error.to_string()))?,
        ),
        None => (StatusCode::CREATED, "{}".to_owned()),
    };
    Ok(Response::builder()
        .status(status)
        .content_type("application/json")
        .body(body))
}

//! Handlers of `/api/deposit/depositions[/:id[/actions/…]]`.

use std::sync::Arc;

use chrono::Utc;
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Body, Request, Response, handler};
use serde_json::{Map, Value};

use super::authorize;
use super::error::{FieldError, ZenodoError};
use super::render;
use super::store::ZenodoStore;
use crate::state::Sim;

/// A JSON answer.
pub fn json_response(status: StatusCode, value: &Value) -> Response {
    Response::builder()
        .status(status)
        .content_type("application/json")
        .body(value.to_string())
}

fn parse_id(raw: &str) -> Result<u64, ZenodoError> {
    raw.parse().map_err(|_| ZenodoError::no_such_deposition())
}

/// The request body as a JSON object; an empty body counts as `{}`.
async fn json_object(body: Body) -> Result<Map<String, Value>, ZenodoError> {
    let bytes = body
        .into_bytes()
        .await
        .map_err(|error| ZenodoError::bad_request(format!("Could not read the body: {error}")))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ZenodoError::bad_request("The body must be a JSON object.")),
        Err(error) => Err(ZenodoError::bad_request(format!(
            "The browser (or proxy) sent a request that this server could not understand: {error}"
        ))),
    }
}

/// `metadata` of a body, which must be an object when present.
fn metadata_of(mut body: Map<String, Value>) -> Result<Option<Map<String, Value>>, ZenodoError> {
    match body.remove("metadata") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(metadata)) => Ok(Some(metadata)),
        Some(_) => Err(ZenodoError::validation(vec![FieldError::field(
            "metadata",
            "Not a valid mapping type.",
        )])),
    }
}

/// Renders deposition `id` with `status`, after `action` changed the store.
fn answer(
    sim: &Sim,
    status: StatusCode,
    action: impl FnOnce(&mut ZenodoStore) -> Result<u64, ZenodoError>,
) -> Result<Response, ZenodoError> {
    let mut world = sim.world();
    let id = action(&mut world.zenodo)?;
    let deposition = world.zenodo.get(id)?;
    let body = render::deposition(&world.zenodo, deposition, &sim.zenodo_url());
    Ok(json_response(status, &body))
}

/// `POST /api/deposit/depositions` with `{}` or `{"metadata": {...}}` → 201.
#[handler]
pub async fn create(
    req: &Request,
    body: Body,
    Data(sim): Data<&Arc<Sim>>,
) -> Result<Response, ZenodoError> {
    authorize(req, sim)?;
    let metadata = metadata_of(json_object(body).await?)?.unwrap_or_default();
    answer(sim, StatusCode::CREATED, |store| {
        Ok(store.create(metadata, Utc::now()))
    })
}

/// Most depositions one page lists when `size` is not given (Zenodo's default page size).
pub const DEFAULT_PAGE_SIZE: usize = 10;

/// `GET /api/deposit/depositions` → 200 with the depositions of the account, as Zenodo's
/// REST API documentation, "Deposit › List" (https://developers.zenodo.org/#list) describes
/// its query arguments: `status` (`draft` or `published`; a reopened published deposition is
/// `published`), `sort` (`mostrecent` is newest first, `-mostrecent` oldest first; anything
/// else is by id), `page` (from 1) and `size` ([`DEFAULT_PAGE_SIZE`] when absent). `q` is not
/// searched: it is refused rather than ignored, so a client relying on it finds out here.
#[handler]
pub async fn list(req: &Request, Data(sim): Data<&Arc<Sim>>) -> Result<Response, ZenodoError> {
    authorize(req, sim)?;
    let mut status = None;
    let mut newest_first = false;
    let mut page = 1usize;
    let mut size = DEFAULT_PAGE_SIZE;
    for (name, value) in url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()) {
        let number = |what: &str| {
            value
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| {
                    ZenodoError::bad_request(format!("{what} must be a positive integer."))
                })
        };
        match name.as_ref() {
            "status" => match value.as_ref() {
                "draft" => status = Some(false),
                "published" => status = Some(true),
                other => {
                    return Err(ZenodoError::bad_request(format!(
                        "Invalid status {other:?}: draft or published."
                    )));
                }
            },
            "sort" => newest_first = value == "mostrecent",
            "page" => page = number("page")?,
            "size" => size = number("size")?,
            "q" if !value.is_empty() => {
                return Err(ZenodoError::bad_request(
                    "The simulator does not search (q); list by status and sort instead.",
                ));
            }
            _ => {}
        }
    }
    let world = sim.world();
    let zenodo_url = sim.zenodo_url();
    let mut all: Vec<&super::store::Deposition> = world
        .zenodo
        .depositions()
        .filter(|deposition| status.is_none_or(|published| deposition.submitted == published))
        .collect();
    if newest_first {
        all.sort_by_key(|deposition| std::cmp::Reverse((deposition.created, deposition.id)));
    }
    let shown: Vec<Value> = all
        .into_iter()
        .skip((page - 1).saturating_mul(size))
        .take(size)
        .map(|deposition| render::deposition(&world.zenodo, deposition, &zenodo_url))
        .collect();
    Ok(json_response(StatusCode::OK, &Value::Array(shown)))
}

/// `GET /api/deposit/depositions/:id` → 200.
#[handler]
pub async fn get(
    req: &Request,
    Path(id): Path<String>,
    Data(sim): Data<&Arc<Sim>>,
) -> Result<Response, ZenodoError> {
    authorize(req, sim)?;
    let id = parse_id(&id)?;
    answer(sim, StatusCode::OK, |_| Ok(id))
}

/// `PUT /api/deposit/depositions/:id` with `{"metadata": {...}}` → 200, or 400 naming the
/// missing or invalid fields.
#[handler]
pub async fn update(
    req: &Request,
    Path(id): Path<String>,
    body: Body,
    Data(sim): Data<&Arc<Sim>>,
) -> Result<Response, ZenodoError> {
    authorize(req, sim)?;
    let id = parse_id(&id)?;
    let metadata = metadata_of(json_object(body).await?)?.ok_or_else(|| {
        ZenodoError::validation(vec![FieldError::field(
            "metadata",
            "Missing data for required field.",
        )])
    })?;
    answer(sim, StatusCode::OK, |store| {
        store.update_metadata(id, metadata, Utc::now())?;
        Ok(id)
    })
}

/// `DELETE /api/deposit/depositions/:id` → 204; 403 once published.
#[handler]
pub async fn delete(
    req: &Request,
    Path(id): Path<String>,
    Data(sim): Data<&Arc<Sim>>,
) -> Result<Response, ZenodoError> {
    authorize(req, sim)?;
    let id = parse_id(&id)?;
    sim.world().zenodo.delete(id)?;
    Ok(Response::builder().status(StatusCode::NO_CONTENT).finish())
}

/// `POST …/actions/publish` → 202.
#[handler]
pub async fn publish(
    req: &Request,
    Path(id): Path<String>,
    Data(sim): Data<&Arc<Sim>>,
) -> Result<Response, ZenodoError> {
    authorize(req, sim)?;
    let id = parse_id(&id)?;
    answer(sim, StatusCode::ACCEPTED, |store| {
        store.publish(id, Utc::now())?;
        Ok(id)
    })
}

/// `POST …/actions/edit` → 201 (Zenodo answers 201 to every action but publish).
#[handler]
pub async fn edit(
    req: &Request,
    Path(id): Path<String>,
    Data(sim): Data<&Arc<Sim>>,
) -> Result<Response, ZenodoError> {
    authorize(req, sim)?;
    let id = parse_id(&id)?;
    answer(sim, StatusCode::CREATED, |store| {
        store.edit(id, Utc::now())?;
        Ok(id)
    })
}

/// `POST …/actions/discard` → 201.
#[handler]
pub async fn discard(
    req: &Request,
    Path(id): Path<String>,
    Data(sim): Data<&Arc<Sim>>,
) -> Result<Response, ZenodoError> {
    authorize(req, sim)?;
    let id = parse_id(&id)?;
    answer(sim, StatusCode::CREATED, |store| {
        store.discard(id, Utc::now())?;
        Ok(id)
    })
}

/// `POST …/actions/newversion` → 201 with the *original* deposition, whose
/// `links.latest_draft` points at the new draft (fetch that next, as Zenodo clients do).
#[handler]
pub async fn new_version(
    req: &Request,
    Path(id): Path<String>,
    Data(sim): Data<&Arc<Sim>>,
) -> Result<Response, ZenodoError> {
    authorize(req, sim)?;
    let id = parse_id(&id)?;
    answer(sim, StatusCode::CREATED, |store| {
        store.new_version(id, Utc::now())?;
        Ok(id)
    })
}

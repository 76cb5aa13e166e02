//! The file source under `/files`: `GET /files/<name>?size=N&seed=S` streams N deterministic
//! bytes (see [`pattern`]) with a `Content-Length`; `HEAD` answers the headers only. The name
//! is only a name: the bytes depend on size and seed alone.

pub mod pattern;

use std::io;
use std::sync::Arc;

use poem::error::ResponseError;
use poem::http::{StatusCode, header};
use poem::web::Path;
use poem::{Body, EndpointExt, Request, Response, Route, get, handler};

use crate::fault_injection::FaultInjection;
use crate::routes;
use crate::state::Sim;

/// Query parameter with the number of bytes (required).
pub const SIZE_PARAM: &str = "size";
/// Query parameter with the content seed (default 0).
pub const SEED_PARAM: &str = "seed";

/// The routes under `/files`.
pub fn routes(sim: &Arc<Sim>) -> Route {
    Route::new().at(
        "/*name",
        get(serve_file.with(FaultInjection::new(routes::FILES_GET, sim))),
    )
}

/// A request the file source cannot serve: 400 with the reason as plain text.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadFileRequest(String);

impl ResponseError for BadFileRequest {
    fn status(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }
}

/// `(size, seed)` from the query.
fn size_and_seed(req: &Request) -> Result<(u64, u64), BadFileRequest> {
    let mut size = None;
    let mut seed = 0;
    let query = req.uri().query().unwrap_or_default();
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let parsed = || {
            value.parse::<u64>().map_err(|_| {
                BadFileRequest(format!("{name} must be a whole number, got {value:?}"))
            })
        };
        if name == SIZE_PARAM {
            size = Some(parsed()?);
        } else if name == SEED_PARAM {
            seed = parsed()?;
        }
    }
    let size = size
        .ok_or_else(|| BadFileRequest(format!("the {SIZE_PARAM} query parameter is required")))?;
    Ok((size, seed))
}

/// `GET`/`HEAD /files/<name>?size=N&seed=S` → 200 with N bytes.
#[handler]
fn serve_file(req: &Request, Path(name): Path<String>) -> Result<Response, BadFileRequest> {
    let (size, seed) = size_and_seed(req)?;
    let file_name = name.rsplit('/').next().unwrap_or_default().replace('"', "");
    let chunks = futures_util::stream::iter(pattern::chunks(size, seed).map(Ok::<_, io::Error>));
    Ok(Response::builder()
        .content_type("application/octet-stream")
        .header(header::CONTENT_LENGTH, size)
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        )
        .body(Body::from_bytes_stream(chunks)))
}

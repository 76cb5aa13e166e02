//! Handlers of bucket objects, `/api/files/:bucket_id/:key`: streamed uploads and deletions.

use std::sync::Arc;

use chrono::Utc;
use futures_util::StreamExt;
use md5::{Digest, Md5};
use poem::http::{StatusCode, header};
use poem::web::{Data, Path};
use poem::{Body, Request, Response, handler};
use uuid::Uuid;

use super::authorize;
use super::depositions::json_response;
use super::error::{FieldError, ZenodoError};
use super::render;
use super::store::StoredFile;
use crate::state::Sim;

/// Content types by file extension; anything else is `application/octet-stream`.
const MIMETYPES: &[(&str, &str)] = &[
    ("txt", "text/plain"),
    ("md", "text/markdown"),
    ("csv", "text/csv"),
    ("tsv", "text/tab-separated-values"),
    ("json", "application/json"),
    ("xml", "application/xml"),
    ("pdf", "application/pdf"),
    ("zip", "application/zip"),
    ("gz", "application/gzip"),
    ("tar", "application/x-tar"),
];
const DEFAULT_MIMETYPE: &str = "application/octet-stream";

fn mimetype(key: &str) -> &'static str {
    let extension = key
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase());
    MIMETYPES
        .iter()
        .find(|(ext, _)| extension.as_deref() == Some(*ext))
        .map_or(DEFAULT_MIMETYPE, |(_, mime)| mime)
}

/// The declared `Content-Length`: 411 for a body of unannounced length (chunked), 400 when it
/// is not a number. A request with neither header has, by HTTP's rules, an empty body.
fn content_length(req: &Request) -> Result<u64, ZenodoError> {
    let Some(value) = req.headers().get(header::CONTENT_LENGTH) else {
        return if req.headers().contains_key(header::TRANSFER_ENCODING) {
            Err(ZenodoError::length_required())
        } else {
            Ok(0)
        };
    };
    value
        .to_str()
        .map_err(|_| ZenodoError::bad_request("Content-Length is not a number."))?
        .trim()
        .parse()
        .map_err(|_| ZenodoError::bad_request("Content-Length is not a number."))
}

/// Reads the body as it arrives, keeping only its size and md5.
async fn size_and_md5(body: Body) -> Result<(u64, String), ZenodoError> {
    let mut hasher = Md5::new();
    let mut size = 0u64;
    let mut stream = body.into_bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|error| {
            ZenodoError::bad_request(format!("The upload was interrupted: {error}"))
        })?;
        hasher.update(&chunk);
        size += chunk.len() as u64;
    }
    Ok((size, hex::encode(hasher.finalize())))
}

/// The md5 a `corrupt_checksums` fault puts in place of the real one: the md5 of the real
/// one's text, so it is wrong, well-formed and the same every time.
fn corrupt(md5: &str) -> String {
    hex::encode(Md5::digest(md5.as_bytes()))
}

/// `PUT /api/files/:bucket_id/:key` with the raw file as body → 200 with the object
/// (`checksum: "md5:<hex>"`). 411 without `Content-Length`, 400 for an empty file, 404 for an
/// unknown bucket, 403 for a locked (published) one.
#[handler]
pub async fn upload(
    req: &Request,
    Path((bucket_id, key)): Path<(String, String)>,
    body: Body,
    Data(sim): Data<&Arc<Sim>>,
) -> Result<Response, ZenodoError> {
    authorize(req, sim)?;
    let declared = content_length(req)?;
    sim.world().zenodo.writable_bucket(&bucket_id)?;
    if declared == 0 {
        return Err(ZenodoError::validation(vec![FieldError::record(format!(
            "File {key:?} is empty; Zenodo does not accept empty files."
        ))]));
    }
    let (size, md5) = size_and_md5(body).await?;
    if size != declared {
        return Err(ZenodoError::bad_request(format!(
            "The body has {size} bytes but Content-Length said {declared}."
        )));
    }
    let mut world = sim.world();
    // Checked again: the deposition may have been published while the body streamed in.
    world.zenodo.writable_bucket(&bucket_id)?;
    let corrupted = world.faults.take_checksum_corruption();
    let now = Utc::now();
    let file = StoredFile {
        id: Uuid::new_v4().to_string(),
        mimetype: mimetype(&key).to_owned(),
        md5: if corrupted { corrupt(&md5) } else { md5 },
        key,
        size,
        version_id: Uuid::new_v4().to_string(),
        created: now,
        corrupted,
    };
    let body = render::bucket_object(&bucket_id, &file, &sim.zenodo_url());
    world.zenodo.put_file(&bucket_id, file)?;
    Ok(json_response(StatusCode::OK, &body))
}

/// `DELETE /api/files/:bucket_id/:key` → 204; 404 when the file is not there.
#[handler]
pub async fn delete_file(
    req: &Request,
    Path((bucket_id, key)): Path<(String, String)>,
    Data(sim): Data<&Arc<Sim>>,
) -> Result<Response, ZenodoError> {
    authorize(req, sim)?;
    sim.world().zenodo.delete_file(&bucket_id, &key)?;
    Ok(Response::builder().status(StatusCode::NO_CONTENT).finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mimetypes_follow_the_extension() {
        assert_eq!(mimetype("data.CSV"), "text/csv");
        assert_eq!(mimetype("README"), DEFAULT_MIMETYPE);
    }

    #[test]
    fn a_corrupted_md5_differs_from_the_real_one() {
        let real = hex::encode(Md5::digest(b"abc"));
        assert_ne!(corrupt(&real), real);
        assert_eq!(corrupt(&real).len(), 32);
    }
}

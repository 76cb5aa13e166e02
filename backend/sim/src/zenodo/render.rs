//! Zenodo's JSON for depositions and bucket objects, with absolute links on the simulator.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use super::store::{Deposition, StoredFile, ZenodoStore};

/// Owner id put on every deposition (a single simulated user).
const OWNER_ID: u64 = 1;

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, false)
}

/// The legacy deposition resource, as `GET /api/deposit/depositions/:id` answers it.
///
/// `zenodo_url` is the simulated Zenodo's base (`http://127.0.0.1:PORT/zenodo`). Like Zenodo,
/// `conceptrecid` is a string while `id` and `record_id` are numbers, and `files[].checksum`
/// is bare hex (the bucket answers `md5:<hex>`).
pub fn deposition(store: &ZenodoStore, deposition: &Deposition, zenodo_url: &str) -> Value {
    let id = deposition.id;
    let api = format!("{zenodo_url}/api/deposit/depositions");
    let this = format!("{api}/{id}");
    let latest_draft = store.latest_draft(deposition);
    let mut links = json!({
        "self": this,
        "html": format!("{zenodo_url}/deposit/{id}"),
        "bucket": format!("{zenodo_url}/api/files/{}", deposition.bucket_id),
        "files": format!("{this}/files"),
        "edit": format!("{this}/actions/edit"),
        "publish": format!("{this}/actions/publish"),
        "discard": format!("{this}/actions/discard"),
        "newversion": format!("{this}/actions/newversion"),
        "latest_draft": format!("{api}/{latest_draft}"),
        "latest_draft_html": format!("{zenodo_url}/deposit/{latest_draft}"),
    });
    let mut metadata = deposition.metadata.clone();
    metadata.insert(
        "prereserve_doi".to_owned(),
        json!({"doi": deposition.prereserved_doi(), "recid": id}),
    );
    let mut body = json!({
        "id": id,
        "record_id": id,
        "conceptrecid": deposition.conceptrecid.to_string(),
        "owner": OWNER_ID,
        "created": timestamp(deposition.created),
        "modified": timestamp(deposition.modified),
        "state": deposition.state.as_str(),
        "submitted": deposition.submitted,
        "title": deposition.metadata.get("title").and_then(Value::as_str).unwrap_or_default(),
        "metadata": Value::Object(metadata),
        "files": deposition
            .files
            .iter()
            .map(|file| deposition_file(deposition, file, zenodo_url))
            .collect::<Vec<_>>(),
        "links": Value::Null,
    });
    if deposition.submitted {
        let doi = deposition.doi();
        let latest = store
            .latest_published(deposition.conceptrecid)
            .unwrap_or(id);
        if let Value::Object(map) = &mut links {
            extend(
                map,
                json!({
                    "record": format!("{zenodo_url}/api/records/{id}"),
                    "record_html": format!("{zenodo_url}/record/{id}"),
                    "latest": format!("{zenodo_url}/api/records/{latest}"),
                    "latest_html": format!("{zenodo_url}/record/{latest}"),
                    "doi": format!("https://doi.org/{doi}"),
                }),
            );
        }
        if let Value::Object(map) = &mut body {
            extend(
                map,
                json!({
                    "doi": doi,
                    "doi_url": format!("https://doi.org/{doi}"),
                    "conceptdoi": deposition.concept_doi(),
                }),
            );
        }
    }
    body["links"] = links;
    body
}

fn extend(map: &mut Map<String, Value>, more: Value) {
    if let Value::Object(more) = more {
        map.extend(more);
    }
}

fn deposition_file(deposition: &Deposition, file: &StoredFile, zenodo_url: &str) -> Value {
    json!({
        "id": file.id,
        "filename": file.key,
        "filesize": file.size,
        "checksum": file.md5,
        "links": {
            "self": format!("{zenodo_url}/api/deposit/depositions/{}/files/{}", deposition.id, file.id),
            "download": format!("{zenodo_url}/api/files/{}/{}", deposition.bucket_id, file.key),
        },
    })
}

/// The bucket object resource, as `PUT /api/files/:bucket/:key` answers it.
pub fn bucket_object(bucket_id: &str, file: &StoredFile, zenodo_url: &str) -> Value {
    let this = format!("{zenodo_url}/api/files/{bucket_id}/{}", file.key);
    json!({
        "key": file.key,
        "size": file.size,
        "checksum": format!("md5:{}", file.md5),
        "mimetype": file.mimetype,
        "version_id": file.version_id,
        "created": timestamp(file.created),
        "updated": timestamp(file.created),
        "is_head": true,
        "delete_marker": false,
        "links": {
            "self": this,
            "version": format!("{this}?versionId={}", file.version_id),
            "uploads": format!("{this}?uploads"),
        },
    })
}

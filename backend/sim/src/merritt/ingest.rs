//! Handler of `POST /merritt/object/update`: takes a manifest and queues its ingest.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Utc;
use poem::web::{Data, Multipart};
use poem::{Request, Response, handler};
use serde_json::json;

use super::error::MerrittError;
use super::store::NewSubmission;
use super::{authorize, manifest, verify};
use crate::state::Sim;

/// Namespace Merritt puts on batch states.
const BATCH_NAMESPACE: &str = "http://uc3.cdlib.org/ontology/mrt/ingest/batch";
/// Why a `merritt_fail_next` fault fails an ingest.
const FAULT_FAILURE: &str = "simulated ingest failure (merritt_fail_next)";
/// Form fields besides `file` that must be present and non-empty.
const REQUIRED_FIELDS: &[&str] = &["profile", "localIdentifier", "submitter"];

/// Multipart form → 200 `{"bat:batchState": {"bat:batchID": "bid-…", "bat:batchStatus":
/// "QUEUED", …}}`. The ingest completes (or fails) after the configured delay.
#[handler]
pub async fn update(
    req: &Request,
    multipart: poem::Result<Multipart>,
    Data(sim): Data<&Arc<Sim>>,
) -> Result<Response, MerrittError> {
    authorize(req, sim)?;
    let mut multipart = multipart.map_err(|error| {
        MerrittError::bad_request(format!("expected a multipart form: {error}"))
    })?;
    let mut fields = BTreeMap::new();
    let mut manifest_text = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|error| MerrittError::bad_request(format!("unreadable form: {error}")))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let text = field
            .text()
            .await
            .map_err(|error| MerrittError::bad_request(format!("field {name}: {error}")))?;
        if name == "file" {
            manifest_text = Some(text);
        } else {
            fields.insert(name, text);
        }
    }
    let manifest_text =
        manifest_text.ok_or_else(|| MerrittError::bad_request("missing form field: file"))?;
    let mut value = |name: &str| {
        fields
            .remove(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| MerrittError::bad_request(format!("missing form field: {name}")))
    };
    let [profile, local_id, submitter] = [
        value(REQUIRED_FIELDS[0])?,
        value(REQUIRED_FIELDS[1])?,
        value(REQUIRED_FIELDS[2])?,
    ];
    let mut files = manifest::parse(&manifest_text)
        .map_err(|error| MerrittError::bad_request(format!("invalid manifest: {error}")))?;
    let verification = verify::check_local_files(&mut files, &sim.base_url).await;

    let now = Utc::now();
    let submission = {
        let mut world = sim.world();
        let delay = world
            .faults
            .merritt_ingest_delay()
            .unwrap_or(sim.config.merritt_delay);
        let delay = chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX);
        let fault = world
            .faults
            .take_merritt_failure()
            .then(|| FAULT_FAILURE.to_owned());
        world.merritt.submit(
            NewSubmission {
                local_id,
                profile,
                submitter,
                files,
                failure: verification.or(fault),
            },
            now,
            now + delay,
        )
    };
    tracing::info!(
        batch = %submission.batch_id,
        local_id = %submission.local_id,
        failure = ?submission.failure,
        "merritt submission queued"
    );
    let body = json!({"bat:batchState": {
        "xmlns:bat": BATCH_NAMESPACE,
        "bat:batchID": submission.batch_id,
        "bat:updateFlag": true,
        "bat:batchStatus": "QUEUED",
        "bat:userAgent": submission.submitter,
        "bat:submissionDate": submission.received.to_rfc3339(),
        "bat:jobStates": "",
    }});
    Ok(Response::builder()
        .content_type("application/json")
        .body(body.to_string()))
}

//! The dataset a replication job works for: read from its copy or submission, linked to the
//! dataset page.

use leptos::prelude::*;
use serde_json::Value;

use crate::api;
use crate::pages::DatasetLink;
use crate::poll::use_polled;

/// A "Dataset" line of the job's facts, for `zenodo.*` jobs (their copy's identifier) and
/// `merritt.*` jobs (their submission's); nothing for other jobs.
#[component]
pub fn JobDataset(kind: String, payload: Value) -> impl IntoView {
    let id = |key: &str| payload.get(key).and_then(Value::as_i64);
    let line = |identifier: Option<String>| {
        identifier.map(|i| view! { <dt>"Dataset"</dt><dd><DatasetLink identifier=i /></dd> })
    };
    if kind.starts_with("zenodo.")
        && let Some(n) = id("copy_id")
    {
        let copy = use_polled(None, move || api::zenodo::get(n));
        return (move || {
            line(
                copy.data
                    .with(|d| d.as_ref().map(|d| d.copy.identifier.clone())),
            )
        })
        .into_any();
    }
    if kind.starts_with("merritt.")
        && let Some(n) = id("submission_id")
    {
        let sub = use_polled(None, move || api::merritt::get(n));
        return (move || line(sub.data.with(|d| d.as_ref().map(|s| s.identifier.clone()))))
            .into_any();
    }
    ().into_any()
}

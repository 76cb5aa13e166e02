//! `/datasets/:id`: one dataset (an identifier, e.g. a DOI) — its Zenodo copies and its
//! Merritt submissions together, each linked to its page and job.

mod tables;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::{self, encode};
use crate::components::ErrorNotice;
use crate::poll::{REFRESH, use_polled};
use tables::{DatasetCopies, DatasetSubmissions};

/// The dataset page's address for `identifier`.
pub fn dataset_href(identifier: &str) -> String {
    format!("/datasets/{}", encode(identifier))
}

/// A link to the dataset page of `identifier`, reading as the identifier.
#[component]
pub fn DatasetLink(identifier: String) -> impl IntoView {
    view! {
        <a class="mono" href=dataset_href(&identifier) data-testid="dataset-link"
            title="This dataset's Zenodo copies and Merritt submissions">{identifier.clone()}</a>
    }
}

/// The identifier's copies and submissions, refreshed every 5 s.
#[component]
pub fn DatasetPage() -> impl IntoView {
    let params = use_params_map();
    // The route holds the identifier percent-encoded (DOIs have slashes).
    let identifier = Memo::new(move |_| {
        params.with(|p| p.get("id")).map(|raw| {
            js_sys::decode_uri_component(&raw)
                .map(String::from)
                .unwrap_or(raw)
        })
    });
    let dataset = use_polled(Some(REFRESH), move || {
        api::datasets::get(&identifier.get().unwrap_or_default())
    });
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/zenodo">"Zenodo copies"</a>
            <span aria-hidden="true">" / "</span>
            <a href="/merritt">"Merritt queue"</a>
            <span aria-hidden="true">" / "</span>
            <span aria-current="page">"Dataset"</span>
        </nav>
        <div class="page-header">
            <div>
                <h1>"Dataset " <span class="mono kind-title" data-testid="dataset-identifier">{move || identifier.get().unwrap_or_default()}</span></h1>
                <p class="subtitle">"Its Zenodo copies and its Merritt submissions, oldest first."</p>
            </div>
            <span class="live" aria-hidden="true">"Live"</span>
        </div>
        <ErrorNotice error=dataset.error />
        {move || dataset.data.get().map(|d| view! {
            <DatasetCopies copies=d.copies identifier=d.identifier.clone() />
            <DatasetSubmissions submissions=d.submissions />
        })}
    }
}

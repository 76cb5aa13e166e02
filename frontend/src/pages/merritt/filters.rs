//! The Merritt queue's filter bar: search by identifier (DOI) or ARK, and states.

use leptos::prelude::*;
use longjobs_openapi::SubmissionState;

use crate::components::{FilterBar, StateFilter, TextField, edit_query, url_text};
use crate::query::{Listing, SubmissionsQuery, non_blank};

/// Every change is handed to `on_change` as the new query (the page puts it in the URL),
/// from its first page.
#[component]
pub fn SubmissionsFilters(
    #[prop(into)] query: Signal<SubmissionsQuery>,
    #[prop(into)] on_change: Callback<SubmissionsQuery>,
) -> impl IntoView {
    let search = url_text(query, |q| q.search.clone());
    let change = move |edit: &dyn Fn(&mut SubmissionsQuery)| edit_query(query, on_change, edit);
    let apply_text = Callback::new(move |()| {
        change(&|q| q.search = non_blank(&search.get_untracked()));
    });
    let states = move || {
        view! {
            <StateFilter
                id_prefix="submission-state-"
                class_prefix="chip-submission-"
                spaced=true
                chosen=Signal::derive(move || query.with(|q| q.states.clone()))
                on_change=Callback::new(move |states: Vec<SubmissionState>| change(&|q| q.states = states.clone()))
                on_clear=Callback::new(move |()| on_change.run(query.get_untracked().cleared()))
            />
        }
    };
    view! {
        <FilterBar label="Filter submissions" on_apply=apply_text states=states>
            <TextField id="filter-submission-search" label="Identifier, DOI or ARK" kind="search" grow=true
                placeholder="e.g. dryad.8w9ghx3q1" value=search on_change=apply_text />
        </FilterBar>
    }
}

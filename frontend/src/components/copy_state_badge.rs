//! A Zenodo copy state as a coloured badge.

use leptos::prelude::*;
use longjobs_openapi::CopyState;

/// The copy state's name in a badge coloured by state (the colour is never the only cue).
#[component]
pub fn CopyStateBadge(state: CopyState) -> impl IntoView {
    let name = state.as_str();
    view! { <span class=format!("badge copy-{name}")>{name}</span> }
}

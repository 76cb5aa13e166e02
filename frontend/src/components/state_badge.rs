//! A job state as a coloured badge.

use leptos::prelude::*;
use longjobs_openapi::JobState;

/// The state's name in a badge coloured by state (the colour is never the only cue).
#[component]
pub fn StateBadge(state: JobState) -> impl IntoView {
    let name = state.as_str();
    view! { <span class=format!("badge state-{name}")>{name}</span> }
}

//! A Merritt submission state as a coloured badge.

use leptos::prelude::*;
use longjobs_openapi::SubmissionState;

/// The submission state's name (underscores as spaces) in a badge coloured by state.
#[component]
pub fn SubmissionStateBadge(state: SubmissionState) -> impl IntoView {
    let name = state.as_str();
    view! { <span class=format!("badge submission-{name}")>{name.replace('_', " ")}</span> }
}

//! A Merritt submission's state history.

use leptos::prelude::*;
use longjobs_openapi::SubmissionStateEntry;

use super::{SubmissionStateBadge, TimeCell};

/// The `<li>` of each state the submission went through: badge, host, when and note
/// (`tagged`: each carries its state in `data-state`).
#[component]
pub fn SubmissionHistory(
    history: Vec<SubmissionStateEntry>,
    #[prop(optional)] tagged: bool,
) -> impl IntoView {
    history
        .into_iter()
        .map(|h| {
            view! {
                <li data-state=tagged.then(|| h.state.as_str())>
                    <SubmissionStateBadge state=h.state />
                    " " <span class="mono small">{h.host}</span>
                    " " <TimeCell time=h.at compact=true />
                    {h.note.map(|n| view! { <div class="muted small">{n}</div> })}
                </li>
            }
        })
        .collect_view()
}

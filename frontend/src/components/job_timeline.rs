//! A job's error history as a timeline.

use leptos::prelude::*;
use longjobs_openapi::JobHistoryEntry;

use crate::components::TimeCell;

/// Error history entries (errors, rescues, hand-backs, operator actions), newest first.
#[component]
pub fn JobTimeline(entries: Vec<JobHistoryEntry>) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p class="muted">"No errors, rescues or operator actions recorded."</p> }
            .into_any();
    }
    let items = entries
        .into_iter()
        .rev()
        .map(|e| {
            let kind = e.kind.clone();
            view! {
                <li class=format!("timeline-item kind-{kind}") data-kind=kind.clone()>
                    <div class="timeline-head">
                        <span class=format!("badge history-{kind}")>{kind.replace('_', " ")}</span>
                        <span class="muted small">{format!("attempt {}", e.attempt)}</span>
                        <TimeCell time=e.at />
                        {e.worker.map(|w| view! { <span class="muted small mono">{w}</span> })}
                    </div>
                    <pre class="timeline-message">{e.message}</pre>
                </li>
            }
        })
        .collect_view();
    view! { <ol class="timeline" data-testid="job-history">{items}</ol> }.into_any()
}

//! The Merritt queue's status block: hold state, counts and alerts.

use leptos::prelude::*;
use longjobs_openapi::MerrittStatus;

use crate::components::{StatCard, TimeCell};
use crate::format;

/// Hold state, counts and alerts.
#[component]
pub fn StatusBlock(status: MerrittStatus) -> impl IntoView {
    let n = |v: i64| Signal::stored(format::count(v));
    view! {
        <section class="card" aria-labelledby="merritt-status-title" data-testid="merritt-status" data-held=status.held.to_string()>
            <div class="card-header">
                <h2 id="merritt-status-title">"Queue status"</h2>
                <span class="hold-state">
                    <span class=if status.held { "badge badge-warn" } else { "badge badge-active" } data-testid="hold-state">
                        {if status.held { "held" } else { "accepting submissions" }}
                    </span>
                    {status.held_since.map(|t| view! { " since " <TimeCell time=t compact=true /> })}
                    {status.held_by.clone().map(|b| format!(" by {b}"))}
                </span>
            </div>
            <div class="stat-grid stat-grid-tight">
                <StatCard label="In flight" value=n(status.queue_length) />
                <StatCard label="Enqueued" value=n(status.enqueued) tone="available" />
                <StatCard label="Processing" value=n(status.processing) tone="running" />
                <StatCard label="Provisional" value=n(status.provisional_complete) tone="scheduled" />
                <StatCard label="Completed 24 h" value=n(status.completed_last_24h) tone="completed" />
                <StatCard label="Held" value=n(status.rejected_shutting_down) tone="retryable" />
                <StatCard label="Errored" value=n(status.errored) tone="discarded" />
            </div>
            <ul class=if status.alerts.is_empty() { "alert-list muted small" } else { "notice notice-warn alert-list" }
                data-testid="merritt-alerts" data-count=status.alerts.len()>
                {if status.alerts.is_empty() { vec!["No alerts.".to_string()] } else { status.alerts.clone() }
                    .into_iter().map(|a| view! { <li>{a}</li> }).collect_view()}
            </ul>
        </section>
    }
}

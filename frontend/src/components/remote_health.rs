//! Whether Zenodo and Merritt answer: the workers' latest probe and the recent calls.

use leptos::prelude::*;
use longjobs_openapi::{LiveTopic, RemoteHealth, RemoteVerdict};

use crate::api;
use crate::components::ErrorNotice;
use crate::poll::use_polled;

fn badge(v: RemoteVerdict) -> (&'static str, &'static str) {
    match v {
        RemoteVerdict::Up => ("up", "badge badge-active"),
        RemoteVerdict::Degraded => ("degraded", "badge badge-warn"),
        RemoteVerdict::Down => ("down", "badge state-discarded"),
        RemoteVerdict::Unknown => ("unknown", "badge state-cancelled"),
    }
}

fn row(r: RemoteHealth) -> impl IntoView {
    let (word, class) = badge(r.verdict);
    let name = if r.service == "zenodo" {
        "Zenodo"
    } else {
        "Merritt"
    };
    view! {
        <dt>{name}</dt>
        <dd data-testid=format!("remote-{}", r.service) data-verdict=word>
            <span class=class>{word}</span>
            " "
            <span class="small">{r.summary}</span>
        </dd>
    }
}

/// A card saying, for each remote service, whether it answers and what that rests on.
#[component]
pub fn RemoteHealthCard() -> impl IntoView {
    let remotes = use_polled(Some(&[LiveTopic::Maintenance]), api::maintenance::remotes);
    view! {
        <section class="card" aria-labelledby="remotes-title">
            <div class="card-header">
                <h2 id="remotes-title">"Zenodo and Merritt"</h2>
                <span class="muted small">"probed by the workers every minute"</span>
            </div>
            <ErrorNotice error=remotes.error />
            <dl class="facts facts-wide" data-testid="remote-health">
                {move || remotes.data.get().map(|all| all.into_iter().map(row).collect_view())}
            </dl>
        </section>
    }
}

//! How long a running job has been running, counting each second.

use std::time::Duration;

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::format;

/// "running for 3 min 12 s" since `since` (the attempt's start), ticking every second.
#[component]
pub fn RunningFor(since: DateTime<Utc>) -> impl IntoView {
    let now = RwSignal::new(format::now());
    if let Ok(handle) =
        set_interval_with_handle(move || now.set(format::now()), Duration::from_secs(1))
    {
        on_cleanup(move || handle.clear());
    }
    let text = move || {
        let secs = (now.get() - since).num_seconds().max(0).unsigned_abs();
        format!("running for {}", format::elapsed(secs))
    };
    view! {
        <span class="muted small nowrap running-for" data-testid="running-for" title=format!("since {} UTC", format::datetime(&since))>
            {text}
        </span>
    }
}

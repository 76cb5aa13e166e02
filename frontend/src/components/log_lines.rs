//! A request log: timestamped lines tagged with their kind.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::format;

/// One line of a request log: when, its kind (`request`, `response`, `error`…) and what it
/// says (`message`, any view).
pub struct LogLine {
    pub at: DateTime<Utc>,
    pub kind: String,
    pub message: AnyView,
}

/// The lines, oldest first, in an `<ol>` with test id `testid` (focusable, so the keyboard
/// scrolls it); `empty` when there are none.
#[component]
pub fn LogLines(lines: Vec<LogLine>, testid: &'static str, empty: &'static str) -> impl IntoView {
    let none = lines.is_empty();
    let items = lines
        .into_iter()
        .map(|l| {
            let kind = l.kind.to_lowercase();
            view! {
                <li class=format!("log-line log-{kind}") data-kind=l.kind.clone()>
                    <span class="log-time mono">{format::datetime(&l.at)}</span>
                    <span class=format!("badge log-badge log-badge-{kind}")>{l.kind.clone()}</span>
                    <span class="log-message">{l.message}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <ol class="copy-log" data-testid=testid tabindex="0">{items}</ol>
        {none.then(|| view! { <p class="muted">{empty}</p> })}
    }
}

//! A timestamp shown as a date with its distance from now.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::format;

/// A `<time>` showing the UTC date and time, with "3 min ago" beneath or as a tooltip.
#[component]
pub fn TimeCell(time: DateTime<Utc>, #[prop(optional)] compact: bool) -> impl IntoView {
    let iso = time.to_rfc3339();
    let full = format::datetime(&time);
    let rel = format::relative(&time);
    let rel_text = rel.clone();
    if compact {
        view! { <time datetime=iso title=format!("{full} UTC")>{rel}</time> }.into_any()
    } else {
        view! {
            <time datetime=iso title=rel.clone()>
                {full}
                <span class="muted small">" " {rel_text}</span>
            </time>
        }
        .into_any()
    }
}

//! The live-updates control in the shell, the badge in page headers and the notice saying
//! plainly when the page is not live.

use leptos::prelude::*;

use crate::format;
use crate::live::{Link, LiveFeed, Mode, use_feed};

/// Live / every 10 s / paused, starting at the remembered mode.
#[component]
pub fn LiveControl() -> impl IntoView {
    let Some(feed) = use_feed() else {
        return ().into_any();
    };
    let current = feed.mode.get_untracked();
    view! {
        <label class="theme-switch live-control">
            <span class="sr-only">"Live updates"</span>
            <select
                class="select-small"
                data-testid="live-mode"
                on:change=move |ev| {
                    if let Some(m) = Mode::parse(&event_target_value(&ev)) {
                        feed.choose(m);
                    }
                }
            >
                {Mode::CHOICES
                    .into_iter()
                    .map(|(mode, value, label)| {
                        view! { <option value=value selected=mode == current>{label}</option> }
                    })
                    .collect_view()}
            </select>
        </label>
    }
    .into_any()
}

/// "Live" while changes arrive as they happen; otherwise what the page does instead.
#[component]
pub fn LiveBadge() -> impl IntoView {
    let Some(feed) = use_feed() else {
        return ().into_any();
    };
    let text = move || match (feed.mode.get(), feed.link.get()) {
        (Mode::Paused, _) => "Paused",
        (Mode::Slow, _) => "Every 10 s",
        (Mode::Live, Link::Lost) => "Reconnecting",
        (Mode::Live, Link::Open) => "Live",
        (Mode::Live, _) => "Connecting",
    };
    let class = move || {
        if feed.is_live() {
            "live"
        } else {
            "live live-off"
        }
    };
    view! { <span class=class data-testid="live-badge" aria-hidden="true">{text}</span> }.into_any()
}

/// Above every page while it is not live: paused, slow, or the connection lost and
/// retrying, with the time of the last update.
#[component]
pub fn LiveNotice() -> impl IntoView {
    let Some(feed) = use_feed() else {
        return ().into_any();
    };
    let state = move || match (feed.mode.get(), feed.link.get()) {
        (Mode::Paused, _) => Some(("paused", "Not live: updates are paused.")),
        (Mode::Slow, _) => Some(("slow", "Not live: the page refreshes every 10 s.")),
        (Mode::Live, Link::Lost) => Some((
            "lost",
            "Not live: the connection to the server was lost; retrying (the page refreshes every 30 s meanwhile).",
        )),
        _ => None,
    };
    (move || {
        state().map(|(key, text)| {
            view! {
                <div class="live-notice" role="status" data-testid="live-notice" data-state=key>
                    <span>{text}</span>
                    " "
                    <LastUpdate feed=feed />
                    {(key != "lost").then(|| view! {
                        <button
                            type="button"
                            class="btn btn-small"
                            on:click=move |_| feed.choose(Mode::Live)
                        >
                            "Go live"
                        </button>
                    })}
                </div>
            }
        })
    })
    .into_any()
}

#[component]
fn LastUpdate(feed: LiveFeed) -> impl IntoView {
    move || {
        let text = feed.last_update.get().map_or_else(
            || "No update yet.".to_string(),
            |t| format!("Last update {} UTC.", format::datetime(&t)),
        );
        view! { <span data-testid="live-last-update">{text}</span> }
    }
}

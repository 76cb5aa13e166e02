//! The shell's theme switch: light, dark or the system's.

use leptos::prelude::*;

use crate::theme;

/// A labelled select of the themes, starting at the stored one; a change applies at once
/// and is remembered.
#[component]
pub fn ThemeSwitch() -> impl IntoView {
    let current = theme::stored();
    view! {
        <label class="theme-switch">
            <span class="sr-only">"Theme"</span>
            <select
                class="select-small"
                data-testid="theme-switch"
                on:change=move |ev| theme::choose(&event_target_value(&ev))
            >
                {theme::CHOICES
                    .into_iter()
                    .map(|(value, label)| {
                        view! { <option value=value selected=value == current>{label}</option> }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

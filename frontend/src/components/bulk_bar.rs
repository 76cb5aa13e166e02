//! Acting on checked rows: the toolbar above a table and a row's checkbox.

use std::collections::BTreeSet;

use leptos::prelude::*;

/// A toolbar of actions on the checked rows: `status` says what is checked, `children` are
/// the buttons. `label` names it; `testid` and `status_testid` are its and the status's
/// test ids.
#[component]
pub fn BulkBar(
    label: &'static str,
    testid: &'static str,
    status_testid: &'static str,
    #[prop(into)] status: Signal<String>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="bulk-bar" role="toolbar" aria-label=label data-testid=testid>
            <span class="bulk-count" data-testid=status_testid>{move || status.get()}</span>
            {children()}
        </div>
    }
}

/// A row's checkbox cell, checked while `id` is in `checked` (or `all` is on, which also
/// disables it).
#[component]
pub fn CheckCell(
    /// The checkbox's accessible name.
    label: String,
    id: i64,
    checked: RwSignal<BTreeSet<i64>>,
    #[prop(optional, into)] all: Signal<bool>,
) -> impl IntoView {
    view! {
        <td class="check">
            <input
                type="checkbox"
                aria-label=label
                prop:checked=move || all.get() || checked.with(|s| s.contains(&id))
                disabled=move || all.get()
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    checked.update(|s| check(s, [id], on));
                }
            />
        </td>
    }
}

/// Checks (`on`) or unchecks `ids`.
pub fn check(checked: &mut BTreeSet<i64>, ids: impl IntoIterator<Item = i64>, on: bool) {
    for id in ids {
        if on {
            checked.insert(id);
        } else {
            checked.remove(&id);
        }
    }
}

//! A card holding a full-width table.

use leptos::prelude::*;

/// A flush card with a scrolling table: `head` gives the header row's cells, `children` the
/// body's rows; under the table "Loading…" while `empty` is `None` (test id
/// `loading_testid`), `empty_text` (test id `empty_testid`) while it is `Some(true)`, then
/// `after` (a pager).
#[component]
pub fn TableCard(
    /// Classes after `table`.
    class: &'static str,
    testid: &'static str,
    #[prop(into)] head: ViewFn,
    #[prop(into)] empty: Signal<Option<bool>>,
    empty_text: &'static str,
    empty_testid: &'static str,
    #[prop(optional)] loading_testid: Option<&'static str>,
    #[prop(optional, into)] after: Option<ViewFn>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="card card-flush">
            <div class="table-wrap">
                <table class=format!("table {class}") data-testid=testid>
                    <thead>
                        <tr>{head.run()}</tr>
                    </thead>
                    <tbody>{children()}</tbody>
                </table>
            </div>
            {move || match empty.get() {
                None => Some(view! { <p class="empty" data-testid=loading_testid>"Loading…"</p> }.into_any()),
                Some(true) => Some(view! { <p class="empty" data-testid=empty_testid>{empty_text}</p> }.into_any()),
                Some(false) => None,
            }}
            {after.map(|a| a.run())}
        </div>
    }
}

/// Plain header cells, one a label.
pub fn column_heads(labels: &[&'static str]) -> impl IntoView + use<> {
    labels
        .iter()
        .map(|&label| view! { <th scope="col">{label}</th> })
        .collect_view()
}

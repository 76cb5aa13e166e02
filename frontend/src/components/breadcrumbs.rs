//! The trail above the page of one item.

use leptos::prelude::*;

/// `List / #12`: the list the item belongs to (`list`, at `href`) and the item's id.
#[component]
pub fn Breadcrumbs(href: &'static str, list: &'static str, id: Memo<Option<i64>>) -> impl IntoView {
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href=href>{list}</a>
            <span aria-hidden="true">" / "</span>
            <span aria-current="page">{move || id.get().map(|i| format!("#{i}")).unwrap_or_default()}</span>
        </nav>
    }
}

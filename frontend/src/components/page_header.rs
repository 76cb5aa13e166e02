//! The title row of a page.

use leptos::prelude::*;

/// A page's `<h1>` with an optional subtitle and, on the right, whatever children it gets
/// (refresh state, actions).
#[component]
pub fn PageHeader(
    title: &'static str,
    #[prop(optional)] subtitle: Option<&'static str>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="page-header">
            <div>
                <h1>{title}</h1>
                {subtitle.map(|s| view! { <p class="subtitle">{s}</p> })}
            </div>
            <div class="page-header-side">{children.map(|c| c())}</div>
        </div>
    }
}

//! A headline number.

use leptos::prelude::*;

/// A labelled figure on the dashboard, tinted by `tone` (a state name or `neutral`).
#[component]
pub fn StatCard(
    label: &'static str,
    #[prop(into)] value: Signal<String>,
    #[prop(default = "neutral")] tone: &'static str,
    #[prop(optional)] href: Option<String>,
) -> impl IntoView {
    let body = view! {
        <span class="stat-label">{label}</span>
        <span class="stat-value">{value}</span>
    };
    match href {
        Some(href) => view! {
            <a class=format!("stat-card tone-{tone}") href=href>{body}</a>
        }
        .into_any(),
        None => view! { <div class=format!("stat-card tone-{tone}")>{body}</div> }.into_any(),
    }
}

//! One entry of the main navigation.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// A navigation link marked `aria-current="page"` while its page (or a page under it) shows.
#[component]
pub fn NavLink(
    href: &'static str,
    label: &'static str,
    #[prop(optional)] exact: bool,
) -> impl IntoView {
    let path = use_location().pathname;
    let active = move || {
        path.with(|p| {
            p == href
                || (!exact
                    && p.strip_prefix(href)
                        .is_some_and(|rest| rest.starts_with('/')))
        })
    };
    view! {
        <li>
            <a href=href aria-current=move || active().then_some("page")>
                {label}
            </a>
        </li>
    }
}

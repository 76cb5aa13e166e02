//! The pager of a listing paged by keyset cursors in the URL.

use leptos::prelude::*;

use crate::query::Listing;

/// "First page", "Previous" (with `previous`: the cursors of the pages seen are remembered,
/// and forgotten when the filters or sort change) and "Next page" (to `next_cursor`, off
/// while there is none); `children` (what the page holds) come first.
#[component]
pub fn KeysetPager<Q: Listing>(
    query: Memo<Q>,
    go: Callback<Q>,
    #[prop(into)] next_cursor: Signal<Option<String>>,
    #[prop(optional)] previous: bool,
    #[prop(optional)] first_testid: Option<&'static str>,
    next_testid: &'static str,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let seen = StoredValue::new(Vec::<Option<String>>::new());
    let filters = Memo::new(move |_| query.with(Q::first_page));
    Effect::new(move |prev: Option<Q>| {
        let key = filters.get();
        if prev.as_ref().is_some_and(|p| *p != key) {
            seen.set_value(Vec::new());
        }
        key
    });
    let first = move |_| {
        seen.set_value(Vec::new());
        go.run(query.get_untracked().first_page());
    };
    let back = move |_| {
        let mut cursor = None;
        seen.update_value(|v| cursor = v.pop());
        if let Some(cursor) = cursor {
            go.run(query.get_untracked().at(cursor));
        }
    };
    let next = move |_| {
        let Some(next) = next_cursor.get_untracked() else {
            return;
        };
        let q = query.get_untracked();
        if previous {
            seen.update_value(|v| v.push(q.cursor().cloned()));
        }
        go.run(q.at(Some(next)));
    };
    view! {
        <nav class="pager" aria-label="Pages">
            {children.map(|c| c())}
            <button type="button" class="btn" on:click=first data-testid=first_testid
                disabled=move || query.with(|q| q.cursor().is_none())>"First page"</button>
            {previous.then(|| view! {
                <button type="button" class="btn" on:click=back
                    disabled=move || { query.track(); seen.with_value(Vec::is_empty) }>"Previous"</button>
            })}
            <button type="button" class="btn" on:click=next data-testid=next_testid
                disabled=move || next_cursor.with(Option::is_none)>"Next page"</button>
        </nav>
    }
}

//! A sortable column header.

use leptos::prelude::*;
use longjobs_openapi::SortOrder;

use crate::query::Listing;

/// A `<th>` whose button sorts by its column, with `aria-sort` and an arrow showing the
/// current direction.
#[component]
pub fn SortHeader(
    label: &'static str,
    /// The direction while the table is sorted by this column, else `None`.
    #[prop(into)]
    sorted: Signal<Option<SortOrder>>,
    #[prop(into)] on_sort: Callback<()>,
    /// Right-aligned, for numbers.
    #[prop(optional)]
    numeric: bool,
) -> impl IntoView {
    view! {
        <th
            scope="col"
            class=if numeric { "num" } else { "" }
            aria-sort=move || match sorted.get() {
                Some(SortOrder::Asc) => "ascending",
                Some(SortOrder::Desc) => "descending",
                None => "none",
            }
        >
            <button type="button" class="sort" on:click=move |_| on_sort.run(())>
                {label}
                <span class="sort-mark" aria-hidden="true">
                    {move || match sorted.get() {
                        Some(SortOrder::Asc) => "▲",
                        Some(SortOrder::Desc) => "▼",
                        None => "",
                    }}
                </span>
            </button>
        </th>
    }
}

/// The header of a listing's column: sorted by `key` (descending first, then toggling) when
/// clicked, through `go`.
pub fn sort_column<Q: Listing>(
    query: Memo<Q>,
    go: Callback<Q>,
    label: &'static str,
    key: Q::Sort,
    numeric: bool,
) -> impl IntoView {
    let sorted = Signal::derive(move || {
        query.with(|q| match q.sort() {
            (sort, order) if sort == key => Some(order),
            _ => None,
        })
    });
    view! {
        <SortHeader
            label=label
            numeric=numeric
            sorted=sorted
            on_sort=Callback::new(move |()| go.run(query.get_untracked().sorted_by(key)))
        />
    }
}

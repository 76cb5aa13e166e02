//! The jobs view's filter bar.

use leptos::prelude::*;
use longjobs_openapi::{JobSort, JobState, SortOrder};

use super::{FilterBar, SelectField, StateFilter, TextField, edit_query, url_text};
use crate::query::{JobsQuery, Listing, Wire, non_blank};

/// Queue, kind, states, text, sort and order; every change is handed to `on_change` as the
/// new query (the page puts it in the URL), from its first page.
#[component]
pub fn JobsFilters(
    #[prop(into)] query: Signal<JobsQuery>,
    /// Queue names to offer.
    #[prop(into)]
    queues: Signal<Vec<String>>,
    #[prop(into)] on_change: Callback<JobsQuery>,
) -> impl IntoView {
    let kind = url_text(query, |q| q.kind.clone());
    let text = url_text(query, |q| q.text.clone());
    let change = move |edit: &dyn Fn(&mut JobsQuery)| edit_query(query, on_change, edit);
    let apply_text = Callback::new(move |()| {
        change(&|q| {
            q.kind = non_blank(&kind.get_untracked());
            q.text = non_blank(&text.get_untracked());
        })
    });

    let queue_options = move || {
        let current = query.with(|q| q.queue.clone());
        let mut names = queues.get();
        if let Some(c) = &current
            && !names.contains(c)
        {
            names.push(c.clone());
        }
        names
            .into_iter()
            .map(|n| {
                let selected = current.as_deref() == Some(n.as_str());
                view! { <option value=n.clone() selected=selected>{n.clone()}</option> }
            })
            .collect_view()
    };
    let sort_options = [
        (JobSort::Id, "ID"),
        (JobSort::CreatedAt, "Created"),
        (JobSort::RunAt, "Run at"),
        (JobSort::Priority, "Priority"),
    ]
    .into_iter()
    .map(|(k, label)| {
        view! {
            <option value=k.wire() selected=move || query.with(|q| q.sort == k)>{label}</option>
        }
    })
    .collect_view();
    let order_option = move |order: SortOrder, label: &'static str| {
        view! {
            <option value=order.wire() selected=move || query.with(|q| q.order == order)>{label}</option>
        }
    };
    let states = move || {
        view! {
            <StateFilter
                id_prefix="state-"
                class_prefix="chip-"
                chosen=Signal::derive(move || query.with(|q| q.states.clone()))
                on_change=Callback::new(move |states: Vec<JobState>| change(&|q| q.states = states.clone()))
                on_clear=Callback::new(move |()| on_change.run(query.get_untracked().cleared()))
            />
        }
    };

    view! {
        <FilterBar label="Filter jobs" on_apply=apply_text states=states>
            <SelectField id="filter-queue" label="Queue"
                on_change=Callback::new(move |v: String| change(&|q| q.queue = Some(v.clone()).filter(|s| !s.is_empty())))>
                <option value="" selected=move || query.with(|q| q.queue.is_none())>"All queues"</option>
                {queue_options}
            </SelectField>
            <TextField id="filter-kind" label="Kind" kind="text" placeholder="any kind" value=kind on_change=apply_text />
            <TextField id="filter-text" label="Text in payload or error" kind="search" grow=true
                placeholder="e.g. doi:10.5061 or timeout" value=text on_change=apply_text />
            <SelectField id="filter-sort" label="Sort by"
                on_change=Callback::new(move |v: String| change(&|q| q.sort = JobSort::parse(&v).unwrap_or_default()))>
                {sort_options}
            </SelectField>
            <SelectField id="filter-order" label="Order"
                on_change=Callback::new(move |v: String| change(&|q| q.order = if v == "asc" { SortOrder::Asc } else { SortOrder::Desc }))>
                {order_option(SortOrder::Desc, "Descending")}
                {order_option(SortOrder::Asc, "Ascending")}
            </SelectField>
        </FilterBar>
    }
}

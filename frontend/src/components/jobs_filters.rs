//! The jobs view's filter bar.

use leptos::prelude::*;
use longjobs_openapi::{JobSort, JobState, SortOrder};

use super::{StateChip, toggle_member};
use crate::jobs_query::{JobsQuery, WireName};

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
    let kind = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    // The URL is the truth: follow it (back button, shared link, "clear filters").
    Effect::new(move |_| {
        let q = query.get();
        kind.set(q.kind.unwrap_or_default());
        text.set(q.text.unwrap_or_default());
    });
    let change = move |f: &dyn Fn(&mut JobsQuery)| {
        let mut q = query.get_untracked().first_page();
        f(&mut q);
        if q != query.get_untracked() {
            on_change.run(q);
        }
    };
    let apply_text = move || {
        change(&|q| {
            q.kind = Some(kind.get_untracked().trim().to_string()).filter(|s| !s.is_empty());
            q.text = Some(text.get_untracked().trim().to_string()).filter(|s| !s.is_empty());
        })
    };

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

    let state_boxes = JobState::ALL
        .into_iter()
        .map(|st| {
            let name = st.as_str();
            view! {
                <StateChip
                    name=name
                    id=format!("state-{name}")
                    class=format!("chip-{name}")
                    checked=Signal::derive(move || query.with(|q| q.states.contains(&st)))
                    on_toggle=Callback::new(move |on: bool| {
                        change(&|q| toggle_member(&mut q.states, st, on))
                    })
                />
            }
        })
        .collect_view();

    let sort_options = [
        (JobSort::Id, "ID"),
        (JobSort::CreatedAt, "Created"),
        (JobSort::RunAt, "Run at"),
        (JobSort::Priority, "Priority"),
    ]
    .into_iter()
    .map(|(k, label)| {
        view! {
            <option value=k.as_str() selected=move || query.with(|q| q.sort == k)>{label}</option>
        }
    })
    .collect_view();

    view! {
        <form
            class="filters card"
            role="search"
            aria-label="Filter jobs"
            on:submit=move |ev| {
                ev.prevent_default();
                apply_text();
            }
        >
            <div class="filters-row">
                <div class="field">
                    <label for="filter-queue">"Queue"</label>
                    <select
                        id="filter-queue"
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            change(&|q| q.queue = Some(v.clone()).filter(|s| !s.is_empty()))
                        }
                    >
                        <option value="" selected=move || query.with(|q| q.queue.is_none())>
                            "All queues"
                        </option>
                        {queue_options}
                    </select>
                </div>
                <div class="field">
                    <label for="filter-kind">"Kind"</label>
                    <input
                        id="filter-kind"
                        type="text"
                        placeholder="any kind"
                        bind:value=kind
                        on:change=move |_| apply_text()
                    />
                </div>
                <div class="field field-grow">
                    <label for="filter-text">"Text in payload or error"</label>
                    <input
                        id="filter-text"
                        type="search"
                        placeholder="e.g. doi:10.5061 or timeout"
                        bind:value=text
                        on:change=move |_| apply_text()
                    />
                </div>
                <div class="field">
                    <label for="filter-sort">"Sort by"</label>
                    <select
                        id="filter-sort"
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            change(&|q| {
                                q.sort = match v.as_str() {
                                    "created_at" => JobSort::CreatedAt,
                                    "run_at" => JobSort::RunAt,
                                    "priority" => JobSort::Priority,
                                    _ => JobSort::Id,
                                }
                            })
                        }
                    >
                        {sort_options}
                    </select>
                </div>
                <div class="field">
                    <label for="filter-order">"Order"</label>
                    <select
                        id="filter-order"
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            change(&|q| {
                                q.order = if v == "asc" { SortOrder::Asc } else { SortOrder::Desc }
                            })
                        }
                    >
                        <option value="desc" selected=move || query.with(|q| q.order == SortOrder::Desc)>
                            "Descending"
                        </option>
                        <option value="asc" selected=move || query.with(|q| q.order == SortOrder::Asc)>
                            "Ascending"
                        </option>
                    </select>
                </div>
                <div class="field field-actions">
                    <button type="submit" class="btn">"Apply"</button>
                </div>
            </div>
            <fieldset class="states">
                <legend>"State"</legend>
                {state_boxes}
                <button
                    type="button"
                    class="btn btn-link"
                    on:click=move |_| {
                        on_change
                            .run(JobsQuery {
                                sort: query.get_untracked().sort,
                                order: query.get_untracked().order,
                                ..JobsQuery::default()
                            })
                    }
                >
                    "Clear filters"
                </button>
            </fieldset>
        </form>
    }
}

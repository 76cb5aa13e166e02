//! The Zenodo copies view's filter bar.

use leptos::prelude::*;
use longjobs_openapi::{CopyState, CopyType};

use super::{StateChip, toggle_member};
use crate::copies_query::CopiesQuery;

/// Identifier, resource id, copy type and states; every change is handed to `on_change` as
/// the new query (the page puts it in the URL), from its newest page.
#[component]
pub fn CopiesFilters(
    #[prop(into)] query: Signal<CopiesQuery>,
    #[prop(into)] on_change: Callback<CopiesQuery>,
) -> impl IntoView {
    let identifier = RwSignal::new(String::new());
    let resource = RwSignal::new(String::new());
    let resource_error = RwSignal::new(None::<String>);
    // The URL is the truth: follow it (back button, shared link, "clear filters").
    Effect::new(move |_| {
        let q = query.get();
        identifier.set(q.identifier.unwrap_or_default());
        resource.set(q.resource_id.map(|r| r.to_string()).unwrap_or_default());
    });
    let change = move |f: &dyn Fn(&mut CopiesQuery)| {
        let mut q = query.get_untracked().first_page();
        f(&mut q);
        if q != query.get_untracked() {
            on_change.run(q);
        }
    };
    let apply_text = move || {
        let r = resource.get_untracked();
        let r = r.trim();
        let resource_id = if r.is_empty() {
            None
        } else {
            match r.parse::<i64>() {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    resource_error.set(Some(format!(
                        "a resource id is a positive whole number, not \"{r}\""
                    )));
                    return;
                }
            }
        };
        resource_error.set(None);
        change(&|q| {
            q.identifier =
                Some(identifier.get_untracked().trim().to_string()).filter(|s| !s.is_empty());
            q.resource_id = resource_id;
        })
    };

    let state_boxes = CopyState::ALL
        .into_iter()
        .map(|st| {
            let name = st.as_str();
            view! {
                <StateChip
                    name=name
                    id=format!("copy-state-{name}")
                    class=format!("chip-copy-{name}")
                    checked=Signal::derive(move || query.with(|q| q.states.contains(&st)))
                    on_toggle=Callback::new(move |on: bool| {
                        change(&|q| toggle_member(&mut q.states, st, on))
                    })
                />
            }
        })
        .collect_view();

    let type_options = CopyType::ALL
        .into_iter()
        .map(|t| {
            view! {
                <option value=t.as_str() selected=move || query.with(|q| q.copy_types == [t])>
                    {t.as_str()}
                </option>
            }
        })
        .collect_view();

    view! {
        <form
            class="filters card"
            role="search"
            aria-label="Filter copies"
            on:submit=move |ev| {
                ev.prevent_default();
                apply_text();
            }
        >
            <div class="filters-row">
                <div class="field field-grow">
                    <label for="filter-identifier">"Identifier"</label>
                    <input
                        id="filter-identifier"
                        type="search"
                        placeholder="e.g. doi:10.5061/dryad.abc123"
                        bind:value=identifier
                        on:change=move |_| apply_text()
                    />
                </div>
                <div class="field">
                    <label for="filter-resource">"Resource ID"</label>
                    <input
                        id="filter-resource"
                        type="text"
                        inputmode="numeric"
                        placeholder="any"
                        size="10"
                        bind:value=resource
                        aria-invalid=move || resource_error.with(Option::is_some).then_some("true")
                        on:change=move |_| apply_text()
                    />
                </div>
                <div class="field">
                    <label for="filter-type">"Copy type"</label>
                    <select
                        id="filter-type"
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            change(&|q| {
                                q.copy_types = CopyType::ALL
                                    .into_iter()
                                    .filter(|t| t.as_str() == v)
                                    .collect();
                            })
                        }
                    >
                        <option value="" selected=move || query.with(|q| q.copy_types.len() != 1)>
                            "All types"
                        </option>
                        {type_options}
                    </select>
                </div>
                <div class="field field-actions">
                    <button type="submit" class="btn">"Apply"</button>
                </div>
            </div>
            {move || resource_error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <fieldset class="states">
                <legend>"State"</legend>
                {state_boxes}
                <button
                    type="button"
                    class="btn btn-link"
                    on:click=move |_| {
                        resource_error.set(None);
                        on_change
                            .run(CopiesQuery {
                                sort: query.get_untracked().sort,
                                order: query.get_untracked().order,
                                ..CopiesQuery::default()
                            })
                    }
                >
                    "Clear filters"
                </button>
            </fieldset>
        </form>
    }
}

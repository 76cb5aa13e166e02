//! The Zenodo copies view's filter bar.

use leptos::prelude::*;
use longjobs_openapi::{CopyState, CopyType};

use super::{FilterBar, SelectField, StateFilter, TextField, edit_query, url_text};
use crate::query::{CopiesQuery, Listing, Show, non_blank};

/// Identifier, resource id, copy type, unfinished or all, and states; every change is handed to `on_change` as
/// the new query (the page puts it in the URL), from its newest page.
#[component]
pub fn CopiesFilters(
    #[prop(into)] query: Signal<CopiesQuery>,
    #[prop(into)] on_change: Callback<CopiesQuery>,
) -> impl IntoView {
    let identifier = url_text(query, |q| q.identifier.clone());
    let resource = url_text(query, |q| q.resource_id.map(|r| r.to_string()));
    let resource_error = RwSignal::new(None::<String>);
    let change = move |edit: &dyn Fn(&mut CopiesQuery)| edit_query(query, on_change, edit);
    let apply_text = Callback::new(move |()| {
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
            q.identifier = non_blank(&identifier.get_untracked());
            q.resource_id = resource_id;
        })
    });

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
    let states = move || {
        view! {
            <StateFilter
                id_prefix="copy-state-"
                class_prefix="chip-copy-"
                chosen=Signal::derive(move || query.with(|q| q.states.clone()))
                on_change=Callback::new(move |states: Vec<CopyState>| change(&|q| q.states = states.clone()))
                on_clear=Callback::new(move |()| {
                    resource_error.set(None);
                    on_change.run(query.get_untracked().cleared());
                })
            />
        }
    };

    view! {
        <FilterBar label="Filter copies" on_apply=apply_text field_error=resource_error states=states>
            <TextField id="filter-identifier" label="Identifier" kind="search" grow=true
                placeholder="e.g. doi:10.5061/dryad.abc123" value=identifier on_change=apply_text />
            <TextField id="filter-resource" label="Resource ID" kind="text" numeric=true placeholder="any"
                value=resource invalid=Signal::derive(move || resource_error.with(Option::is_some))
                on_change=apply_text />
            <SelectField id="filter-type" label="Copy type"
                on_change=Callback::new(move |v: String| change(&|q| {
                    q.copy_types = CopyType::ALL.into_iter().filter(|t| t.as_str() == v).collect();
                }))>
                <option value="" selected=move || query.with(|q| q.copy_types.len() != 1)>"All types"</option>
                {type_options}
            </SelectField>
            <SelectField id="filter-show" label="Show"
                on_change=Callback::new(move |v: String| change(&|q| {
                    q.show = Some(if v == Show::All.as_str() { Show::All } else { Show::Unfinished });
                }))>
                <option value="unfinished" selected=move || query.with(CopiesQuery::unfinished_only)>"Unfinished"</option>
                <option value="all" selected=move || query.with(|q| !q.unfinished_only())>"All copies"</option>
            </SelectField>
        </FilterBar>
    }
}

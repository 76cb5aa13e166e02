//! `/zenodo`: Zenodo copies — unfinished ones by default (or all), with their total; the old
//! admin page's columns plus attempts (with when a retrying
//! copy tries again), waiting-on, upload progress, the daily-retry exclusion and the
//! error, filters and sort in the URL, resend (a copy, a dataset's chain) with the refusal
//! reason inline, checked copies resent at once, and reset stalled.

mod actions;
mod bulk;
mod row;
mod table;

use leptos::prelude::*;
use longjobs_openapi::LiveTopic;

use crate::api;
use crate::components::{CopiesFilters, ErrorNotice, LiveBadge, PageHeader};
use crate::poll::use_polled;
use crate::query::{CopiesQuery, Listing, use_url_query};
use crate::session;
use actions::{ActionDialog, DoneNotice, Pending, use_actions};
use bulk::{CopiesBulkBar, Selection};
use table::CopiesTable;

/// Copies newest first (sortable by any column), refreshed as it changes keeping the filters;
/// operators resend copies and chains and reset stalled copies.
#[component]
pub fn ZenodoPage() -> impl IntoView {
    let (query, go) = use_url_query::<CopiesQuery>();
    let can_act = Memo::new(move |_| session::can_act());
    let page = use_polled(Some(&[LiveTopic::Zenodo]), move || {
        query.with(api::zenodo::list)
    });
    let (actions, done, on_confirm) = use_actions(move || page.reload());
    let identifier = Memo::new(move |_| query.with(|q| q.identifier.clone()));
    let selection = Selection::new();
    // Other filters are another list: what was checked is forgotten.
    let filters = Memo::new(move |_| query.with(|q| q.first_page()));
    Effect::new(move |prev: Option<CopiesQuery>| {
        let now = filters.get();
        if prev.is_some_and(|p| p != now) {
            selection.checked.set(Default::default());
        }
        now
    });

    view! {
        <PageHeader title="Zenodo copies" subtitle="Dataset versions sent to Zenodo. Copies of one identifier and copy type run in id order.">
            <LiveBadge />
            {move || can_act.get().then(|| view! {
                <button type="button" class="btn btn-danger-outline" data-testid="reset-stalled"
                    on:click=move |_| actions.ask(Pending::ResetStalled)>
                    "Reset stalled"
                </button>
            })}
        </PageHeader>
        <CopiesFilters query=query on_change=go />
        {move || identifier.get().map(|ident| {
            let chain = ident.clone();
            view! {
                <div class="notice notice-info identifier-bar" data-testid="identifier-bar">
                    <span>"Copies of " <strong class="mono">{ident.clone()}</strong> ", every copy type."</span>
                    {move || can_act.get().then(|| {
                        let chain = chain.clone();
                        view! {
                            <button type="button" class="btn btn-small" data-testid="resend-chain"
                                on:click=move |_| actions.ask(Pending::Chain(chain.clone()))>
                                "Resend chain"
                            </button>
                        }
                    })}
                    <a class="small" href="/zenodo">"All copies"</a>
                </div>
            }
        })}
        <ErrorNotice error=page.error />
        <ErrorNotice error=actions.error />
        <DoneNotice done=done />
        {move || can_act.get().then(|| view! { <CopiesBulkBar selection=selection reload=move || page.reload() /> })}
        <CopiesTable page=page query=query go=go can_act=can_act checked=selection.checked />
        <ActionDialog actions=actions on_confirm=on_confirm />
    }
}

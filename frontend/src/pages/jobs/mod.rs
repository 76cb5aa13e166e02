//! `/jobs`: the job list with filters in the URL, keyset paging, selection and bulk actions.

mod bulk;
mod table;

use leptos::prelude::*;
use longjobs_openapi::LiveTopic;

use crate::api;
use crate::components::{ErrorNotice, JobsFilters, LiveBadge, PageHeader};
use crate::format;
use crate::poll::use_polled;
use crate::query::{JobsQuery, use_url_query};
use crate::session;
use bulk::{Bulk, BulkControls, BulkDialog};
use table::JobsTable;

/// Filters and sort live in the URL; the page refreshes every 5 s keeping filters, page
/// and selection; operators select rows (or every matching job) to retry, cancel or discard.
#[component]
pub fn JobsPage() -> impl IntoView {
    let (query, go) = use_url_query::<JobsQuery>();
    let can_act = Memo::new(move |_| session::can_act());
    let page = use_polled(Some(&[LiveTopic::Jobs]), move || {
        query.with(api::jobs::list)
    });
    // How many match, for everyone (a viewer too): the filters without sort or page.
    let count_key = Memo::new(move |_| query.with(JobsQuery::filters_only));
    let matching = use_polled(Some(&[LiveTopic::Jobs]), move || {
        count_key.with(api::jobs::count)
    });
    let match_count = Signal::derive(move || matching.data.with(|m| m.as_ref().map(|m| m.count)));
    let queues = use_polled(None, api::ops::queues);
    let queue_names = Signal::derive(move || {
        queues
            .data
            .with(|q| q.iter().flatten().map(|q| q.name.clone()).collect())
    });
    let page_ids = Memo::new(move |_| {
        page.data.with(|p| {
            p.as_ref()
                .map(|p| p.jobs.iter().map(|j| j.id).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    });
    let bulk = Bulk::new(query, page_ids, move || {
        page.reload();
        matching.reload();
    });

    view! {
        <PageHeader title="Jobs" subtitle="Filter, inspect and act on jobs; updated as they change.">
            <LiveBadge />
        </PageHeader>
        <JobsFilters query=query queues=queue_names on_change=go />
        <p class="result-count" role="status" data-testid="match-count" data-count=move || match_count.get()>
            {move || match_count.get().map(|n| match n {
                0 => "No job matches these filters.".to_string(),
                1 => "1 job matches these filters.".to_string(),
                n => format!("{} jobs match these filters.", format::count(n)),
            })}
        </p>
        <ErrorNotice error=page.error />
        <BulkControls bulk=bulk can_act=can_act match_count=match_count />
        <JobsTable page=page query=query go=go can_act=can_act bulk=bulk />
        <BulkDialog bulk=bulk />
    }
}

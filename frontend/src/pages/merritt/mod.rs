//! `/merritt`: the Merritt queue — the status block (hold, counts, completed in 24 h,
//! alerts), submissions searched by identifier / DOI / ARK, sorted and paged on the server,
//! with their size, state history and hosts (each linked to its page), restart held,
//! resend checked.

mod filters;
mod status;
mod table;

use std::collections::BTreeSet;

use crate::api;
use crate::components::{BulkBar, ConfirmDialog, ErrorNotice, LiveBadge, PageHeader};
use crate::confirm::Confirmable;
use crate::format;
use crate::poll::{REFRESH, use_polled};
use crate::query::{Listing, SubmissionsQuery, use_url_query};
use crate::session;
use filters::SubmissionsFilters;
use leptos::prelude::*;
use status::StatusBlock;
use table::SubmissionsTable;

/// An action waiting for confirmation.
#[derive(Debug, Clone, PartialEq)]
enum Pending {
    RestartHeld,
    ResendChecked(Vec<i64>),
}

impl Pending {
    fn what(&self) -> &'static str {
        match self {
            Pending::RestartHeld => "Restart held submissions",
            Pending::ResendChecked(_) => "Resend checked",
        }
    }
}

/// The status block and the submissions (search, states, sort and page in the URL),
/// refreshed as it changes
/// keeping the checked rows; operators restart held submissions and resend checked ones.
#[component]
pub fn MerrittPage() -> impl IntoView {
    let (query, go) = use_url_query::<SubmissionsQuery>();
    let status = use_polled(Some(REFRESH), api::merritt::status);
    let subs = use_polled(Some(REFRESH), move || query.with(api::merritt::list));
    let can_act = Memo::new(move |_| session::can_act());
    let checked = RwSignal::new(BTreeSet::<i64>::new());
    // Another search or filter is another list: what was checked is forgotten.
    let filters = Memo::new(move |_| query.with(|q| q.first_page()));
    Effect::new(move |prev: Option<SubmissionsQuery>| {
        let now = filters.get();
        if prev.is_some_and(|p| p != now) {
            checked.set(BTreeSet::new());
        }
        now
    });

    let actions = Confirmable::<Pending>::default();
    let done = RwSignal::new(None::<(Pending, Vec<i64>)>);
    let on_confirm = actions.on_confirm(
        move |p: Pending| {
            done.set(None);
            async move {
                match p {
                    Pending::RestartHeld => api::merritt::restart().await,
                    Pending::ResendChecked(ids) => api::merritt::resend(ids).await,
                }
            }
        },
        move |p, r| {
            if matches!(p, Pending::ResendChecked(_)) {
                checked.try_set(BTreeSet::new());
            }
            done.try_set(Some((p, r.requeued)));
        },
        move || {
            status.reload();
            subs.reload();
        },
    );
    let checked_count = move || checked.with(BTreeSet::len);

    view! {
        <PageHeader title="Merritt queue" subtitle="Submissions to the Merritt preservation repository; restart and resend work from any host.">
            <LiveBadge />
        </PageHeader>
        <ErrorNotice error=status.error />
        {move || status.data.get().map(|s| view! { <StatusBlock status=s /> })}
        <ErrorNotice error=actions.error />
        {move || done.get().map(|(p, ids)| {
            let text = if ids.is_empty() {
                format!("{}: nothing needed to go back in the queue.", p.what())
            } else {
                format!("{}: {} back in the work queue ({}).", p.what(), format::plural(ids.len(), "submission", "submissions"), format::id_list(&ids))
            };
            view! { <div class="notice notice-success" role="status" data-testid="merritt-result">{text}</div> }
        })}
        {move || can_act.get().then(|| view! {
            <BulkBar label="Submission actions" testid="merritt-actions" status_testid="checked-count"
                status=Signal::derive(move || format!("{} checked", format::tally(checked_count(), "submission", "submissions")))>
                <button type="button" class="btn btn-primary" disabled=move || checked_count() == 0 || actions.busy.get()
                    on:click=move |_| actions.ask(Pending::ResendChecked(checked.get_untracked().into_iter().collect()))>
                    "Resend checked"
                </button>
                <button type="button" class="btn" disabled=move || actions.busy.get()
                    on:click=move |_| actions.ask(Pending::RestartHeld)>
                    "Restart held submissions"
                </button>
            </BulkBar>
        })}
        <SubmissionsFilters query=query on_change=go />
        <ErrorNotice error=subs.error />
        <SubmissionsTable subs=subs query=query go=go can_act=can_act checked=checked />
        {move || actions.asked.get().map(|p| {
            let (title, body, label) = match &p {
                Pending::RestartHeld => {
                    let held = status.data.with_untracked(|s| s.as_ref().map_or(0, |s| s.rejected_shutting_down));
                    (
                        "Restart held submissions?".to_string(),
                        format!("Submissions shut down gracefully ({held} held now) and those interrupted without a live job go back in the work queue, whichever host wrote their state. While submissions are held for maintenance they are held again when their turn comes."),
                        "Restart held",
                    )
                }
                Pending::ResendChecked(ids) => (
                    format!("Resend {}?", format::plural(ids.len(), "submission", "submissions")),
                    format!("Of {}, those errored, held or stuck without a live job go back in the work queue; completed ones are left as they are.", format::id_list(ids)),
                    "Resend",
                ),
            };
            view! {
                <ConfirmDialog title=title confirm_label=label busy=actions.busy on_confirm=on_confirm on_cancel=actions.on_cancel()>
                    <p>{body}</p>
                </ConfirmDialog>
            }
        })}
    }
}

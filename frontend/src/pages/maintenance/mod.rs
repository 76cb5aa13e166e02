//! `/maintenance`: drain (defer Zenodo, hold Merritt), watch it turn drained, restart —
//! the old `long_jobs.dryad status / drain / restart` with live progress.

mod actions;
mod status;

use leptos::prelude::*;

use crate::components::{ErrorNotice, LiveBadge, PageHeader, RemoteHealthCard};
use crate::maintenance_feed::use_feed;
use crate::session;
use actions::{ActionDialog, DoneNotice, DrainControls, use_actions};
use status::{Counts, Progress};

/// The switches, the old script's four counts, what still runs and whether the drain is
/// done, refreshed as they change; operators drain and restart, each behind a confirmation.
#[component]
pub fn MaintenancePage() -> impl IntoView {
    let feed = use_feed();
    let can_act = Memo::new(move |_| session::can_act());
    let (actions, done, on_confirm) = use_actions(feed);
    let data = feed.0.data;

    view! {
        <PageHeader title="Maintenance" subtitle="Drain before a deploy or shutdown, wait until drained, restart after. Every host sees the same switches.">
            <LiveBadge />
        </PageHeader>
        <ErrorNotice error=feed.0.error />
        <ErrorNotice error=actions.error />
        <DoneNotice done=done />
        {move || data.get().map(|s| view! { <Progress status=s /> })}
        {move || can_act.get().then(|| view! { <DrainControls actions=actions feed=feed /> })}
        {move || data.get().map(|s| view! { <Counts status=s /> })}
        <RemoteHealthCard />
        <ActionDialog actions=actions feed=feed on_confirm=on_confirm />
    }
}

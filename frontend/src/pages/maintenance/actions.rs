//! Drain and restart: the switches to drain, the confirmation saying what each does, and
//! what it did.

use leptos::prelude::*;
use longjobs_openapi::{MaintenanceStatus, RestartResult};

use crate::api;
use crate::components::ConfirmDialog;
use crate::confirm::Confirmable;
use crate::format::{self, plural};
use crate::maintenance_feed::{MaintenanceFeed, Phase};

/// An action waiting for confirmation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pending {
    Drain { zenodo: bool, merritt: bool },
    Restart,
}

/// What the last action did.
#[derive(Debug, Clone, PartialEq)]
pub enum Done {
    /// Jobs still running, copies deferred, submissions held.
    Drained(usize, i64, i64),
    Restarted(RestartResult),
}

/// The actions' state and their Confirm, which reloads the feed after.
pub fn use_actions(
    feed: MaintenanceFeed,
) -> (Confirmable<Pending>, RwSignal<Option<Done>>, Callback<()>) {
    let actions = Confirmable::<Pending>::default();
    let done = RwSignal::new(None::<Done>);
    let on_confirm = actions.on_confirm(
        |p: Pending| async move {
            match p {
                Pending::Drain { zenodo, merritt } => api::maintenance::drain(zenodo, merritt)
                    .await
                    .map(|s| Done::Drained(s.running.len(), s.deferred_copies, s.held_submissions)),
                Pending::Restart => api::maintenance::restart().await.map(Done::Restarted),
            }
        },
        move |_, d| {
            done.try_set(Some(d));
        },
        move || feed.0.reload(),
    );
    (actions, done, on_confirm)
}

/// What the last drain or restart did.
#[component]
pub fn DoneNotice(done: RwSignal<Option<Done>>) -> impl IntoView {
    move || {
        done.get().map(|d| match d {
        Done::Drained(running, deferred, held) => view! {
            <div class="notice notice-success" role="status" data-testid="drain-result">
                {format!(
                    "Drain started: {} deferred, {} held; {} still running.",
                    plural(deferred as usize, "copy", "copies"),
                    plural(held as usize, "submission", "submissions"),
                    plural(running, "job", "jobs")
                )}
            </div>
        }.into_any(),
        Done::Restarted(r) => view! {
            <div class="notice notice-success" role="status" data-testid="restart-result">
                {format!(
                    "Restarted: {}; {} ({}) and {} ({}) back in the work queue, in order.",
                    if r.switches_cleared.is_empty() { "no switch was on".to_string() } else { format!("cleared {}", r.switches_cleared.join(" and ")) },
                    plural(r.copies_requeued.len(), "copy", "copies"),
                    format::id_list(&r.copies_requeued),
                    plural(r.submissions_requeued.len(), "submission", "submissions"),
                    format::id_list(&r.submissions_requeued),
                )}
            </div>
        }.into_any(),
    })
    }
}

/// What to drain, and the Drain and Restart buttons (Restart is off while there is nothing
/// to restart).
#[component]
pub fn DrainControls(actions: Confirmable<Pending>, feed: MaintenanceFeed) -> impl IntoView {
    let feed = feed.0;
    let drain_zenodo = RwSignal::new(true);
    let drain_merritt = RwSignal::new(true);
    let phase = Memo::new(move |_| feed.data.with(|s| s.as_ref().map(Phase::of)));
    let busy = actions.busy;
    view! {
        <section class="card" aria-labelledby="maintenance-actions-title" data-testid="maintenance-actions">
            <h2 id="maintenance-actions-title">"Drain and restart"</h2>
            <div class="maintenance-actions">
                <fieldset class="drain-what">
                    <legend>"Drain what"</legend>
                    <label class="check-line">
                        <input type="checkbox" bind:checked=drain_zenodo />
                        " Defer Zenodo replication"
                        <span class="muted small">" — waiting copies are deferred now; replicating ones finish"</span>
                    </label>
                    <label class="check-line">
                        <input type="checkbox" bind:checked=drain_merritt />
                        " Hold Merritt submissions"
                        <span class="muted small">" — waiting submissions are held now; running ones finish"</span>
                    </label>
                </fieldset>
                <div class="actions">
                    <button type="button" class="btn btn-danger" data-testid="drain-button"
                        disabled=move || busy.get() || !(drain_zenodo.get() || drain_merritt.get())
                        on:click=move |_| actions.ask(Pending::Drain { zenodo: drain_zenodo.get_untracked(), merritt: drain_merritt.get_untracked() })>
                        "Drain"
                    </button>
                    <button type="button" class="btn btn-primary" data-testid="restart-button"
                        disabled=move || busy.get() || phase.get().is_none_or(|p| p == Phase::Normal) && feed.data.with(|s| s.as_ref().is_none_or(|s| s.deferred_copies == 0 && s.held_submissions == 0))
                        on:click=move |_| actions.ask(Pending::Restart)>
                        "Restart"
                    </button>
                </div>
            </div>
        </section>
    }
}

/// What the action asked does, line by line, from the status now.
fn question(
    p: Pending,
    s: Option<&MaintenanceStatus>,
) -> (String, Vec<String>, &'static str, bool) {
    match p {
        Pending::Drain { zenodo, merritt } => {
            let mut lines = Vec::new();
            if zenodo {
                let waiting = s.map_or(0, |s| s.zenodo_enqueued);
                lines.push(format!("Zenodo replication is deferred: {} waiting now {} deferred at once; copies replicating now finish.", plural(waiting as usize, "copy", "copies"), if waiting == 1 { "is" } else { "are" }));
            }
            if merritt {
                let waiting = s.map_or(0, |s| s.submissions_enqueued);
                lines.push(format!("Merritt submissions are held: {} waiting now {} held at once; submissions running now finish.", plural(waiting as usize, "submission", "submissions"), if waiting == 1 { "is" } else { "are" }));
            }
            lines.push("Nothing covered starts again until you restart. This page shows when the drain is done.".to_string());
            ("Drain for maintenance?".to_string(), lines, "Drain", true)
        }
        Pending::Restart => {
            let (deferred, held) = s.map_or((0, 0), |s| (s.deferred_copies, s.held_submissions));
            let mut lines = vec![format!(
                "The switches are cleared; {} and {} go back in the work queue in their original order.",
                plural(deferred as usize, "deferred copy", "deferred copies"),
                plural(held as usize, "held submission", "held submissions")
            )];
            if s.is_some_and(|s| !s.running.is_empty() && !s.drained) {
                lines.push("The drain is not finished: jobs are still running.".to_string());
            }
            (
                "Restart after maintenance?".to_string(),
                lines,
                "Restart",
                false,
            )
        }
    }
}

/// The confirmation of the action asked.
#[component]
pub fn ActionDialog(
    actions: Confirmable<Pending>,
    feed: MaintenanceFeed,
    on_confirm: Callback<()>,
) -> impl IntoView {
    move || {
        actions.asked.get().map(|p| {
            let (title, body, label, danger) =
                feed.0.data.with_untracked(|s| question(p, s.as_ref()));
            view! {
                <ConfirmDialog title=title confirm_label=label danger=danger busy=actions.busy
                    on_confirm=on_confirm on_cancel=actions.on_cancel()>
                    {body.into_iter().map(|l| view! { <p>{l}</p> }).collect_view()}
                </ConfirmDialog>
            }
        })
    }
}

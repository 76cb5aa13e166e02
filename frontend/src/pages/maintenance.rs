//! `/maintenance`: drain (defer Zenodo, hold Merritt), watch it turn drained, restart —
//! the old `long_jobs.dryad status / drain / restart` with live progress.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use longjobs_openapi::{MaintenanceStatus, RestartResult, RunningJob, SwitchOn};

use crate::api::{self, ApiError};
use crate::components::{ConfirmDialog, ErrorNotice, PageHeader, StatCard, TimeCell};
use crate::format;
use crate::maintenance_feed::{Phase, use_feed};
use crate::pages::zenodo::plural;
use crate::poll::every_interval;
use crate::session;

/// How often the page refreshes the status (a drain is watched closely).
const MAINTENANCE_REFRESH: Duration = Duration::from_secs(2);

/// An action waiting for confirmation.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Pending {
    Drain { zenodo: bool, merritt: bool },
    Restart,
}

/// The switches, the old script's four counts, what still runs and whether the drain is
/// done, refreshed every 2 s; operators drain and restart, each behind a confirmation.
#[component]
pub fn MaintenancePage() -> impl IntoView {
    let feed = use_feed().0;
    every_interval(MAINTENANCE_REFRESH, move || feed.reload());
    let can_act = Memo::new(move |_| session::can_act());
    let drain_zenodo = RwSignal::new(true);
    let drain_merritt = RwSignal::new(true);
    let pending = RwSignal::new(None::<Pending>);
    let busy = RwSignal::new(false);
    let action_error = RwSignal::new(None::<ApiError>);
    let restarted = RwSignal::new(None::<RestartResult>);
    let drained_now = RwSignal::new(None::<(usize, i64, i64)>);

    let confirm = Callback::new(move |()| {
        let Some(p) = pending.get_untracked() else {
            return;
        };
        busy.set(true);
        action_error.set(None);
        spawn_local(async move {
            match p {
                Pending::Drain { zenodo, merritt } => {
                    match api::maintenance::drain(zenodo, merritt).await {
                        Ok(s) => {
                            restarted.try_set(None);
                            drained_now.try_set(Some((
                                s.running.len(),
                                s.deferred_copies,
                                s.held_submissions,
                            )));
                        }
                        Err(e) => {
                            action_error.try_set(Some(e));
                        }
                    }
                }
                Pending::Restart => match api::maintenance::restart().await {
                    Ok(r) => {
                        drained_now.try_set(None);
                        restarted.try_set(Some(r));
                    }
                    Err(e) => {
                        action_error.try_set(Some(e));
                    }
                },
            }
            pending.try_set(None);
            busy.try_set(false);
            feed.reload();
        });
    });
    let cancel = Callback::new(move |()| pending.set(None));
    let phase = Memo::new(move |_| feed.data.with(|s| s.as_ref().map(Phase::of)));

    view! {
        <PageHeader title="Maintenance" subtitle="Drain before a deploy or shutdown, wait until drained, restart after. Every host sees the same switches.">
            <span class="live" aria-hidden="true">"Live"</span>
        </PageHeader>
        <ErrorNotice error=feed.error />
        <ErrorNotice error=action_error />
        {move || drained_now.get().map(|(running, deferred, held)| view! {
            <div class="notice notice-success" role="status" data-testid="drain-result">
                {format!(
                    "Drain started: {} deferred, {} held; {} still running.",
                    plural(deferred as usize, "copy", "copies"),
                    plural(held as usize, "submission", "submissions"),
                    plural(running, "job", "jobs")
                )}
            </div>
        })}
        {move || restarted.get().map(|r| view! {
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
        })}
        {move || feed.data.get().map(|s| view! { <Progress status=s /> })}
        {move || can_act.get().then(|| view! {
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
                            on:click=move |_| pending.set(Some(Pending::Drain { zenodo: drain_zenodo.get_untracked(), merritt: drain_merritt.get_untracked() }))>
                            "Drain"
                        </button>
                        <button type="button" class="btn btn-primary" data-testid="restart-button"
                            disabled=move || busy.get() || phase.get().is_none_or(|p| p == Phase::Normal) && feed.data.with(|s| s.as_ref().is_none_or(|s| s.deferred_copies == 0 && s.held_submissions == 0))
                            on:click=move |_| pending.set(Some(Pending::Restart))>
                            "Restart"
                        </button>
                    </div>
                </div>
            </section>
        })}
        {move || feed.data.get().map(|s| view! { <Counts status=s /> })}
        {move || pending.get().map(|p| {
            let s = feed.data.get_untracked();
            let (title, body, label, danger) = match p {
                Pending::Drain { zenodo, merritt } => {
                    let mut lines = Vec::new();
                    if zenodo {
                        let waiting = s.as_ref().map_or(0, |s| s.zenodo_enqueued);
                        lines.push(format!("Zenodo replication is deferred: {} waiting now {} deferred at once; copies replicating now finish.", plural(waiting as usize, "copy", "copies"), if waiting == 1 { "is" } else { "are" }));
                    }
                    if merritt {
                        let waiting = s.as_ref().map_or(0, |s| s.submissions_enqueued);
                        lines.push(format!("Merritt submissions are held: {} waiting now {} held at once; submissions running now finish.", plural(waiting as usize, "submission", "submissions"), if waiting == 1 { "is" } else { "are" }));
                    }
                    lines.push("Nothing covered starts again until you restart. This page shows when the drain is done.".to_string());
                    ("Drain for maintenance?".to_string(), lines, "Drain", true)
                }
                Pending::Restart => {
                    let (deferred, held) = s.as_ref().map_or((0, 0), |s| (s.deferred_copies, s.held_submissions));
                    let mut lines = vec![
                        format!("The switches are cleared; {} and {} go back in the work queue in their original order.", plural(deferred as usize, "deferred copy", "deferred copies"), plural(held as usize, "held submission", "held submissions")),
                    ];
                    if s.as_ref().is_some_and(|s| !s.running.is_empty() && !s.drained) {
                        lines.push("The drain is not finished: jobs are still running.".to_string());
                    }
                    ("Restart after maintenance?".to_string(), lines, "Restart", false)
                }
            };
            view! {
                <ConfirmDialog title=title confirm_label=label danger=danger busy=busy on_confirm=confirm on_cancel=cancel>
                    {body.into_iter().map(|l| view! { <p>{l}</p> }).collect_view()}
                </ConfirmDialog>
            }
        })}
    }
}

/// Whether the drain is done, and what it still waits for.
#[component]
fn Progress(status: MaintenanceStatus) -> impl IntoView {
    let phase = Phase::of(&status);
    let switch = |what: &'static str, on: &'static str, off: &'static str, s: Option<SwitchOn>| {
        view! {
            <dt>{what}</dt>
            <dd>
                <span class=if s.is_some() { "badge badge-warn" } else { "badge badge-active" }>
                    {if s.is_some() { on } else { off }}
                </span>
                {s.map(|s| view! { " since " <TimeCell time=s.since compact=true /> {format!(" by {}", s.by)} })}
            </dd>
        }
    };
    let (headline, class) = match phase {
        Phase::Normal => ("Running normally: no drain is on.", "phase phase-normal"),
        Phase::Draining => (
            "Draining: waiting for running jobs to finish.",
            "phase phase-draining",
        ),
        Phase::Drained => (
            "Drained: nothing the drain covers is running. Safe to stop the workers.",
            "phase phase-drained",
        ),
    };
    let running = status.running.len();
    view! {
        <section class="card" aria-labelledby="drain-title">
            <div class="card-header">
                <h2 id="drain-title">"Drain"</h2>
                {status.drain_age_secs.map(|a| view! { <span class="muted small">{format!("started {} ago", format::human_span(a.max(0) as u64))}</span> })}
            </div>
            <p class=class data-testid="drain-state" data-phase=phase.as_str() data-drained=status.drained.to_string() data-running=running>
                <strong>{headline}</strong>
                {(phase == Phase::Drained).then(|| status.drained_at.map(|t| view! { " Drained since " <TimeCell time=t compact=true /> "." }))}
                {(phase == Phase::Draining).then(|| format!(" {} still running.", plural(running, "job", "jobs")))}
            </p>
            <dl class="facts facts-wide">
                {switch("Zenodo replication", "deferred", "running", status.zenodo_deferred.clone())}
                {switch("Merritt submissions", "held", "accepted", status.merritt_held.clone())}
                <dt>"Paused queues"</dt>
                <dd>{if status.paused_queues.is_empty() { "none".to_string() } else { status.paused_queues.join(", ") }}</dd>
                <dt>"Drained"</dt>
                <dd data-testid="drained-answer">{if status.drained { "yes" } else { "no" }}</dd>
            </dl>
            {(!status.alerts.is_empty()).then(|| view! {
                <ul class="notice notice-warn alert-list" role="alert">
                    {status.alerts.iter().map(|a| view! { <li>{a.clone()}</li> }).collect_view()}
                </ul>
            })}
            <h3>"Still running"</h3>
            <RunningTable jobs=status.running />
        </section>
    }
}

/// Replication jobs running now: which, where, for how long.
#[component]
fn RunningTable(jobs: Vec<RunningJob>) -> impl IntoView {
    let empty = jobs.is_empty();
    let rows = jobs
        .into_iter()
        .map(|j| {
            view! {
                <tr data-job-id=j.id>
                    <td><a class="mono" href=format!("/jobs/{}", j.id)>{format!("#{}", j.id)}</a></td>
                    <td>{j.queue}</td>
                    <td class="mono">{j.kind}</td>
                    <td class="mono small">{j.worker.unwrap_or_else(|| "—".into())}</td>
                    <td class="nowrap">{j.started_at.map(|t| view! { <TimeCell time=t compact=true /> })}</td>
                    <td class="num">{format::human_span(j.running_for_secs.max(0) as u64)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {empty.then(|| view! { <p class="muted" data-testid="running-none">"No replication job is running."</p> })}
        <div class="table-wrap" hidden=empty>
            <table class="table" data-testid="running-table">
                <thead>
                    <tr>
                        <th scope="col">"Job"</th>
                        <th scope="col">"Queue"</th>
                        <th scope="col">"Kind"</th>
                        <th scope="col">"Worker"</th>
                        <th scope="col">"Started"</th>
                        <th scope="col" class="num">"Running for"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// The old status script's four counts, and what waits for a restart.
#[component]
fn Counts(status: MaintenanceStatus) -> impl IntoView {
    let n = |v: i64| Signal::stored(format::count(v));
    view! {
        <section class="card" aria-labelledby="counts-title">
            <div class="card-header">
                <h2 id="counts-title">"Status"</h2>
                <span class="muted small">"as long_jobs.dryad status counted them"</span>
            </div>
            <div class="stat-grid stat-grid-tight" data-testid="maintenance-counts">
                <StatCard label="Submissions enqueued" value=n(status.submissions_enqueued) tone="available" />
                <StatCard label="Submissions processing, 7 d" value=n(status.submissions_processing_7d) tone="running" />
                <StatCard label="Zenodo enqueued" value=n(status.zenodo_enqueued) tone="available" />
                <StatCard label="Zenodo replicating, 7 d" value=n(status.zenodo_replicating_7d) tone="running" />
                <StatCard label="Deferred copies" value=n(status.deferred_copies) tone="retryable" href="/zenodo?state=deferred".to_string() />
                <StatCard label="Held submissions" value=n(status.held_submissions) tone="retryable" href="/merritt?state=rejected_shutting_down".to_string() />
            </div>
        </section>
    }
}

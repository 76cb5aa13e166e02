//! Where maintenance stands: the drain's progress, what still runs, due work no live
//! worker runs, and the old status script's counts.

use leptos::prelude::*;
use longjobs_openapi::{MaintenanceStatus, RunningJob, SwitchOn, UnservedWork};

use crate::api;
use crate::components::{StatCard, TimeCell, column_heads};
use crate::format;
use crate::maintenance_feed::Phase;

/// Whether the drain is done, and what it still waits for.
#[component]
pub fn Progress(status: MaintenanceStatus) -> impl IntoView {
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
                {(phase == Phase::Draining).then(|| format!(" {} still running.", format::plural(running, "job", "jobs")))}
            </p>
            <dl class="facts facts-wide">
                {switch("Zenodo replication", "deferred", "running", status.zenodo_deferred.clone())}
                {switch("Merritt submissions", "held", "accepted", status.merritt_held.clone())}
                <dt>"Paused queues"</dt>
                <dd>{if status.paused_queues.is_empty() { "none".to_string() } else { status.paused_queues.join(", ") }}</dd>
                <dt>"Drained"</dt>
                <dd data-testid="drained-answer">{if status.drained { "yes" } else { "no" }}</dd>
                <dt>"Unserved jobs"</dt>
                <dd data-testid="unserved-count" data-jobs=status.unserved_jobs>
                    {if status.unserved_jobs == 0 { "none".to_string() } else { format::count(status.unserved_jobs) }}
                </dd>
            </dl>
            <UnservedList work=status.unserved.clone() />
            {(!status.alerts.is_empty()).then(|| view! {
                <div class="notice notice-warn" role="alert">
                    <ul class="alert-list">
                        {status.alerts.iter().map(|a| view! { <li>{a.clone()}</li> }).collect_view()}
                    </ul>
                </div>
            })}
            <h3>"Still running"</h3>
            <RunningTable jobs=status.running />
        </section>
    }
}

/// Due work no live worker would run, each line linking to its jobs; nothing when none.
#[component]
fn UnservedList(work: Vec<UnservedWork>) -> impl IntoView {
    (!work.is_empty()).then(|| {
        let lines = work
            .into_iter()
            .map(|u| {
                let mut href = format!("/jobs?queue={}", api::encode(&u.queue));
                if let Some(k) = &u.kind {
                    href.push_str(&format!("&kind={}", api::encode(k)));
                }
                view! {
                    <li data-queue=u.queue.clone() data-kind=u.kind.clone()>
                        <a href=href>{format!("{} {} in {}", format::count(u.jobs), format::noun(u.jobs, "job", "jobs"), u.queue)}</a>
                        {format!(": {}, due since ", u.reason)}
                        <TimeCell time=u.since compact=true />
                    </li>
                }
            })
            .collect_view();
        view! {
            <div class="notice notice-warn" role="status" data-testid="maintenance-unserved">
                <strong>"Work no live worker runs"</strong>
                <ul class="alert-list">{lines}</ul>
            </div>
        }
    })
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
                        {column_heads(&["Job", "Queue", "Kind", "Worker", "Started"])}
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
pub fn Counts(status: MaintenanceStatus) -> impl IntoView {
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

//! `/`: the dashboard — counts by queue and state, throughput and failures over 1 h to
//! 30 d, workers alive, and a warning when due work has no live worker to run it.

mod history;
mod unserved;

use leptos::prelude::*;
use longjobs_openapi::{JobState, LiveTopic, Stats};

use crate::api;
use crate::components::{ErrorNotice, LiveBadge, PageHeader, StatCard};
use crate::format;
use crate::poll::use_polled;

/// What the dashboard shows: job counts and throughput, queues and workers.
const DASHBOARD: &[LiveTopic] = &[LiveTopic::Jobs, LiveTopic::Queues, LiveTopic::Workers];

/// Headline figures, the throughput chart and the queue × state table, refreshed as jobs,
/// queues and workers change.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let stats = use_polled(Some(DASHBOARD), api::ops::stats);

    // Marks when real data is first on screen, for the load-to-data measurement.
    let marked = StoredValue::new(false);
    Effect::new(move |_| {
        if stats.data.with(Option::is_some) && !marked.get_value() {
            marked.set_value(true);
            request_animation_frame(|| {
                if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
                    let _ = p.mark("longjobs:first-data");
                }
            });
        }
    });

    let total = move |state: JobState| {
        Signal::derive(move || {
            stats.data.with(|s| {
                s.as_ref()
                    .map(|s| format::count(format::count_of(&s.totals, state)))
                    .unwrap_or_else(|| "–".into())
            })
        })
    };
    let workers = Signal::derive(move || {
        stats.data.with(|s| {
            s.as_ref()
                .map(|s| format::count(s.workers_alive))
                .unwrap_or_else(|| "–".into())
        })
    });

    view! {
        <PageHeader title="Dashboard" subtitle="Jobs across every queue, updated as they change.">
            <LiveBadge />
        </PageHeader>
        <ErrorNotice error=stats.error />
        {move || stats.data.get().map(|s| view! { <unserved::UnservedPanel queues=s.queues /> })}
        <section class="stat-grid" aria-label="Totals">
            <StatCard label="Running" value=total(JobState::Running) tone="running" href="/jobs?state=running".to_string() />
            <StatCard label="Available" value=total(JobState::Available) tone="available" href="/jobs?state=available".to_string() />
            <StatCard label="Scheduled" value=total(JobState::Scheduled) tone="scheduled" href="/jobs?state=scheduled".to_string() />
            <StatCard label="Retryable" value=total(JobState::Retryable) tone="retryable" href="/jobs?state=retryable".to_string() />
            <StatCard label="Discarded" value=total(JobState::Discarded) tone="discarded" href="/jobs?state=discarded".to_string() />
            <StatCard label="Completed" value=total(JobState::Completed) tone="completed" href="/jobs?state=completed".to_string() />
            <StatCard label="Workers alive" value=workers href="/workers".to_string() />
        </section>
        <history::HistoryCard queues=Signal::derive(move || {
            stats.data.with(|s| s.as_ref().map(|s| s.queues.iter().map(|q| q.name.clone()).collect()).unwrap_or_default())
        }) />
        <section class="card" aria-labelledby="queues-title">
            <div class="card-header">
                <h2 id="queues-title">"Jobs by queue and state"</h2>
                <a class="small" href="/queues">"Manage queues"</a>
            </div>
            {move || match stats.data.get() {
                Some(s) => view! { <QueueStateTable stats=s /> }.into_any(),
                None => view! { <p class="empty">"Loading…"</p> }.into_any(),
            }}
        </section>
    }
}

/// Queues as rows, states as columns, each count linking to the matching jobs.
#[component]
fn QueueStateTable(stats: Stats) -> impl IntoView {
    if stats.queues.is_empty() {
        return view! { <p class="empty">"No queues yet: enqueue a job and it appears here."</p> }
            .into_any();
    }
    let header = JobState::ALL
        .iter()
        .map(|s| view! { <th scope="col" class="num">{s.as_str()}</th> })
        .collect_view();
    let rows = stats
        .queues
        .iter()
        .map(|q| {
            let name = q.name.clone();
            let cells = JobState::ALL
                .iter()
                .map(|&st| {
                    let n = format::count_of(&q.counts, st);
                    count_cell(n, format!("/jobs?queue={}&state={}", api::encode(&name), st.as_str()))
                })
                .collect_view();
            view! {
                <tr data-queue=q.name.clone()>
                    <th scope="row">
                        <a href=format!("/jobs?queue={}", api::encode(&q.name))>{q.name.clone()}</a>
                        {q.paused.then(|| view! { <span class="badge badge-paused">"paused"</span> })}
                        {(!q.served && !q.paused).then(|| view! { <span class="badge badge-warn">"no worker"</span> })}
                    </th>
                    {cells}
                    <td class="num strong">{format::count(q.total)}</td>
                </tr>
            }
        })
        .collect_view();
    let totals = JobState::ALL
        .iter()
        .map(|&st| {
            let n = format::count_of(&stats.totals, st);
            count_cell(n, format!("/jobs?state={}", st.as_str()))
        })
        .collect_view();
    let grand: i64 = stats.totals.iter().map(|c| c.count).sum();
    view! {
        <div class="table-wrap">
            <table class="table" data-testid="stats-table">
                <thead>
                    <tr>
                        <th scope="col">"Queue"</th>
                        {header}
                        <th scope="col" class="num">"total"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
                <tfoot>
                    <tr>
                        <th scope="row">"All queues"</th>
                        {totals}
                        <td class="num strong" data-testid="grand-total">{format::count(grand)}</td>
                    </tr>
                </tfoot>
            </table>
        </div>
    }
    .into_any()
}

fn count_cell(n: i64, href: String) -> impl IntoView {
    view! {
        <td class="num">
            {if n == 0 {
                view! { <span class="zero">"0"</span> }.into_any()
            } else {
                view! { <a href=href>{format::count(n)}</a> }.into_any()
            }}
        </td>
    }
}

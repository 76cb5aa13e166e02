//! `/workers`: the worker registry.

use leptos::prelude::*;
use longjobs_openapi::{LiveTopic, WorkerInfo};

use crate::api;
use crate::components::{ErrorNotice, LiveBadge, PageHeader, TimeCell};
use crate::poll::use_polled;

/// Every registered worker with its queues, heartbeat, running jobs and liveness.
#[component]
pub fn WorkersPage() -> impl IntoView {
    let workers = use_polled(
        Some(&[LiveTopic::Workers, LiveTopic::Jobs]),
        api::ops::workers,
    );
    view! {
        <PageHeader title="Workers" subtitle="A worker is alive while its heartbeat is recent and it has not stopped.">
            <LiveBadge />
        </PageHeader>
        <ErrorNotice error=workers.error />
        <div class="card card-flush">
            <div class="table-wrap">
                <table class="table" data-testid="workers-table">
                    <thead>
                        <tr>
                            <th scope="col">"Worker"</th>
                            <th scope="col">"Host"</th>
                            <th scope="col" class="num">"PID"</th>
                            <th scope="col">"Queues"</th>
                            <th scope="col">"Started"</th>
                            <th scope="col">"Last heartbeat"</th>
                            <th scope="col" class="num">"Running"</th>
                            <th scope="col">"Status"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || workers.data.get().unwrap_or_default().into_iter().map(|w| view! { <WorkerRow w=w /> }).collect_view()}
                    </tbody>
                </table>
            </div>
            {move || workers.data.with(|w| match w {
                None => Some(view! { <p class="empty">"Loading…"</p> }),
                Some(w) if w.is_empty() => Some(view! { <p class="empty">"No workers have registered yet."</p> }),
                _ => None,
            })}
        </div>
    }
}

/// One worker.
#[component]
fn WorkerRow(w: WorkerInfo) -> impl IntoView {
    let queues = match &w.queues {
        serde_json::Value::Object(m) => m
            .iter()
            .map(|(k, v)| format!("{k} × {v}"))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    };
    let (status, class) = match (w.alive, w.stopped_at.is_some()) {
        (true, _) => ("alive", "badge state-completed"),
        (false, true) => ("stopped", "badge state-cancelled"),
        (false, false) => ("stale", "badge state-discarded"),
    };
    view! {
        <tr data-worker=w.id.clone() data-alive=w.alive.to_string()>
            <td class="mono">{w.id.clone()}</td>
            <td>{w.host.clone()}</td>
            <td class="num">{w.pid}</td>
            <td>{queues}</td>
            <td><TimeCell time=w.started_at compact=true /></td>
            <td><TimeCell time=w.last_heartbeat_at compact=true /></td>
            <td class="num">{w.running_jobs}</td>
            <td><span class=class data-testid="worker-status">{status}</span></td>
        </tr>
    }
}

//! One worker's row: what it serves, its heartbeat, its status and the operator's actions.

use leptos::prelude::*;
use longjobs_openapi::{WorkerCommand, WorkerInfo};

use crate::components::TimeCell;

/// The status a worker shows, and its badge class.
fn status(w: &WorkerInfo) -> (&'static str, &'static str) {
    match (w.alive, w.stopped_at.is_some(), w.command) {
        (true, _, Some(WorkerCommand::Stop)) => ("stopping", "badge state-retryable"),
        (true, _, Some(WorkerCommand::Quiet)) => ("quiet", "badge badge-paused"),
        (true, _, None) => ("alive", "badge state-completed"),
        (false, true, _) => ("stopped", "badge state-cancelled"),
        (false, false, _) => ("stale", "badge state-discarded"),
    }
}

/// One worker.
#[component]
pub fn WorkerRow(
    w: WorkerInfo,
    can_act: Memo<bool>,
    busy: RwSignal<bool>,
    act: impl Fn(String, Option<WorkerCommand>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let queues = match &w.queues {
        serde_json::Value::Object(m) => m
            .iter()
            .map(|(k, v)| format!("{k} × {v}"))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    };
    let (label, class) = status(&w);
    // A live worker that is not on its way out takes commands.
    let commandable = w.alive && w.command != Some(WorkerCommand::Stop);
    let quiet = w.command == Some(WorkerCommand::Quiet);
    let id = w.id.clone();
    view! {
        <tr data-worker=w.id.clone() data-alive=w.alive.to_string() data-status=label>
            <td class="mono">{w.id.clone()}</td>
            <td>{w.host.clone()}</td>
            <td class="num">{w.pid}</td>
            <td>{queues}</td>
            <td><TimeCell time=w.started_at compact=true /></td>
            <td><TimeCell time=w.last_heartbeat_at compact=true /></td>
            <td class="num">{w.running_jobs}</td>
            <td class="status-cell">
                <div class="status-line">
                    <span class=class data-testid="worker-status">{label}</span>
                    {move || (can_act.get() && commandable).then(|| {
                        let (id1, id2) = (id.clone(), id.clone());
                        let (verb, command) = if quiet {
                            ("Resume", None)
                        } else {
                            ("Quiet", Some(WorkerCommand::Quiet))
                        };
                        view! {
                            <button type="button" class="btn btn-small" disabled=move || busy.get()
                                aria-label=format!("{verb} worker {id1}")
                                on:click={
                                    let id = id1.clone();
                                    move |_| act(id.clone(), command)
                                }>
                                {verb}
                            </button>
                            <button type="button" class="btn btn-small btn-danger-outline" disabled=move || busy.get()
                                aria-label=format!("Stop worker {id2}")
                                on:click={
                                    let id = id2.clone();
                                    move |_| act(id.clone(), Some(WorkerCommand::Stop))
                                }>
                                "Stop"
                            </button>
                        }
                    })}
                </div>
            </td>
        </tr>
    }
}

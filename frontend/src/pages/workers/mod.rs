//! `/workers`: the worker registry; operators quiet, resume or stop a worker.

mod row;

use leptos::prelude::*;
use leptos::task::spawn_local;
use longjobs_openapi::{LiveTopic, WorkerCommand};

use self::row::WorkerRow;
use crate::api::{self, ApiError};
use crate::components::{ConfirmDialog, ErrorNotice, LiveBadge, PageHeader};
use crate::poll::use_polled;
use crate::session;

/// Every registered worker with its queues, heartbeat, running jobs and status; operators
/// quiet (no more claims), resume or stop (finish or hand back, then exit) a worker.
#[component]
pub fn WorkersPage() -> impl IntoView {
    let workers = use_polled(
        Some(&[LiveTopic::Workers, LiveTopic::Jobs]),
        api::ops::workers,
    );
    let can_act = Memo::new(move |_| session::can_act());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    // The worker a stop waits to be confirmed for.
    let confirming = RwSignal::new(None::<String>);
    let send = move |id: String, command: Option<WorkerCommand>| {
        error.set(None);
        busy.set(true);
        spawn_local(async move {
            if let Err(e) = api::ops::command_worker(&id, command).await {
                error.try_set(Some(e));
            }
            busy.try_set(false);
            confirming.try_set(None);
            workers.reload();
        });
    };
    let act = move |id: String, command: Option<WorkerCommand>| {
        if command == Some(WorkerCommand::Stop) {
            confirming.set(Some(id));
        } else {
            send(id, command);
        }
    };
    view! {
        <PageHeader title="Workers" subtitle="A worker is alive while its heartbeat is recent and it has not stopped. Quiet: it claims nothing more; stop: it finishes or hands back its jobs, then exits.">
            <LiveBadge />
        </PageHeader>
        <ErrorNotice error=workers.error />
        <ErrorNotice error=error />
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
                        {move || workers.data.get().unwrap_or_default().into_iter().map(|w| view! {
                            <WorkerRow w=w can_act=can_act busy=busy act=act />
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            {move || workers.data.with(|w| match w {
                None => Some(view! { <p class="empty">"Loading…"</p> }),
                Some(w) if w.is_empty() => Some(view! { <p class="empty">"No workers have registered yet."</p> }),
                _ => None,
            })}
        </div>
        {move || confirming.get().map(|id| {
            let target = id.clone();
            view! {
                <ConfirmDialog title=format!("Stop worker {id}?") confirm_label="Stop worker" danger=true
                    busy=busy
                    on_confirm=move |()| send(target.clone(), Some(WorkerCommand::Stop))
                    on_cancel=move |()| confirming.set(None)>
                    <p>"At its next heartbeat it stops claiming, lets running jobs finish within its grace period, hands back the rest unspent, and exits. It does not come back on its own: whatever supervises it decides."</p>
                </ConfirmDialog>
            }
        })}
    }
}

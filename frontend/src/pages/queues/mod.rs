//! `/queues`: every queue with its jobs counted by state and its limits, marked when no
//! live worker serves it (or runs some of its kinds); pause and resume; set a queue's
//! limits; pause and resume job kinds.

mod kinds;
mod limits;
mod row;

use leptos::prelude::*;
use leptos::task::spawn_local;
use longjobs_openapi::{JobState, LiveTopic, QueueInfo};

use self::kinds::KindsCard;
use self::limits::LimitsForm;
use self::row::QueueRow;

use crate::api::{self, ApiError};
use crate::components::{ErrorNotice, LiveBadge, PageHeader};
use crate::poll::use_polled;
use crate::session;

/// Queues with counts per state and a paused badge; operators pause and resume them.
#[component]
pub fn QueuesPage() -> impl IntoView {
    let queues = use_polled(
        Some(&[LiveTopic::Jobs, LiveTopic::Queues, LiveTopic::Workers]),
        api::ops::queues,
    );
    let can_act = Memo::new(move |_| session::can_act());
    let action_error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(None::<String>);
    let toggle = move |name: String, pause: bool| {
        action_error.set(None);
        busy.set(Some(name.clone()));
        spawn_local(async move {
            if let Err(e) = api::ops::set_paused(&name, pause).await {
                action_error.try_set(Some(e));
            }
            busy.try_set(None);
            queues.reload();
        });
    };
    let header = JobState::ALL
        .iter()
        .map(|s| view! { <th scope="col" class="num">{s.as_str()}</th> })
        .collect_view();
    view! {
        <PageHeader title="Queues" subtitle="A paused queue keeps its jobs; workers stop claiming them until it is resumed. Limits hold over all workers.">
            <LiveBadge />
        </PageHeader>
        <ErrorNotice error=queues.error />
        <ErrorNotice error=action_error />
        <div class="card card-flush">
            <div class="table-wrap">
                <table class="table" data-testid="queues-table">
                    <thead>
                        <tr>
                            <th scope="col">"Queue"</th>
                            <th scope="col">"Status"</th>
                            {header}
                            <th scope="col" class="num">"total"</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For
                            each=move || queues.data.get().unwrap_or_default()
                            key=|q: &QueueInfo| (q.name.clone(), q.paused, q.paused_at, q.paused_by.clone(), q.concurrency, q.rate_limit, q.rate_period_secs, q.counts.iter().map(|c| c.count).collect::<Vec<_>>(), q.served, q.unserved_kinds.iter().map(|k| (k.kind.clone(), k.jobs)).collect::<Vec<_>>(), q.unserved_jobs)
                            let:q
                        >
                            <QueueRow q=q can_act=can_act busy=busy toggle=toggle />
                        </For>
                    </tbody>
                </table>
            </div>
            {move || queues.data.with(|q| match q {
                None => Some(view! { <p class="empty">"Loading…"</p> }),
                Some(q) if q.is_empty() => Some(view! { <p class="empty">"No queues yet."</p> }),
                _ => None,
            })}
        </div>
        {move || can_act.get().then(|| view! { <LimitsForm queues=queues on_saved=move || queues.reload() /> })}
        <KindsCard can_act=can_act />
    }
}

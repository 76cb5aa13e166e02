//! `/queues`: every queue with its jobs counted by state; pause and resume.

use leptos::prelude::*;
use leptos::task::spawn_local;
use longjobs_openapi::{JobState, LiveTopic, QueueInfo};

use crate::api::{self, ApiError};
use crate::components::{ErrorNotice, LiveBadge, PageHeader, TimeCell};
use crate::format;
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
        <PageHeader title="Queues" subtitle="A paused queue keeps its jobs; workers stop claiming them until it is resumed.">
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
                            key=|q: &QueueInfo| (q.name.clone(), q.paused, q.paused_at, q.paused_by.clone(), q.counts.iter().map(|c| c.count).collect::<Vec<_>>())
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
    }
}

/// One queue's row.
#[component]
fn QueueRow(
    q: QueueInfo,
    can_act: Memo<bool>,
    busy: RwSignal<Option<String>>,
    toggle: impl Fn(String, bool) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let name = q.name.clone();
    let paused = q.paused;
    let cells = JobState::ALL
        .iter()
        .map(|&st| {
            let n = format::count_of(&q.counts, st);
            view! {
                <td class="num">
                    {if n == 0 {
                        view! { <span class="zero">"0"</span> }.into_any()
                    } else {
                        view! {
                            <a href=format!("/jobs?queue={}&state={}", api::encode(&q.name), st.as_str())>
                                {format::count(n)}
                            </a>
                        }.into_any()
                    }}
                </td>
            }
        })
        .collect_view();
    let is_busy = {
        let name = name.clone();
        move || busy.with(|b| b.as_deref() == Some(name.as_str()))
    };
    let row_name = name.clone();
    let link = format!("/jobs?queue={}", api::encode(&name));
    let label = name.clone();
    view! {
        <tr data-queue=row_name data-paused=paused.to_string()>
            <th scope="row"><a href=link>{label}</a></th>
            <td class="status-cell">
                <div class="status-line">
                    // Operators read an active queue from its Pause button; viewers get a badge.
                    {move || if paused {
                        Some(view! { <span class="badge badge-paused" data-testid="paused-badge">"paused"</span> }.into_any())
                    } else if !can_act.get() {
                        Some(view! { <span class="badge badge-active">"active"</span> }.into_any())
                    } else {
                        None
                    }}
                    {move || can_act.get().then(|| view! {
                        {
                            let name = name.clone();
                            let is_busy = is_busy.clone();
                            view! {
                                <button
                                    type="button"
                                    class=if paused { "btn btn-primary btn-small" } else { "btn btn-small" }
                                    disabled=is_busy
                                    aria-label=format!("{} queue {}", if paused { "Resume" } else { "Pause" }, name)
                                    on:click={
                                        let name = name.clone();
                                        move |_| toggle(name.clone(), !paused)
                                    }
                                >
                                    {if paused { "Resume" } else { "Pause" }}
                                </button>
                            }
                        }
                    })}
                </div>
                {paused.then(|| view! {
                    <div class="muted small">
                        {q.paused_by.clone().map(|b| format!("by {b} "))}
                        {q.paused_at.map(|t| view! { <TimeCell time=t compact=true /> })}
                    </div>
                })}
            </td>
            {cells}
            <td class="num strong">{format::count(q.total)}</td>
        </tr>
    }
}

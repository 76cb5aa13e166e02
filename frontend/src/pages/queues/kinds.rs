//! Job kinds: which ones the workers run, and pausing one in every queue.

use leptos::prelude::*;
use leptos::task::spawn_local;
use longjobs_openapi::{KindInfo, LiveTopic};

use crate::api::{self, ApiError};
use crate::components::{ErrorNotice, TimeCell};
use crate::poll::use_polled;

/// Every kind the workers run or an operator paused; operators pause and resume them.
#[component]
pub fn KindsCard(can_act: Memo<bool>) -> impl IntoView {
    let kinds = use_polled(Some(&[LiveTopic::Jobs, LiveTopic::Queues]), api::ops::kinds);
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(None::<String>);
    let toggle = move |kind: String, pause: bool| {
        error.set(None);
        busy.set(Some(kind.clone()));
        spawn_local(async move {
            if let Err(e) = api::ops::set_kind_paused(&kind, pause).await {
                error.try_set(Some(e));
            }
            busy.try_set(None);
            kinds.reload();
        });
    };
    view! {
        <section class="card" aria-labelledby="kinds-title">
            <div class="card-header"><h2 id="kinds-title">"Job kinds"</h2></div>
            <p class="muted small">"A paused kind waits in every queue; other kinds go on. Workers adopt a pause within 2 s."</p>
            <ErrorNotice error=kinds.error />
            <ErrorNotice error=error />
            <div class="table-wrap">
                <table class="table" data-testid="kinds-table">
                    <thead>
                        <tr>
                            <th scope="col">"Kind"</th>
                            <th scope="col" class="num">"Live workers"</th>
                            <th scope="col">"Status"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || kinds.data.get().unwrap_or_default().into_iter().map(|k| view! {
                            <KindRow k=k can_act=can_act busy=busy toggle=toggle />
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            {move || kinds.data.with(|k| k.as_ref().is_some_and(Vec::is_empty).then(|| view! {
                <p class="empty">"No worker has said which kinds it runs yet."</p>
            }))}
        </section>
    }
}

#[component]
fn KindRow(
    k: KindInfo,
    can_act: Memo<bool>,
    busy: RwSignal<Option<String>>,
    toggle: impl Fn(String, bool) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let paused = k.paused;
    let name = k.kind.clone();
    let is_busy = {
        let name = name.clone();
        move || busy.with(|b| b.as_deref() == Some(name.as_str()))
    };
    let verb = if paused { "Resume" } else { "Pause" };
    view! {
        <tr data-kind=k.kind.clone() data-paused=paused.to_string()>
            <th scope="row" class="mono">{k.kind.clone()}</th>
            <td class="num">{k.workers}</td>
            <td class="status-cell">
                <div class="status-line">
                    {if paused {
                        view! { <span class="badge badge-paused" data-testid="kind-paused-badge">"paused"</span> }.into_any()
                    } else {
                        view! { <span class="badge badge-active">"active"</span> }.into_any()
                    }}
                    {move || can_act.get().then(|| {
                        let name = name.clone();
                        view! {
                            <button type="button"
                                class=if paused { "btn btn-primary btn-small" } else { "btn btn-small" }
                                disabled=is_busy.clone()
                                aria-label=format!("{verb} kind {name}")
                                on:click={
                                    let name = name.clone();
                                    move |_| toggle(name.clone(), !paused)
                                }>
                                {verb}
                            </button>
                        }
                    })}
                </div>
                {paused.then(|| view! {
                    <div class="muted small">
                        {k.paused_by.clone().map(|b| format!("by {b} "))}
                        {k.paused_at.map(|t| view! { <TimeCell time=t compact=true /> })}
                    </div>
                })}
            </td>
        </tr>
    }
}

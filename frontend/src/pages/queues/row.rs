//! One queue's row: its status (pause, resume), limits and counts per state.

use leptos::prelude::*;
use longjobs_openapi::{JobState, QueueInfo};

use crate::api;
use crate::components::TimeCell;
use crate::format;

/// How a queue's limits read: "≤ 3 running · 30 per min"; `None` without limits.
pub fn limits_text(q: &QueueInfo) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(n) = q.concurrency {
        parts.push(format!("≤ {n} running"));
    }
    if let Some(n) = q.rate_limit {
        let per = match q.rate_period_secs.unwrap_or(60) {
            1 => "s".to_string(),
            60 => "min".to_string(),
            3600 => "h".to_string(),
            86_400 => "day".to_string(),
            s => format!("{s} s"),
        };
        parts.push(format!("{n} per {per}"));
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// One queue's row.
#[component]
pub fn QueueRow(
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
    let limits = limits_text(&q);
    let unserved = unserved_view(&q);
    view! {
        <tr data-queue=row_name data-paused=paused.to_string() data-served=q.served.to_string()>
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
                {unserved}
                {limits.map(|l| view! { <div class="small" data-testid="queue-limits">{l}</div> })}
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

/// "no worker serves this" on a queue no live worker serves (a paused one waits for its
/// resume, not for a worker), with the jobs that wait; the kinds no live worker of a served
/// queue runs.
fn unserved_view(q: &QueueInfo) -> impl IntoView + use<> {
    let waiting = |n: i64| {
        (n > 0).then(|| {
            format!(
                " · {} {} waiting",
                format::count(n),
                format::noun(n, "job", "jobs")
            )
        })
    };
    let queue = (!q.served && !q.paused).then(|| {
        view! {
            <div class="small unserved-note" data-testid="queue-unserved">
                <span class="badge badge-warn">"no worker"</span>
                " serves this"
                {waiting(q.unserved_jobs)}
            </div>
        }
    });
    let kinds = q
        .unserved_kinds
        .iter()
        .map(|k| {
            view! {
                <div class="small unserved-note" data-testid="kind-unserved" data-kind=k.kind.clone()>
                    <span class="badge badge-warn">"no worker"</span>
                    " runs "
                    <span class="mono">{k.kind.clone()}</span>
                    {waiting(k.jobs)}
                </div>
            }
        })
        .collect_view();
    (queue, kinds)
}

//! `/periodic`: the recurring jobs the workers schedule (the daily retry, …) with their
//! schedule, last run (linked to its job) and next run; run now, pause and resume.

use leptos::prelude::*;
use leptos::task::spawn_local;
use longjobs_openapi::{LiveTopic, PeriodicJob};

use crate::api::{self, ApiError};
use crate::components::{ErrorNotice, LiveBadge, PageHeader, StateBadge, TimeCell};
use crate::poll::use_polled;
use crate::session;

/// What an operator asked of one periodic job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Run,
    Pause,
    Resume,
}

/// Periodic jobs, refreshed every 5 s; operators run one now, pause or resume it.
#[component]
pub fn PeriodicPage() -> impl IntoView {
    let jobs = use_polled(
        Some(&[LiveTopic::Periodic, LiveTopic::Jobs]),
        api::periodic::list,
    );
    let can_act = Memo::new(move |_| session::can_act());
    let action_error = RwSignal::new(None::<ApiError>);
    let done = RwSignal::new(None::<String>);
    let busy = RwSignal::new(None::<String>);
    let act = move |name: String, what: Act| {
        action_error.set(None);
        done.set(None);
        busy.set(Some(name.clone()));
        spawn_local(async move {
            let outcome = match what {
                Act::Run => api::periodic::run_now(&name)
                    .await
                    .map(|r| format!("{name} enqueued as job #{}.", r.job_id)),
                Act::Pause => api::periodic::set_paused(&name, true)
                    .await
                    .map(|_| format!("{name} paused: the scheduler no longer runs it.")),
                Act::Resume => api::periodic::set_paused(&name, false)
                    .await
                    .map(|_| format!("{name} resumed.")),
            };
            match outcome {
                Ok(text) => {
                    done.try_set(Some(text));
                }
                Err(e) => {
                    action_error.try_set(Some(e));
                }
            }
            busy.try_set(None);
            jobs.reload();
        });
    };
    view! {
        <PageHeader title="Periodic jobs" subtitle="Recurring work the workers schedule — once per run, however many workers run. Run now leaves the schedule as it is.">
            <LiveBadge />
        </PageHeader>
        <ErrorNotice error=jobs.error />
        <ErrorNotice error=action_error />
        {move || done.get().map(|t| view! { <div class="notice notice-success" role="status" data-testid="periodic-result">{t}</div> })}
        <div class="card card-flush">
            <div class="table-wrap">
                <table class="table" data-testid="periodic-table">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Schedule"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Last run"</th>
                            <th scope="col">"Next run"</th>
                            {move || can_act.get().then(|| view! { <th scope="col">"Actions"</th> })}
                        </tr>
                    </thead>
                    <tbody>
                        {move || jobs.data.get().unwrap_or_default().into_iter()
                            .map(|p| view! { <PeriodicRow p=p can_act=can_act busy=busy act=act /> })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
            {move || jobs.data.with(|j| match j {
                None => Some(view! { <p class="empty">"Loading…"</p> }),
                Some(j) if j.is_empty() => Some(view! { <p class="empty" data-testid="no-periodic">"No periodic jobs yet: a worker writes them when it starts."</p> }),
                _ => None,
            })}
        </div>
    }
}

/// One periodic job's row.
#[component]
fn PeriodicRow(
    p: PeriodicJob,
    can_act: Memo<bool>,
    busy: RwSignal<Option<String>>,
    act: impl Fn(String, Act) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let name = p.name.clone();
    let paused = p.paused;
    let is_busy = {
        let name = name.clone();
        move || busy.with(|b| b.as_deref() == Some(name.as_str()))
    };
    let last = match (p.last_run_at, p.last_job_id) {
        (Some(at), job) => view! {
            <TimeCell time=at compact=true />
            {job.map(|j| view! {
                " " <a class="mono" href=format!("/jobs/{j}") data-testid="last-job">{format!("job #{j}")}</a>
            })}
            " "
            {match p.last_job_state {
                Some(s) => view! { <StateBadge state=s /> }.into_any(),
                None => view! { <span class="muted small">"pruned"</span> }.into_any(),
            }}
        }
        .into_any(),
        (None, _) => view! { <span class="muted">"never"</span> }.into_any(),
    };
    let row_name = name.clone();
    view! {
        <tr data-periodic=row_name data-paused=paused.to_string()>
            <th scope="row">
                <div class="mono">{name.clone()}</div>
                <div class="muted small">{format!("{} in queue {}", p.kind, p.queue)}</div>
            </th>
            <td data-testid="periodic-schedule">{p.schedule_text.clone()}</td>
            <td>
                {if paused {
                    view! { <span class="badge badge-paused" data-testid="periodic-paused">"paused"</span> }.into_any()
                } else {
                    view! { <span class="badge badge-active">"active"</span> }.into_any()
                }}
                <div class="muted small">{format!("by {}", p.updated_by)}</div>
            </td>
            <td class="nowrap" data-testid="periodic-last">{last}</td>
            <td class="nowrap" data-testid="periodic-next">
                {if paused {
                    view! { <span class="muted">"not while paused"</span> }.into_any()
                } else {
                    view! { <TimeCell time=p.next_run_at compact=true /> }.into_any()
                }}
            </td>
            {move || can_act.get().then(|| {
                let (run, toggle) = (name.clone(), name.clone());
                let is_busy = is_busy.clone();
                let is_busy2 = is_busy.clone();
                view! {
                    <td class="actions-cell">
                        // Named from its text ("Run <name> now") so the name holds what it shows.
                        <button type="button" class="btn btn-primary btn-small" disabled=is_busy
                            on:click={
                                let run = run.clone();
                                move |_| act(run.clone(), Act::Run)
                            }>"Run "<span class="sr-only">{format!("{run} ")}</span>"now"</button>
                        " "
                        <button type="button" class="btn btn-small" disabled=is_busy2
                            aria-label=format!("{} {toggle}", if paused { "Resume" } else { "Pause" })
                            on:click={
                                let toggle = toggle.clone();
                                move |_| act(toggle.clone(), if paused { Act::Resume } else { Act::Pause })
                            }>{if paused { "Resume" } else { "Pause" }}</button>
                    </td>
                }
            })}
        </tr>
    }
}

//! `/jobs/:id`: one job — summary, payload, lease, error history and actions, and a warning
//! when it waits for a worker that does not exist.

mod actions;
mod dataset;

use leptos::prelude::*;
use leptos::task::spawn_local;
use longjobs_openapi::{ActionOutcome, ActionResult, JobAction, JobDetail, JobState};

use crate::api::{self, ApiError};
use crate::components::{
    Breadcrumbs, ConfirmDialog, ErrorNotice, JobSubject, JobTimeline, RunningFor, StateBadge,
    TimeCell,
};
use crate::format::{action_past, action_verb};
use crate::poll::use_item;
use crate::session;
use actions::JobActions;
use dataset::JobDataset;

/// The job's summary, payload, lease and error history, refreshed as it changes; operators get
/// Retry / Cancel / Discard behind a confirmation (an action that cannot apply is disabled,
/// its reason shown), and a refusal's reason shows inline.
#[component]
pub fn JobPage() -> impl IntoView {
    let (id, job) = use_item(api::jobs::get);
    let can_act = Memo::new(move |_| session::can_act());
    let pending = RwSignal::new(None::<JobAction>);
    let busy = RwSignal::new(false);
    let refusal = RwSignal::new(None::<ApiError>);
    let done = RwSignal::new(None::<ActionOutcome>);

    let confirm = Callback::new(move |()| {
        let (Some(action), Some(id)) = (pending.get_untracked(), id.get_untracked()) else {
            return;
        };
        busy.set(true);
        spawn_local(async move {
            match api::jobs::act(id, action).await {
                Ok(o) => {
                    done.try_set(Some(o));
                    refusal.try_set(None);
                }
                Err(e) => {
                    refusal.try_set(Some(e));
                    done.try_set(None);
                }
            }
            pending.try_set(None);
            busy.try_set(false);
            job.reload();
        });
    });
    let cancel = Callback::new(move |()| pending.set(None));
    let ask = move |a: JobAction| {
        refusal.set(None);
        done.set(None);
        pending.set(Some(a));
    };

    view! {
        <Breadcrumbs href="/jobs" list="Jobs" id=id />
        <ErrorNotice error=job.error />
        {move || job.data.get().map(|d| {
            let state = d.job.state;
            view! {
                <div class="page-header">
                    <div>
                        <h1>
                            {format!("Job #{} ", d.job.id)}
                            <span class="mono kind-title">{d.job.kind.clone()}</span>
                        </h1>
                        <p class="subtitle">
                            <StateBadge state=state />
                            {format!(" on queue {} · attempt {} of {} ", d.job.queue, d.job.attempt, d.job.max_attempts)}
                            {d.job.attempted_at.filter(|_| state == JobState::Running).map(|t| view! { <RunningFor since=t /> })}
                        </p>
                    </div>
                    {move || can_act.get().then(|| view! {
                        <JobActions checks=d.actions.clone() busy=busy ask=Callback::new(ask) />
                    })}
                </div>
            }
        })}
        {move || job.data.get().and_then(|d| d.unserved_reason).map(|why| view! {
            <div class="notice notice-warn" role="status" data-testid="job-unserved">
                <strong>"No worker will run this job: "</strong>
                {format!("{why}. It waits until a worker that runs it starts, or an operator cancels it.")}
            </div>
        })}
        <div data-testid="job-refusal"><ErrorNotice error=refusal /></div>
        {move || done.get().map(|o| view! {
            <div class="notice notice-success" role="status" data-testid="job-action-done">
                {match (o.outcome, o.state) {
                    (ActionResult::CancelRequested, _) => "Cancel requested: the worker stops the job at its next heartbeat.".to_string(),
                    (_, Some(s)) => format!("Done: the job moved to {}; this page follows it.", s.as_str()),
                    (other, None) => format!("Done ({}).", other.as_str()),
                }}
            </div>
        })}
        {move || job.data.get().map(|d| view! { <JobBody detail=d /> })}
        {move || pending.get().map(|a| {
            let n = id.get_untracked().unwrap_or_default();
            view! {
                <ConfirmDialog
                    title=format!("{} job #{n}?", action_verb(a))
                    confirm_label=action_verb(a)
                    danger=a != JobAction::Retry
                    busy=busy
                    on_confirm=confirm
                    on_cancel=cancel
                >
                    <p>{format!("Job #{n} will be {}.", action_past(a))}</p>
                </ConfirmDialog>
            }
        })}
    }
}

/// Summary, lease, payload and history of a loaded job.
#[component]
fn JobBody(detail: JobDetail) -> impl IntoView {
    let j = detail.job;
    let payload = serde_json::to_string_pretty(&detail.payload).unwrap_or_default();
    let leased = j.state == JobState::Running || j.lease_owner.is_some();
    view! {
        <div class="grid-2">
            <section class="card" aria-labelledby="summary-title">
                <h2 id="summary-title">"Summary"</h2>
                <dl class="facts" data-testid="job-summary">
                    <dt>"State"</dt><dd data-testid="job-state" data-state=j.state.as_str()><StateBadge state=j.state />
                        {j.cancel_requested.then(|| view! { " " <span class="badge badge-warn">"cancel requested"</span> })}</dd>
                    <dt>"Queue"</dt><dd>{j.queue.clone()}</dd>
                    <dt>"Kind"</dt><dd class="mono">{j.kind.clone()}</dd>
                    <JobSubject kind=j.kind.clone() payload=detail.payload.clone() />
                    <JobDataset kind=j.kind.clone() payload=detail.payload.clone() />
                    <dt>"Attempt"</dt><dd>{format!("{} of {}", j.attempt, j.max_attempts)}</dd>
                    <dt>"Priority"</dt><dd>{j.priority}</dd>
                    <dt>"Run at"</dt><dd><TimeCell time=j.run_at /></dd>
                    <dt>"Created"</dt><dd><TimeCell time=j.created_at /></dd>
                    <dt>"Last attempt"</dt><dd>{j.attempted_at.map(|t| view! { <TimeCell time=t /> }.into_any()).unwrap_or_else(|| "never".into_any())}</dd>
                    <dt>"Finished"</dt><dd>{j.finished_at.map(|t| view! { <TimeCell time=t /> }.into_any()).unwrap_or_else(|| "not yet".into_any())}</dd>
                    <dt>"Unique key"</dt><dd class="mono">{j.unique_key.clone().unwrap_or_else(|| "—".into())}</dd>
                    <dt>"Ordering key"</dt><dd class="mono">{j.ordering_key.clone().unwrap_or_else(|| "—".into())}</dd>
                </dl>
            </section>
            <section class="card" aria-labelledby="lease-title">
                <h2 id="lease-title">"Lease"</h2>
                {if leased {
                    view! {
                        <dl class="facts">
                            <dt>"Worker"</dt><dd class="mono">{j.lease_owner.clone().unwrap_or_else(|| "—".into())}</dd>
                            <dt>"Expires"</dt><dd>{detail.lease_expires_at.map(|t| view! { <TimeCell time=t /> }.into_any()).unwrap_or_else(|| "—".into_any())}</dd>
                        </dl>
                    }.into_any()
                } else {
                    view! { <p class="muted">"Not leased: no worker holds this job."</p> }.into_any()
                }}
                {j.last_error.clone().map(|e| view! {
                    <h3>"Last error"</h3>
                    <pre class="error-text">{e}</pre>
                })}
            </section>
        </div>
        <section class="card" aria-labelledby="payload-title">
            <h2 id="payload-title">"Payload"</h2>
            <pre class="code" data-testid="job-payload">{payload}</pre>
        </section>
        <section class="card" aria-labelledby="history-title">
            <h2 id="history-title">"History"</h2>
            <JobTimeline entries=detail.history />
        </section>
    }
}

//! `/merritt/submissions/:id`: one Merritt submission — summary (its identifier linked to
//! the dataset page, its size), its state history and its request log; give up (with a
//! reason).

use leptos::prelude::*;
use leptos::task::spawn_local;
use longjobs_openapi::{Submission, SubmissionLogLine, SubmissionState};

use crate::api::{self, ApiError};
use crate::components::{
    Breadcrumbs, ConfirmDialog, ErrorNotice, LogLine, LogLines, SubmissionHistory,
    SubmissionStateBadge, TimeCell,
};
use crate::pages::DatasetLink;
use crate::poll::{ITEM_REFRESH, use_item, use_polled};
use crate::session;

/// The submission with its history and request log, refreshed as it changes; operators give
/// it up, saying why (the API refuses, with its reason, where that cannot apply).
#[component]
pub fn MerrittSubmissionPage() -> impl IntoView {
    let (id, sub) = use_item(api::merritt::get);
    let log = use_polled(Some(ITEM_REFRESH), move || {
        api::merritt::log(id.get().unwrap_or(0))
    });
    let can_act = Memo::new(move |_| session::can_act());
    let asking = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let action_error = RwSignal::new(None::<ApiError>);
    let confirm = Callback::new(move |()| {
        let Some(id) = id.get_untracked() else {
            return;
        };
        busy.set(true);
        action_error.set(None);
        let why = reason.get_untracked();
        spawn_local(async move {
            match api::merritt::give_up(id, why).await {
                Ok(_) => {
                    asking.try_set(false);
                    reason.try_set(String::new());
                }
                Err(e) => {
                    action_error.try_set(Some(e));
                }
            }
            busy.try_set(false);
            sub.reload();
            log.reload();
        });
    });
    let cancel = Callback::new(move |()| {
        asking.set(false);
        action_error.set(None);
    });

    view! {
        <Breadcrumbs href="/merritt" list="Merritt queue" id=id />
        <ErrorNotice error=sub.error />
        {move || sub.data.get().map(|s| {
            let ended = matches!(s.state, SubmissionState::Completed | SubmissionState::GivenUp);
            view! {
                <div class="page-header">
                    <div>
                        <h1>{format!("Submission #{}", s.id)}</h1>
                        <p class="subtitle">
                            <SubmissionStateBadge state=s.state />
                            {format!(" {} · resource {}", s.identifier, s.resource_id)}
                        </p>
                    </div>
                    {move || (can_act.get() && !ended).then(|| view! {
                        <div class="actions" role="group" aria-label="Submission actions" data-testid="submission-actions">
                            <button type="button" class="btn btn-danger" disabled=move || busy.get()
                                on:click=move |_| asking.set(true)>"Give up"</button>
                        </div>
                    })}
                </div>
            }
        })}
        {move || (!asking.get()).then(|| view! { <ErrorNotice error=action_error /> })}
        {move || sub.data.get().map(|s| view! { <SubmissionBody sub=s /> })}
        <section class="card" aria-labelledby="submission-log-title">
            <div class="card-header">
                <h2 id="submission-log-title">"Request log"</h2>
                <span class="muted small">"every request to Merritt and its answer, oldest first (credentials removed)"</span>
            </div>
            <ErrorNotice error=log.error />
            {move || log.data.get().map(|lines| view! { <SubmissionLog lines=lines /> })}
        </section>
        {move || asking.get().then(|| {
            let title = id.get_untracked().map(|i| format!("Give up on submission #{i}?")).unwrap_or_default();
            view! {
                <ConfirmDialog title=title confirm_label="Give up" danger=true busy=busy on_confirm=confirm on_cancel=cancel>
                    <p>"It ends without being submitted to Merritt and its waiting job is cancelled. This cannot be undone; the reason is kept in its history and the audit log."</p>
                    <label for="give-up-reason">"Reason (required)"</label>
                    <textarea id="give-up-reason" class="reason" rows="3" data-testid="give-up-reason"
                        prop:value=move || reason.get()
                        on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                    <ErrorNotice error=action_error />
                </ConfirmDialog>
            }
        })}
    }
}

/// Summary and state history of a loaded submission.
#[component]
fn SubmissionBody(sub: Submission) -> impl IntoView {
    let dash = || "—".to_string();
    view! {
        <div class="grid-2">
            <section class="card" aria-labelledby="submission-summary-title">
                <h2 id="submission-summary-title">"Summary"</h2>
                <dl class="facts" data-testid="submission-summary">
                    <dt>"State"</dt><dd data-testid="submission-state" data-state=sub.state.as_str()><SubmissionStateBadge state=sub.state /></dd>
                    <dt>"Identifier"</dt><dd><DatasetLink identifier=sub.identifier.clone() /></dd>
                    <dt>"Resource"</dt><dd>{sub.resource_id}</dd>
                    <dt>"Size"</dt><dd data-testid="submission-size">{crate::format::bytes(sub.size)}</dd>
                    <dt>"ARK"</dt><dd class="mono">{sub.ark.clone().unwrap_or_else(dash)}</dd>
                    <dt>"Host"</dt><dd class="mono">{sub.host.clone()}</dd>
                    <dt>"Job"</dt><dd>{sub.job_id.map(|j| view! { <a class="mono" href=format!("/jobs/{j}")>{format!("#{j}")}</a> })}{sub.job_id.is_none().then_some("none")}</dd>
                    <dt>"Created"</dt><dd><TimeCell time=sub.created_at /></dd>
                    <dt>"Updated"</dt><dd><TimeCell time=sub.updated_at /></dd>
                </dl>
                {sub.last_error.clone().map(|e| view! {
                    <h3>"Last error"</h3>
                    <pre class="error-text" data-testid="submission-last-error">{e}</pre>
                })}
            </section>
            <section class="card" aria-labelledby="submission-history-title">
                <h2 id="submission-history-title">"State history"</h2>
                <ol class="history-list" data-testid="submission-history-list"><SubmissionHistory history=sub.history.clone() tagged=true /></ol>
            </section>
        </div>
    }
}

/// The request log: one line per request, answer or error.
#[component]
fn SubmissionLog(lines: Vec<SubmissionLogLine>) -> impl IntoView {
    let lines = lines
        .into_iter()
        .map(|l| {
            let call = match (&l.method, &l.url) {
                (Some(m), Some(u)) => format!("{m} {u}"),
                _ => String::new(),
            };
            let facts = [
                l.status.map(|s| s.to_string()),
                l.duration_ms.map(|d| format!("{d} ms")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ");
            let message = view! {
                {(!call.is_empty()).then(|| view! { <span class="mono">{call}</span> " " })}
                {(!facts.is_empty()).then(|| view! { <strong>{facts}</strong> " " })}
                {l.message}
            };
            LogLine {
                at: l.at,
                kind: l.kind,
                message: message.into_any(),
            }
        })
        .collect();
    view! {
        <LogLines lines=lines testid="submission-log"
            empty="Nothing logged yet: no request was made for this submission." />
    }
}

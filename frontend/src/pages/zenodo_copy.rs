//! `/zenodo/copies/:id`: one copy — summary (with when a retrying copy tries again, its
//! daily-retry choice and its upload progress while it replicates), its full request log
//! and its job's history; resend, resend chain, give up (with a reason) and exclude from or
//! include in the daily retry (with a reason).

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use longjobs_openapi::{CopyDetail, CopyLogLine, CopyState};

use crate::api::{self, ApiError};
use crate::components::{
    ConfirmDialog, CopyStateBadge, ErrorNotice, JobTimeline, StateBadge, TimeCell,
};
use crate::copies_query::CopiesQuery;
use crate::format;
use crate::pages::zenodo::{ResendOutcome, Resent, plural};
use crate::poll::use_polled;
use crate::session;

/// How often the copy page refreshes (people watch a resend finish).
const COPY_REFRESH: Duration = Duration::from_secs(2);

/// The copy with its log and job, refreshed every 2 s; operators resend it (the refusal's
/// reason shows inline) or resend its dataset's chain (confirmed).
#[component]
pub fn ZenodoCopyPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok())));
    // An id that is not a number asks for copy 0, which the API refuses with its reason.
    let copy = use_polled(Some(COPY_REFRESH), move || {
        api::zenodo::get(id.get().unwrap_or(0))
    });
    let can_act = Memo::new(move |_| session::can_act());
    let resent = RwSignal::new(None::<Resent>);
    let resend = move |_| {
        let Some(id) = id.get_untracked() else {
            return;
        };
        resent.set(Some(Resent::Busy));
        spawn_local(async move {
            let outcome = match api::zenodo::resend(id).await {
                Ok(r) => Resent::Requeued(r.requeued),
                Err(e) => Resent::Refused(e.detail),
            };
            resent.try_set(Some(outcome));
            copy.reload();
        });
    };

    let chain_pending = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let chain_error = RwSignal::new(None::<ApiError>);
    let chain_done = RwSignal::new(None::<Vec<i64>>);
    let identifier = Memo::new(move |_| {
        copy.data
            .with(|d| d.as_ref().map(|d| d.copy.identifier.clone()))
    });
    let confirm_chain = Callback::new(move |()| {
        let Some(ident) = identifier.get_untracked() else {
            return;
        };
        busy.set(true);
        spawn_local(async move {
            match api::zenodo::resend_chain(&ident).await {
                Ok(r) => {
                    chain_done.try_set(Some(r.requeued));
                    chain_error.try_set(None);
                }
                Err(e) => {
                    chain_error.try_set(Some(e));
                }
            }
            chain_pending.try_set(false);
            busy.try_set(false);
            copy.reload();
        });
    });
    let cancel_chain = Callback::new(move |()| chain_pending.set(false));

    // Give up / daily retry: one reason dialog, for the action asked.
    let reason_for = RwSignal::new(None::<ReasonAction>);
    let reason = RwSignal::new(String::new());
    let reason_missing = RwSignal::new(false);
    let reason_busy = RwSignal::new(false);
    let action_error = RwSignal::new(None::<ApiError>);
    let action_done = RwSignal::new(None::<String>);
    let open_reason = move |a: ReasonAction| {
        reason.set(String::new());
        reason_missing.set(false);
        reason_for.set(Some(a));
    };
    let confirm_reason = Callback::new(move |()| {
        let (Some(id), Some(action)) = (id.get_untracked(), reason_for.get_untracked()) else {
            return;
        };
        let why = reason.get_untracked().trim().to_string();
        if why.is_empty() {
            reason_missing.set(true);
            return;
        }
        reason_busy.set(true);
        spawn_local(async move {
            let done = match action {
                ReasonAction::GiveUp => api::zenodo::give_up(id, &why).await.map(|g| {
                    if g.released.is_empty() {
                        "Given up.".to_string()
                    } else {
                        format!(
                            "Given up; released {} behind it ({}).",
                            plural(g.released.len(), "copy", "copies"),
                            format::id_list(&g.released)
                        )
                    }
                }),
                ReasonAction::DailyRetry(excluded) => {
                    api::zenodo::set_daily_retry(id, excluded, &why)
                        .await
                        .map(|_| {
                            if excluded {
                                "Excluded from the daily retry.".to_string()
                            } else {
                                "Included in the daily retry again.".to_string()
                            }
                        })
                }
            };
            match done {
                Ok(msg) => {
                    action_done.try_set(Some(msg));
                    action_error.try_set(None);
                }
                Err(e) => {
                    action_done.try_set(None);
                    action_error.try_set(Some(e));
                }
            }
            reason_busy.try_set(false);
            reason_for.try_set(None);
            copy.reload();
        });
    });
    let cancel_reason = Callback::new(move |()| reason_for.set(None));

    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/zenodo">"Zenodo copies"</a>
            <span aria-hidden="true">" / "</span>
            <span aria-current="page">{move || id.get().map(|i| format!("#{i}")).unwrap_or_default()}</span>
        </nav>
        <ErrorNotice error=copy.error />
        {move || copy.data.get().map(|d| {
            let c = d.copy;
            let finished = c.state == CopyState::Finished;
            let given_up = c.state == CopyState::GivenUp;
            let excluded = c.daily_retry_excluded;
            // Why Give up cannot apply, shown next to the disabled button.
            let cannot_give_up = if finished {
                Some("finished: nothing to give up")
            } else if given_up {
                Some("already given up; Resend brings it back")
            } else {
                None
            };
            view! {
                <div class="page-header">
                    <div>
                        <h1>
                            {format!("Copy #{} ", c.id)}
                            <span class="mono kind-title">{c.copy_type.as_str()}</span>
                        </h1>
                        <p class="subtitle">
                            <CopyStateBadge state=c.state />
                            {format!(" {} · resource {} · {}", c.identifier, c.resource_id, plural(usize::try_from(c.attempts).unwrap_or(0), "attempt", "attempts"))}
                        </p>
                    </div>
                    {move || can_act.get().then(|| view! {
                        <div class="actions" role="group" aria-label="Copy actions" data-testid="copy-actions">
                            {(!finished).then(|| view! {
                                <button type="button" class="btn btn-primary" on:click=resend
                                    disabled=move || resent.with(|r| r == &Some(Resent::Busy))>"Resend"</button>
                            })}
                            <button type="button" class="btn" on:click=move |_| chain_pending.set(true)
                                disabled=move || busy.get()>"Resend chain"</button>
                            <button type="button" class="btn btn-danger" data-testid="give-up"
                                disabled=cannot_give_up.is_some()
                                title=cannot_give_up.unwrap_or("End this copy without replicating it")
                                on:click=move |_| open_reason(ReasonAction::GiveUp)>"Give up"</button>
                            {cannot_give_up.map(|why| view! { <span class="muted action-why" data-testid="give-up-why">{why}</span> })}
                            <button type="button" class="btn" data-testid="daily-retry-toggle"
                                on:click=move |_| open_reason(ReasonAction::DailyRetry(!excluded))>
                                {if excluded { "Include in daily retry" } else { "Exclude from daily retry" }}
                            </button>
                        </div>
                    })}
                </div>
            }
        })}
        {move || match (resent.get(), id.get()) {
            (Some(r), Some(id)) => Some(view! { <div class="notice notice-plain"><ResendOutcome id=id outcome=r /></div> }),
            _ => None,
        }}
        <ErrorNotice error=chain_error />
        <ErrorNotice error=action_error />
        {move || action_done.get().map(|msg| view! {
            <div class="notice notice-success" role="status" data-testid="copy-action-result">{msg}</div>
        })}
        {move || chain_done.get().map(|ids| view! {
            <div class="notice notice-success" role="status" data-testid="chain-result">
                {if ids.is_empty() {
                    "Resend chain: every copy of this dataset is finished; nothing to send.".to_string()
                } else {
                    format!("Resend chain: {} back in the work queue, in order ({}).", plural(ids.len(), "copy", "copies"), format::id_list(&ids))
                }}
            </div>
        })}
        {move || copy.data.get().map(|d| view! { <CopyBody detail=d /> })}
        {move || reason_for.get().map(|action| {
            let (title, label, what) = match action {
                ReasonAction::GiveUp => (
                    "Give up on this copy?",
                    "Give up",
                    "The copy ends without being replicated; its job is cancelled and the copies behind it in its group run. Resend brings it back.",
                ),
                ReasonAction::DailyRetry(true) => (
                    "Exclude from the daily retry?",
                    "Exclude",
                    "The daily retry leaves this copy, and the copies waiting behind it, alone until it is included again.",
                ),
                ReasonAction::DailyRetry(false) => (
                    "Include in the daily retry?",
                    "Include",
                    "The daily retry resends this copy again while it is in error, up to its limit.",
                ),
            };
            view! {
                <ConfirmDialog
                    title=title.to_string()
                    confirm_label=label
                    danger=matches!(action, ReasonAction::GiveUp)
                    busy=reason_busy
                    on_confirm=confirm_reason
                    on_cancel=cancel_reason
                >
                    <p>{what}</p>
                    <div class="field">
                        <label for="action-reason">"Reason (required, kept in the audit log)"</label>
                        <textarea id="action-reason" class="reason-input" data-testid="reason-input"
                            aria-invalid=move || reason_missing.get().to_string()
                            prop:value=move || reason.get()
                            on:input=move |ev| { reason.set(event_target_value(&ev)); reason_missing.set(false); }></textarea>
                        {move || reason_missing.get().then(|| view! { <p class="field-error" role="alert">"Say why."</p> })}
                    </div>
                </ConfirmDialog>
            }
        })}
        {move || chain_pending.get().then(|| {
            let ident = identifier.get_untracked().unwrap_or_default();
            view! {
                <ConfirmDialog
                    title=format!("Resend the chain of {ident}?")
                    confirm_label="Resend chain"
                    busy=busy
                    on_confirm=confirm_chain
                    on_cancel=cancel_chain
                >
                    <p>{format!("Every unfinished copy of {ident} goes back in the work queue, each copy type from its first unfinished copy, in id order.")}</p>
                </ConfirmDialog>
            }
        })}
    }
}

/// An action that needs the operator's reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReasonAction {
    GiveUp,
    /// Exclude (true) or include (false).
    DailyRetry(bool),
}

/// Summary, request log and job of a loaded copy.
#[component]
fn CopyBody(detail: CopyDetail) -> impl IntoView {
    let c = detail.copy;
    let file_count = detail.files.len();
    let dash = || "—".to_string();
    let title = detail.metadata["title"].as_str().map(str::to_string);
    let p = c.progress.clone();
    let replicating = c.state == CopyState::Replicating;
    let retry = c.retry.clone().map(|r| {
        format!(
            "attempt {} of {} failed; next attempt {} ({})",
            r.attempt,
            r.max_attempts,
            format::relative(&r.next_at),
            format::datetime(&r.next_at)
        )
    });
    let daily = if c.daily_retry_excluded {
        format!(
            "excluded — {}",
            c.daily_retry_note.clone().unwrap_or_default()
        )
    } else {
        format!(
            "included ({} so far)",
            plural(
                usize::try_from(c.daily_retries).unwrap_or(0),
                "resend",
                "resends"
            )
        )
    };
    let files = detail
        .files
        .into_iter()
        .map(|f| {
            view! {
                <tr>
                    <td class="mono">{f.name.0}</td>
                    <td class="num">{format::bytes(f.size)}</td>
                    <td class="mono small">{f.md5.0}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="grid-2">
            <section class="card" aria-labelledby="copy-summary-title">
                <h2 id="copy-summary-title">"Summary"</h2>
                <dl class="facts" data-testid="copy-summary">
                    <dt>"State"</dt><dd data-testid="copy-state" data-state=c.state.as_str()><CopyStateBadge state=c.state /></dd>
                    <dt>"Identifier"</dt><dd><a class="mono" href=CopiesQuery::of_identifier(&c.identifier)>{c.identifier.clone()}</a></dd>
                    <dt>"Title"</dt><dd>{title.unwrap_or_else(dash)}</dd>
                    <dt>"Resource"</dt><dd>{c.resource_id}</dd>
                    <dt>"Copy type"</dt><dd class="mono">{c.copy_type.as_str()}</dd>
                    <dt>"Size"</dt><dd>{format!("{} in {}", format::bytes(c.size), plural(file_count, "file", "files"))}</dd>
                    <dt>"Attempts"</dt><dd data-testid="copy-attempts">{c.attempts}</dd>
                    {retry.map(|r| view! { <dt>"Next attempt"</dt><dd data-testid="copy-retry">{r}</dd> })}
                    {c.given_up_reason.clone().map(|r| view! { <dt>"Given up"</dt><dd data-testid="copy-given-up">{r}</dd> })}
                    <dt>"Daily retry"</dt><dd data-testid="copy-daily-retry" data-excluded=c.daily_retry_excluded.to_string()>{daily}</dd>
                    <dt>"Waiting on"</dt><dd>{c.waiting_on.map(|w| view! { <a class="mono" href=format!("/zenodo/copies/{w}")>{format!("copy #{w}")}</a> })}{c.waiting_on.is_none().then_some("nothing")}</dd>
                    <dt>"Note"</dt><dd>{c.note.clone().unwrap_or_else(dash)}</dd>
                    <dt>"Created"</dt><dd><TimeCell time=c.created_at /></dd>
                    <dt>"Updated"</dt><dd><TimeCell time=c.updated_at /></dd>
                </dl>
            </section>
            <section class="card" aria-labelledby="copy-zenodo-title">
                <h2 id="copy-zenodo-title">"On Zenodo"</h2>
                <dl class="facts">
                    <dt>"Deposition"</dt><dd class="mono">{c.deposition_id.map(|d| d.to_string()).unwrap_or_else(dash)}</dd>
                    <dt>"Reserved DOI"</dt><dd class="mono">{c.software_doi.clone().unwrap_or_else(dash)}</dd>
                    <dt>"Concept record"</dt><dd class="mono">{c.conceptrecid.clone().unwrap_or_else(dash)}</dd>
                </dl>
                {c.last_error.clone().map(|e| view! {
                    <h3>"Last error"</h3>
                    <pre class="error-text" data-testid="copy-last-error">{e}</pre>
                })}
            </section>
        </div>
        <section class="card" aria-labelledby="copy-files-title">
            <h2 id="copy-files-title">"Files"</h2>
            {replicating.then(|| {
                let label = format!(
                    "Uploading: {} of {} files, {} of {}",
                    p.files_done,
                    p.files_total,
                    format::bytes(p.bytes_done),
                    format::bytes(p.bytes_total)
                );
                view! {
                    <div class="upload-progress" data-testid="copy-progress"
                        data-files-done=p.files_done.to_string() data-bytes-done=p.bytes_done.to_string()>
                        <progress max=p.bytes_total.max(1).to_string() value=p.bytes_done.to_string() aria-label=label.clone()></progress>
                        <span class="small">{label}</span>
                    </div>
                }
            })}
            <div class="table-wrap">
                <table class="table" data-testid="copy-files">
                    <thead><tr><th scope="col">"Name"</th><th scope="col" class="num">"Size"</th><th scope="col">"MD5"</th></tr></thead>
                    <tbody>{files}</tbody>
                </table>
            </div>
        </section>
        <section class="card" aria-labelledby="copy-log-title">
            <div class="card-header">
                <h2 id="copy-log-title">"Request log"</h2>
                <span class="muted small">"every request and response, oldest first (access tokens redacted)"</span>
            </div>
            <CopyLog lines=detail.log />
        </section>
        <section class="card" aria-labelledby="copy-job-title">
            <h2 id="copy-job-title">"Job"</h2>
            {detail.job.map(|j| view! {
                <p class="job-line" data-testid="copy-job">
                    <a class="mono" href=format!("/jobs/{}", j.job.id)>{format!("Job #{}", j.job.id)}</a>
                    " " <StateBadge state=j.job.state />
                    {format!(" · attempt {} of {}", j.job.attempt, j.job.max_attempts)}
                </p>
                <JobTimeline entries=j.history />
            })}
        </section>
    }
}

/// The request log as a list of timestamped lines, each tagged with its kind.
#[component]
fn CopyLog(lines: Vec<CopyLogLine>) -> impl IntoView {
    let empty = lines.is_empty();
    let items = lines
        .into_iter()
        .map(|l| {
            let kind = l.kind.to_lowercase();
            view! {
                <li class=format!("log-line log-{kind}") data-kind=l.kind.clone()>
                    <span class="log-time mono">{format::datetime(&l.at)}</span>
                    <span class=format!("badge log-badge log-badge-{kind}")>{l.kind.clone()}</span>
                    <span class="log-message">{l.message}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <ol class="copy-log" data-testid="copy-log">{items}</ol>
        {empty.then(|| view! { <p class="muted">"Nothing logged yet: the copy has not been attempted."</p> })}
    }
}

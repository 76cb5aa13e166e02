//! `/merritt`: the Merritt queue — the status block (hold, counts, completed in 24 h,
//! alerts), submissions with their state history and hosts (each linked to its page),
//! restart held, resend checked.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};
use longjobs_openapi::{MerrittStatus, Submission, SubmissionState};

use crate::api::{self, ApiError};
use crate::components::{
    ConfirmDialog, ErrorNotice, PageHeader, StatCard, SubmissionStateBadge, TimeCell,
};
use crate::format;
use crate::pages::zenodo::plural;
use crate::poll::{REFRESH, use_polled};
use crate::session;

/// An action waiting for confirmation.
#[derive(Debug, Clone, PartialEq)]
enum Pending {
    RestartHeld,
    ResendChecked(Vec<i64>),
}

/// The status block and the submissions (state filter in the URL), refreshed every 5 s
/// keeping the checked rows; operators restart held submissions and resend checked ones.
#[component]
pub fn MerrittPage() -> impl IntoView {
    let params = use_query_map();
    let navigate = use_navigate();
    let states = Memo::new(move |_| {
        params.with(|p| {
            let wanted: Vec<String> = p
                .get_all("state")
                .unwrap_or_default()
                .iter()
                .flat_map(|v| v.split(',').map(str::to_string).collect::<Vec<_>>())
                .collect();
            SubmissionState::ALL
                .into_iter()
                .filter(|s| wanted.iter().any(|w| w == s.as_str()))
                .collect::<Vec<_>>()
        })
    });
    let status = use_polled(Some(REFRESH), api::merritt::status);
    let subs = use_polled(Some(REFRESH), move || {
        states.with(|s| api::merritt::list(s))
    });
    let can_act = Memo::new(move |_| session::can_act());
    let checked = RwSignal::new(BTreeSet::<i64>::new());

    let set_states = move |next: Vec<SubmissionState>| {
        let url = if next.is_empty() {
            "/merritt".to_string()
        } else {
            format!(
                "/merritt?{}",
                next.iter()
                    .map(|s| format!("state={}", s.as_str()))
                    .collect::<Vec<_>>()
                    .join("&")
            )
        };
        checked.set(BTreeSet::new());
        navigate(
            &url,
            NavigateOptions {
                scroll: false,
                ..Default::default()
            },
        );
    };

    let pending = RwSignal::new(None::<Pending>);
    let busy = RwSignal::new(false);
    let action_error = RwSignal::new(None::<ApiError>);
    let done = RwSignal::new(None::<(Pending, Vec<i64>)>);
    let confirm = Callback::new(move |()| {
        let Some(p) = pending.get_untracked() else {
            return;
        };
        busy.set(true);
        action_error.set(None);
        done.set(None);
        spawn_local(async move {
            let answer = match &p {
                Pending::RestartHeld => api::merritt::restart().await,
                Pending::ResendChecked(ids) => api::merritt::resend(ids.clone()).await,
            };
            match answer {
                Ok(r) => {
                    if matches!(p, Pending::ResendChecked(_)) {
                        checked.try_set(BTreeSet::new());
                    }
                    done.try_set(Some((p, r.requeued)));
                }
                Err(e) => {
                    action_error.try_set(Some(e));
                }
            }
            pending.try_set(None);
            busy.try_set(false);
            status.reload();
            subs.reload();
        });
    });
    let cancel = Callback::new(move |()| pending.set(None));

    let state_boxes = SubmissionState::ALL
        .into_iter()
        .map(|st| {
            let name = st.as_str();
            let id = format!("submission-state-{name}");
            let for_id = id.clone();
            let set_states = set_states.clone();
            view! {
                <label class=format!("chip chip-submission-{name}") for=for_id>
                    <input
                        type="checkbox"
                        id=id
                        name="state"
                        value=name
                        prop:checked=move || states.with(|s| s.contains(&st))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            let mut next = states.get_untracked();
                            next.retain(|s| *s != st);
                            if on {
                                next.push(st);
                            }
                            set_states(next);
                        }
                    />
                    <span>{name.replace('_', " ")}</span>
                </label>
            }
        })
        .collect_view();
    let clear_states = {
        let set_states = set_states.clone();
        move |_| set_states(Vec::new())
    };
    let checked_count = move || checked.with(BTreeSet::len);

    view! {
        <PageHeader title="Merritt queue" subtitle="Submissions to the Merritt preservation repository; restart and resend work from any host.">
            <span class="live" aria-hidden="true">"Live"</span>
        </PageHeader>
        <ErrorNotice error=status.error />
        {move || status.data.get().map(|s| view! { <StatusBlock status=s /> })}
        <ErrorNotice error=action_error />
        {move || done.get().map(|(p, ids)| {
            let what = match p {
                Pending::RestartHeld => "Restart held submissions",
                Pending::ResendChecked(_) => "Resend checked",
            };
            let text = if ids.is_empty() {
                format!("{what}: nothing needed to go back in the queue.")
            } else {
                format!("{what}: {} back in the work queue ({}).", plural(ids.len(), "submission", "submissions"), format::id_list(&ids))
            };
            view! { <div class="notice notice-success" role="status" data-testid="merritt-result">{text}</div> }
        })}
        {move || can_act.get().then(|| view! {
            <div class="bulk-bar" role="toolbar" aria-label="Submission actions" data-testid="merritt-actions">
                <span class="bulk-count" data-testid="checked-count">
                    {move || match checked_count() {
                        0 => "No submissions checked".to_string(),
                        1 => "1 submission checked".to_string(),
                        n => format!("{n} submissions checked"),
                    }}
                </span>
                <button type="button" class="btn btn-primary" disabled=move || checked_count() == 0 || busy.get()
                    on:click=move |_| pending.set(Some(Pending::ResendChecked(checked.get_untracked().into_iter().collect())))>
                    "Resend checked"
                </button>
                <button type="button" class="btn" disabled=move || busy.get()
                    on:click=move |_| pending.set(Some(Pending::RestartHeld))>
                    "Restart held submissions"
                </button>
            </div>
        })}
        <div class="filters card">
            <fieldset class="states">
                <legend>"State"</legend>
                {state_boxes}
                <button type="button" class="btn btn-link" on:click=clear_states>"Clear filters"</button>
            </fieldset>
        </div>
        <ErrorNotice error=subs.error />
        <div class="card card-flush">
            <div class="table-wrap">
                <table class="table submissions-table" data-testid="submissions-table">
                    <thead>
                        <tr>
                            {move || can_act.get().then(|| view! {
                                <th scope="col" class="check"><span class="sr-only">"Checked"</span></th>
                            })}
                            <th scope="col">"ID"</th>
                            <th scope="col" class="num">"Res. ID"</th>
                            <th scope="col">"Identifier / ARK"</th>
                            <th scope="col">"State"</th>
                            <th scope="col">"Host"</th>
                            <th scope="col">"Job"</th>
                            <th scope="col">"Updated"</th>
                            <th scope="col">"State history"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || subs.data.get().unwrap_or_default().into_iter()
                            .map(|sub| view! { <SubmissionRow sub=sub can_act=can_act checked=checked /> })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
            {move || subs.data.with(|s| match s {
                None => Some(view! { <p class="empty" data-testid="submissions-loading">"Loading…"</p> }),
                Some(s) if s.is_empty() => Some(view! { <p class="empty" data-testid="no-submissions">"No submissions match."</p> }),
                _ => None,
            })}
        </div>
        {move || pending.get().map(|p| {
            let (title, body, label) = match &p {
                Pending::RestartHeld => {
                    let held = status.data.with_untracked(|s| s.as_ref().map_or(0, |s| s.rejected_shutting_down));
                    (
                        "Restart held submissions?".to_string(),
                        format!("Submissions shut down gracefully ({held} held now) and those interrupted without a live job go back in the work queue, whichever host wrote their state. While submissions are held for maintenance they are held again when their turn comes."),
                        "Restart held",
                    )
                }
                Pending::ResendChecked(ids) => (
                    format!("Resend {}?", plural(ids.len(), "submission", "submissions")),
                    format!("Of {}, those errored, held or stuck without a live job go back in the work queue; completed ones are left as they are.", format::id_list(ids)),
                    "Resend",
                ),
            };
            view! {
                <ConfirmDialog title=title confirm_label=label busy=busy on_confirm=confirm on_cancel=cancel>
                    <p>{body}</p>
                </ConfirmDialog>
            }
        })}
    }
}

/// Hold state, counts and alerts.
#[component]
fn StatusBlock(status: MerrittStatus) -> impl IntoView {
    let n = |v: i64| Signal::stored(format::count(v));
    view! {
        <section class="card" aria-labelledby="merritt-status-title" data-testid="merritt-status" data-held=status.held.to_string()>
            <div class="card-header">
                <h2 id="merritt-status-title">"Queue status"</h2>
                <span class="hold-state">
                    <span class=if status.held { "badge badge-warn" } else { "badge badge-active" } data-testid="hold-state">
                        {if status.held { "held" } else { "accepting submissions" }}
                    </span>
                    {status.held_since.map(|t| view! { " since " <TimeCell time=t compact=true /> })}
                    {status.held_by.clone().map(|b| format!(" by {b}"))}
                </span>
            </div>
            <div class="stat-grid stat-grid-tight">
                <StatCard label="In flight" value=n(status.queue_length) />
                <StatCard label="Enqueued" value=n(status.enqueued) tone="available" />
                <StatCard label="Processing" value=n(status.processing) tone="running" />
                <StatCard label="Provisional" value=n(status.provisional_complete) tone="scheduled" />
                <StatCard label="Completed 24 h" value=n(status.completed_last_24h) tone="completed" />
                <StatCard label="Held" value=n(status.rejected_shutting_down) tone="retryable" />
                <StatCard label="Errored" value=n(status.errored) tone="discarded" />
            </div>
            <ul class=if status.alerts.is_empty() { "alert-list muted small" } else { "notice notice-warn alert-list" }
                data-testid="merritt-alerts" data-count=status.alerts.len()>
                {if status.alerts.is_empty() { vec!["No alerts.".to_string()] } else { status.alerts.clone() }
                    .into_iter().map(|a| view! { <li>{a}</li> }).collect_view()}
            </ul>
        </section>
    }
}

/// One submission with its state history.
#[component]
fn SubmissionRow(
    sub: Submission,
    can_act: Memo<bool>,
    checked: RwSignal<BTreeSet<i64>>,
) -> impl IntoView {
    let id = sub.id;
    let trail = sub
        .history
        .iter()
        .map(|h| h.state.as_str().replace('_', " "))
        .collect::<Vec<_>>()
        .join(" → ");
    let history = sub
        .history
        .iter()
        .map(|h| {
            view! {
                <li>
                    <SubmissionStateBadge state=h.state />
                    " " <span class="mono small">{h.host.clone()}</span>
                    " " <TimeCell time=h.at compact=true />
                    {h.note.clone().map(|n| view! { <div class="muted small">{n}</div> })}
                </li>
            }
        })
        .collect_view();
    // A completed submission keeps its last error as history; only others show it.
    let error = sub
        .last_error
        .clone()
        .filter(|_| sub.state != SubmissionState::Completed);
    let has_error = error.is_some();
    view! {
        <tr data-submission-id=id data-state=sub.state.as_str() class:has-sub=has_error
            class:row-selected=move || checked.with(|s| s.contains(&id))>
            {move || can_act.get().then(|| view! {
                <td class="check">
                    <input
                        type="checkbox"
                        aria-label=format!("Check submission {id}")
                        prop:checked=move || checked.with(|s| s.contains(&id))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            checked.update(|s| {
                                if on { s.insert(id); } else { s.remove(&id); }
                            });
                        }
                    />
                </td>
            })}
            <td class="mono"><a href=format!("/merritt/submissions/{id}") data-testid="submission-link">{format!("#{id}")}</a></td>
            <td class="num">{sub.resource_id}</td>
            <td class="ident-cell">
                <div class="mono">{sub.identifier.clone()}</div>
                <div class="mono small muted" data-testid="submission-ark">{sub.ark.clone().unwrap_or_else(|| "no ARK yet".into())}</div>
            </td>
            <td><SubmissionStateBadge state=sub.state /></td>
            <td class="mono small" data-testid="submission-host">{sub.host.clone()}</td>
            <td>{sub.job_id.map(|j| view! { <a class="mono" href=format!("/jobs/{j}")>{format!("#{j}")}</a> })}</td>
            <td class="nowrap"><TimeCell time=sub.updated_at compact=true /></td>
            <td class="history-cell">
                <details class="history" data-testid="submission-history" data-states=sub.history.len()>
                    <summary>{trail}</summary>
                    <ol class="history-list">{history}</ol>
                </details>
            </td>
        </tr>
        {error.map(|e| view! {
            <tr class="row-sub" data-error-for=id>
                <td colspan="10" class="error-line" title=e.clone()>{format::excerpt(&e, 200)}</td>
            </tr>
        })}
    }
}

//! `/audit`: who did what, newest first.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};
use longjobs_openapi::AuditEntry;

use crate::api::{self, encode};
use crate::components::{AuditTarget, ErrorNotice, PageHeader, TimeCell, readable};
use crate::poll::{REFRESH, use_polled};

/// Entries per page.
const AUDIT_PAGE: u32 = 50;

/// The audit log, filtered by actor and action (both in the URL), paged back in time.
#[component]
pub fn AuditPage() -> impl IntoView {
    let params = use_query_map();
    let navigate = use_navigate();
    let actor_q = Memo::new(move |_| params.with(|p| p.get("actor").filter(|s| !s.is_empty())));
    let action_q = Memo::new(move |_| params.with(|p| p.get("action").filter(|s| !s.is_empty())));
    let before_q =
        Memo::new(move |_| params.with(|p| p.get("before").and_then(|b| b.parse::<i64>().ok())));
    let log = use_polled(Some(REFRESH), move || {
        api::ops::audit(
            actor_q.get().as_deref(),
            action_q.get().as_deref(),
            before_q.get(),
            AUDIT_PAGE,
        )
    });

    let actor = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    Effect::new(move |_| {
        actor.set(actor_q.get().unwrap_or_default());
        action.set(action_q.get().unwrap_or_default());
    });
    let go = move |before: Option<i64>| {
        let mut p = Vec::new();
        let (a, b) = (actor.get_untracked(), action.get_untracked());
        if !a.trim().is_empty() {
            p.push(format!("actor={}", encode(a.trim())));
        }
        if !b.trim().is_empty() {
            p.push(format!("action={}", encode(b.trim())));
        }
        if let Some(before) = before {
            p.push(format!("before={before}"));
        }
        let url = if p.is_empty() {
            "/audit".to_string()
        } else {
            format!("/audit?{}", p.join("&"))
        };
        navigate(
            &url,
            NavigateOptions {
                scroll: false,
                ..Default::default()
            },
        );
    };
    let apply = {
        let go = go.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            go(None);
        }
    };
    let older = {
        let go = go.clone();
        move |_| {
            if let Some(b) = log
                .data
                .with_untracked(|l| l.as_ref().and_then(|l| l.next_before))
            {
                go(Some(b));
            }
        }
    };
    let newest = {
        let go = go.clone();
        move |_| go(None)
    };

    view! {
        <PageHeader title="Audit log" subtitle="Every operator and admin action, newest first." />
        <form class="filters card" role="search" aria-label="Filter the audit log" on:submit=apply>
            <div class="filters-row">
                <div class="field">
                    <label for="audit-actor">"Actor"</label>
                    <input id="audit-actor" type="text" placeholder="username or token:name" bind:value=actor />
                </div>
                <div class="field">
                    <label for="audit-action">"Action"</label>
                    <input id="audit-action" type="text" placeholder="e.g. jobs.retry" list="audit-actions" bind:value=action />
                    <datalist id="audit-actions">
                        {["jobs.retry", "jobs.cancel", "jobs.discard", "queues.pause", "queues.resume",
                          "users.create", "users.update", "users.delete", "tokens.create", "tokens.revoke"]
                            .into_iter().map(|a| view! { <option value=a></option> }).collect_view()}
                    </datalist>
                </div>
                <div class="field field-actions">
                    <button type="submit" class="btn">"Apply"</button>
                </div>
            </div>
        </form>
        <ErrorNotice error=log.error />
        <div class="card card-flush">
            <div class="table-wrap">
                <table class="table" data-testid="audit-table">
                    <thead>
                        <tr>
                            <th scope="col">"When"</th>
                            <th scope="col">"Actor"</th>
                            <th scope="col">"Action"</th>
                            <th scope="col">"Target"</th>
                            <th scope="col">"Outcome"</th>
                            <th scope="col">"Detail"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || log.data.get().map(|l| l.entries).unwrap_or_default().into_iter().map(|e| view! { <AuditRow e=e /> }).collect_view()}
                    </tbody>
                </table>
            </div>
            {move || log.data.with(|l| match l {
                None => Some(view! { <p class="empty">"Loading…"</p> }),
                Some(l) if l.entries.is_empty() => Some(view! { <p class="empty">"No entries."</p> }),
                _ => None,
            })}
            <nav class="pager" aria-label="Pages">
                <button type="button" class="btn" on:click=newest disabled=move || before_q.get().is_none()>"Newest"</button>
                <button type="button" class="btn" on:click=older
                    disabled=move || log.data.with(|l| l.as_ref().is_none_or(|l| l.next_before.is_none()))>"Older entries"</button>
            </nav>
        </div>
    }
}

/// One audited action.
#[component]
fn AuditRow(e: AuditEntry) -> impl IntoView {
    let ok = e.outcome == "done" || e.outcome.contains(" changed");
    view! {
        <tr data-audit-id=e.id>
            <td class="nowrap"><TimeCell time=e.at /></td>
            <td>{e.actor}</td>
            <td class="mono">{e.action}</td>
            <td><AuditTarget target=e.target /></td>
            <td><span class=if ok { "outcome" } else { "outcome outcome-warn" }>{readable(&e.outcome)}</span></td>
            <td class="muted audit-detail">{e.detail.as_deref().map(readable).unwrap_or_default()}</td>
        </tr>
    }
}

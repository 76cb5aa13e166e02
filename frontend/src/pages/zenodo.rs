//! `/zenodo`: Zenodo copies — the old admin page's columns plus attempts (with when a retrying
//! copy tries again), waiting-on, upload progress, the daily-retry exclusion and the
//! error, filters and sort in the URL, resend (a copy, a dataset's chain) with the refusal
//! reason inline, and reset stalled.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};
use longjobs_openapi::{CopySort, CopyState, SortOrder, ZenodoCopy};

use crate::api::{self, ApiError};
use crate::components::{
    ConfirmDialog, CopiesFilters, CopyStateBadge, ErrorNotice, PageHeader, SortHeader, TimeCell,
};
use crate::copies_query::CopiesQuery;
use crate::format;
use crate::poll::{REFRESH, use_polled};
use crate::session;

/// What became of a resend, shown under the copy's row until the page is left.
#[derive(Debug, Clone, PartialEq)]
pub enum Resent {
    Busy,
    /// The copies put back in the work queue, in the order they will run.
    Requeued(Vec<i64>),
    /// The API's reason ("prerequisite: …", "in runner: …").
    Refused(String),
}

/// An action waiting for confirmation.
#[derive(Debug, Clone, PartialEq)]
enum Pending {
    ResetStalled,
    Chain(String),
}

/// What a confirmed action did.
#[derive(Debug, Clone, PartialEq)]
enum Done {
    Reset(Vec<i64>),
    Chain(String, Vec<i64>),
}

/// Copies newest first (sortable by any column), refreshed every 5 s keeping the filters;
/// operators resend copies and chains and reset stalled copies.
#[component]
pub fn ZenodoPage() -> impl IntoView {
    let params = use_query_map();
    let navigate = use_navigate();
    let query = Memo::new(move |_| params.with(CopiesQuery::from_params));
    let can_act = Memo::new(move |_| session::can_act());
    let page = use_polled(Some(REFRESH), move || query.with(api::zenodo::list));
    let resent = RwSignal::new(HashMap::<i64, Resent>::new());

    let go = {
        let navigate = navigate.clone();
        move |q: CopiesQuery| {
            navigate(
                &q.url(),
                NavigateOptions {
                    scroll: false,
                    ..Default::default()
                },
            );
        }
    };
    let on_filter = {
        let go = go.clone();
        Callback::new(move |q: CopiesQuery| go(q))
    };
    let sort_by = {
        let go = go.clone();
        move |key: CopySort| {
            let q = query.get_untracked();
            let order = if q.sort == key && q.order == SortOrder::Desc {
                SortOrder::Asc
            } else {
                SortOrder::Desc
            };
            go(CopiesQuery {
                sort: key,
                order,
                ..q.first_page()
            });
        }
    };
    let header = move |label: &'static str, key: CopySort, numeric: bool| {
        let sort_by = sort_by.clone();
        view! {
            <SortHeader
                label=label
                numeric=numeric
                sorted=Signal::derive(move || query.with(|q| (q.sort == key).then_some(q.order)))
                on_sort=Callback::new(move |()| sort_by(key))
            />
        }
    };
    let next = {
        let go = go.clone();
        move |_| {
            if let Some(c) = page
                .data
                .with_untracked(|p| p.as_ref().and_then(|p| p.next_cursor.clone()))
            {
                go(CopiesQuery {
                    cursor: Some(c),
                    ..query.get_untracked()
                });
            }
        }
    };
    let first = {
        let go = go.clone();
        move |_| go(query.get_untracked().first_page())
    };

    // Resend one copy; the outcome shows under its row.
    let action_error = RwSignal::new(None::<ApiError>);
    let resend = move |id: i64| {
        resent.update(|m| {
            m.insert(id, Resent::Busy);
        });
        spawn_local(async move {
            let outcome = match api::zenodo::resend(id).await {
                Ok(r) => Resent::Requeued(r.requeued),
                Err(e) => Resent::Refused(e.detail),
            };
            resent.try_update(|m| m.insert(id, outcome));
            page.reload();
        });
    };
    // Reset stalled and resend chain, behind a confirmation.
    let pending = RwSignal::new(None::<Pending>);
    let busy = RwSignal::new(false);
    let done = RwSignal::new(None::<Done>);
    let confirm = Callback::new(move |()| {
        let Some(p) = pending.get_untracked() else {
            return;
        };
        busy.set(true);
        action_error.set(None);
        done.set(None);
        spawn_local(async move {
            let answer = match p {
                Pending::ResetStalled => api::zenodo::reset_stalled()
                    .await
                    .map(|r| Done::Reset(r.reset)),
                Pending::Chain(identifier) => api::zenodo::resend_chain(&identifier)
                    .await
                    .map(|r| Done::Chain(identifier, r.requeued)),
            };
            match answer {
                Ok(d) => {
                    done.try_set(Some(d));
                }
                Err(e) => {
                    action_error.try_set(Some(e));
                }
            }
            pending.try_set(None);
            busy.try_set(false);
            page.reload();
        });
    });
    let cancel = Callback::new(move |()| pending.set(None));

    let identifier = Memo::new(move |_| query.with(|q| q.identifier.clone()));

    view! {
        <PageHeader title="Zenodo copies" subtitle="Dataset versions sent to Zenodo. Copies of one identifier and copy type run in id order.">
            <span class="live" aria-hidden="true">"Live"</span>
            {move || can_act.get().then(|| view! {
                <button type="button" class="btn btn-danger-outline" data-testid="reset-stalled"
                    on:click=move |_| pending.set(Some(Pending::ResetStalled))>
                    "Reset stalled"
                </button>
            })}
        </PageHeader>
        <CopiesFilters query=query on_change=on_filter />
        {move || identifier.get().map(|ident| {
            let chain = ident.clone();
            view! {
                <div class="notice notice-info identifier-bar" data-testid="identifier-bar">
                    <span>"Copies of " <strong class="mono">{ident.clone()}</strong> ", every copy type."</span>
                    {move || can_act.get().then(|| {
                        let chain = chain.clone();
                        view! {
                            <button type="button" class="btn btn-small" data-testid="resend-chain"
                                on:click=move |_| pending.set(Some(Pending::Chain(chain.clone())))>
                                "Resend chain"
                            </button>
                        }
                    })}
                    <a class="small" href="/zenodo">"All copies"</a>
                </div>
            }
        })}
        <ErrorNotice error=page.error />
        <ErrorNotice error=action_error />
        {move || done.get().map(|d| {
            let text = match d {
                Done::Reset(ids) if ids.is_empty() => "Reset stalled: no copy was stalled; nothing changed.".to_string(),
                Done::Reset(ids) => format!(
                    "Reset stalled: {} moved to error ({}); resend when ready.",
                    plural(ids.len(), "copy", "copies"),
                    format::id_list(&ids)
                ),
                Done::Chain(ident, ids) if ids.is_empty() => format!("Resend chain: every copy of {ident} is finished; nothing to send."),
                Done::Chain(ident, ids) => format!(
                    "Resend chain: {} of {ident} back in the work queue, in order ({}).",
                    plural(ids.len(), "copy", "copies"),
                    format::id_list(&ids)
                ),
            };
            view! { <div class="notice notice-success" role="status" data-testid="zenodo-result">{text}</div> }
        })}
        <div class="card card-flush">
            <div class="table-wrap">
                <table class="table copies-table" data-testid="copies-table">
                    <thead>
                        <tr>
                            {header("ID", CopySort::Id, false)}
                            {header("Ident. ID", CopySort::Identifier, false)}
                            {header("Res. ID", CopySort::ResourceId, true)}
                            {header("State", CopySort::State, false)}
                            {header("Updated", CopySort::UpdatedAt, false)}
                            {header("Created", CopySort::CreatedAt, false)}
                            {header("Copy type", CopySort::CopyType, false)}
                            {header("Size", CopySort::Size, true)}
                            {header("Attempts", CopySort::Attempts, true)}
                            <th scope="col">"Waiting on"</th>
                            {move || can_act.get().then(|| view! {
                                <th scope="col"><span class="sr-only">"Actions"</span></th>
                            })}
                        </tr>
                    </thead>
                    <tbody>
                        {move || page.data.with(|p| {
                            p.as_ref()
                                .map(|p| p.copies.clone())
                                .unwrap_or_default()
                                .into_iter()
                                .map(|copy| view! { <CopyRow copy=copy can_act=can_act resent=resent resend=resend /> })
                                .collect_view()
                        })}
                    </tbody>
                </table>
            </div>
            {move || match page.data.with(|p| p.as_ref().map(|p| p.copies.is_empty())) {
                None => Some(view! { <p class="empty">"Loading…"</p> }.into_any()),
                Some(true) => Some(view! { <p class="empty" data-testid="no-copies">"No copies match these filters."</p> }.into_any()),
                Some(false) => None,
            }}
            <nav class="pager" aria-label="Pages">
                <span class="pager-info muted small">
                    {move || format!("{} on this page", plural(page.data.with(|p| p.as_ref().map_or(0, |p| p.copies.len())), "copy", "copies"))}
                </span>
                <button type="button" class="btn" on:click=first data-testid="copies-first"
                    disabled=move || query.with(|q| q.cursor.is_none())>"First page"</button>
                <button type="button" class="btn" on:click=next data-testid="copies-next"
                    disabled=move || page.data.with(|p| p.as_ref().is_none_or(|p| p.next_cursor.is_none()))>"Next page"</button>
            </nav>
        </div>
        {move || pending.get().map(|p| {
            let (title, body, label) = match &p {
                Pending::ResetStalled => (
                    "Reset stalled copies?".to_string(),
                    "Copies shown as enqueued or replicating whose job is no longer live (linked by job id) move to error, so they can be resent. Copies whose job is waiting or running are left alone.".to_string(),
                    "Reset stalled",
                ),
                Pending::Chain(ident) => (
                    format!("Resend the chain of {ident}?"),
                    format!("Every unfinished copy of {ident} goes back in the work queue, each copy type from its first unfinished copy, in id order."),
                    "Resend chain",
                ),
            };
            view! {
                <ConfirmDialog
                    title=title
                    confirm_label=label
                    danger=p == Pending::ResetStalled
                    busy=busy
                    on_confirm=confirm
                    on_cancel=cancel
                >
                    <p>{body}</p>
                </ConfirmDialog>
            }
        })}
    }
}

/// One copy, and under it its error (while unfinished) and what its last resend did.
#[component]
fn CopyRow(
    copy: ZenodoCopy,
    can_act: Memo<bool>,
    resent: RwSignal<HashMap<i64, Resent>>,
    resend: impl Fn(i64) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = copy.id;
    let finished = copy.state == CopyState::Finished;
    // A finished (or given-up) copy keeps its last error as history; only an unsettled one
    // shows it.
    let error = copy.last_error.clone().filter(|_| !copy.state.is_settled());
    let has_error = error.is_some();
    let busy = move || resent.with(|m| m.get(&id) == Some(&Resent::Busy));
    view! {
        <tr data-copy-id=id data-state=copy.state.as_str()
            class:has-sub=move || has_error || resent.with(|m| m.contains_key(&id))>
            <td><a class="mono" href=format!("/zenodo/copies/{id}")>{format!("#{id}")}</a></td>
            <td class="ident-cell">
                <a class="mono" href=CopiesQuery::of_identifier(&copy.identifier) title="Every copy of this dataset">
                    {copy.identifier.clone()}
                </a>
            </td>
            <td class="num">{copy.resource_id}</td>
            <td>
                <CopyStateBadge state=copy.state />
                {copy.retry.as_ref().map(|r| view! {
                    <span class="muted small nowrap" data-testid="row-retry" title=format::datetime(&r.next_at)>
                        {format!(" {} of {}, next {}", r.attempt, r.max_attempts, format::relative(&r.next_at))}
                    </span>
                })}
                {(copy.state == CopyState::Replicating && copy.progress.files_total > 0).then(|| view! {
                    <span class="muted small nowrap" data-testid="row-progress">
                        {format!(" {}/{} files", copy.progress.files_done, copy.progress.files_total)}
                    </span>
                })}
                {copy.daily_retry_excluded.then(|| view! {
                    <span class="badge badge-warn" data-testid="row-daily-excluded"
                        title=copy.daily_retry_note.clone().unwrap_or_default()>"no daily retry"</span>
                })}
            </td>
            <td class="nowrap"><TimeCell time=copy.updated_at compact=true /></td>
            <td class="nowrap"><TimeCell time=copy.created_at compact=true /></td>
            <td class="mono type-cell">{copy.copy_type.as_str()}</td>
            <td class="num nowrap">{format::bytes(copy.size)}</td>
            <td class="num">{copy.attempts}</td>
            <td data-testid="waiting-on">
                {copy.waiting_on.map(|w| view! { <a class="mono" href=format!("/zenodo/copies/{w}")>{format!("#{w}")}</a> })}
            </td>
            {move || can_act.get().then(|| view! {
                <td class="actions-cell">
                    {(!finished).then(|| view! {
                        <button type="button" class="btn btn-small" aria-label=format!("Resend copy {id}")
                            disabled=busy on:click=move |_| resend(id)>
                            "Resend"
                        </button>
                    })}
                </td>
            })}
        </tr>
        {error.map(|e| view! {
            <tr class="row-sub" data-error-for=id>
                <td colspan="11" class="error-line" title=e.clone()>
                    <span class="sr-only">"Error: "</span>{format::excerpt(error_gist(&e), 200)}
                </td>
            </tr>
        })}
        {move || resent.with(|m| m.get(&id).cloned()).map(|r| view! {
            <tr class="row-sub" data-outcome-for=id>
                <td colspan="11"><ResendOutcome id=id outcome=r /></td>
            </tr>
        })}
    }
}

/// What a resend of copy `id` did, in words.
#[component]
pub fn ResendOutcome(id: i64, outcome: Resent) -> impl IntoView {
    let (class, role, kind, text) = match outcome {
        Resent::Busy => (
            "outcome-line muted",
            "status",
            "busy",
            format!("Resending copy #{id}…"),
        ),
        Resent::Requeued(ids) => (
            "outcome-line outcome-ok",
            "status",
            "requeued",
            format!(
                "Copy #{id} resent: {} back in the work queue, in order.",
                format::id_list(&ids)
            ),
        ),
        Resent::Refused(why) => (
            "outcome-line outcome-refused",
            "alert",
            "refused",
            format!("Resend of copy #{id} refused: {why}"),
        ),
    };
    view! { <div class=class role=role data-testid="resend-outcome" data-outcome=kind>{text}</div> }
}

/// What an error says, without the request it is about: Zenodo errors read
/// `PUT http://…/files/x answered 400: …`, and the answer is what an operator scans for.
fn error_gist(error: &str) -> &str {
    error.find(" answered ").map_or(error, |i| &error[i + 1..])
}

/// `1 copy`, `3 copies`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", format::count(n as i64))
    }
}

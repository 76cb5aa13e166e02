//! `/jobs`: the job list with filters in the URL, keyset paging, selection and bulk actions.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};
use longjobs_openapi::{
    BulkActionResult, JobAction, JobFilter, JobSort, JobState, JobSummary, SortOrder,
};

use crate::api::{self, ApiError};
use crate::components::{
    ConfirmDialog, ErrorNotice, JobsFilters, PageHeader, SortHeader, StateBadge, TimeCell,
};
use crate::format;
use crate::jobs_query::JobsQuery;
use crate::poll::{REFRESH, use_polled};
use crate::session;

/// What a bulk action covers.
#[derive(Debug, Clone, PartialEq)]
enum Target {
    Ids(Vec<i64>),
    /// Every job matching the filter, pinned to the dry run: `count` jobs up to `max_id`,
    /// so jobs enqueued after the operator saw the count are not touched.
    Matching {
        filter: JobFilter,
        count: i64,
        max_id: i64,
    },
}

/// A bulk action waiting for confirmation.
#[derive(Debug, Clone, PartialEq)]
struct Pending {
    action: JobAction,
    target: Target,
}

/// Filters and sort live in the URL; the page refreshes every 5 s keeping filters, page
/// and selection; operators select rows (or every matching job) to retry, cancel or discard.
#[component]
pub fn JobsPage() -> impl IntoView {
    let params = use_query_map();
    let navigate = use_navigate();
    let query = Memo::new(move |_| params.with(JobsQuery::from_params));
    let filter_key = Memo::new(move |_| query.with(JobsQuery::first_page));
    let can_act = Memo::new(move |_| session::can_act());

    let page = use_polled(Some(REFRESH), move || query.with(api::jobs::list));
    // How many match, for everyone (a viewer too): the filters without sort or page.
    let count_key = Memo::new(move |_| {
        query.with(|q| JobsQuery {
            sort: JobSort::default(),
            order: SortOrder::default(),
            cursor: None,
            ..q.clone()
        })
    });
    let matching = use_polled(Some(REFRESH), move || count_key.with(api::jobs::count));
    let queues = use_polled(None, api::ops::queues);
    let queue_names = Signal::derive(move || {
        queues
            .data
            .with(|q| q.iter().flatten().map(|q| q.name.clone()).collect())
    });

    let selected = RwSignal::new(BTreeSet::<i64>::new());
    let all_matching = RwSignal::new(false);
    let previous = StoredValue::new(Vec::<Option<String>>::new());
    // A new filter is a new selection and starts paging over.
    Effect::new(move |prev: Option<JobsQuery>| {
        let key = filter_key.get();
        if prev.as_ref().is_some_and(|p| *p != key) {
            selected.set(BTreeSet::new());
            all_matching.set(false);
            previous.set_value(Vec::new());
        }
        key
    });

    let go = {
        let navigate = navigate.clone();
        move |q: JobsQuery| {
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
        Callback::new(move |q: JobsQuery| go(q))
    };
    let next_page = {
        let go = go.clone();
        move |_| {
            let Some(next) = page
                .data
                .with_untracked(|p| p.as_ref().and_then(|p| p.next_cursor.clone()))
            else {
                return;
            };
            let q = query.get_untracked();
            previous.update_value(|v| v.push(q.cursor.clone()));
            go(JobsQuery {
                cursor: Some(next),
                ..q
            });
        }
    };
    let prev_page = {
        let go = go.clone();
        move |_| {
            let mut back = None;
            previous.update_value(|v| back = v.pop());
            if let Some(cursor) = back {
                go(JobsQuery {
                    cursor,
                    ..query.get_untracked()
                });
            }
        }
    };
    let first_page = {
        let go = go.clone();
        move |_| {
            previous.set_value(Vec::new());
            go(query.get_untracked().first_page());
        }
    };
    let sort_by = {
        let go = go.clone();
        move |key: JobSort| {
            let q = query.get_untracked();
            let order = if q.sort == key && q.order == SortOrder::Desc {
                SortOrder::Asc
            } else {
                SortOrder::Desc
            };
            go(JobsQuery {
                sort: key,
                order,
                ..q.first_page()
            });
        }
    };

    let header = move |label: &'static str, key: JobSort| {
        let sort_by = sort_by.clone();
        view! {
            <SortHeader
                label=label
                numeric=key != JobSort::Id
                sorted=Signal::derive(move || query.with(|q| (q.sort == key).then_some(q.order)))
                on_sort=Callback::new(move |()| sort_by(key))
            />
        }
    };

    // Bulk actions.
    let pending = RwSignal::new(None::<Pending>);
    let busy = RwSignal::new(false);
    let action_error = RwSignal::new(None::<ApiError>);
    let result = RwSignal::new(None::<BulkActionResult>);
    let nothing_matched = RwSignal::new(false);
    let ask = move |action: JobAction| {
        action_error.set(None);
        result.set(None);
        nothing_matched.set(false);
        if all_matching.get_untracked() {
            let filter = query.get_untracked().filter();
            busy.set(true);
            spawn_local(async move {
                match api::jobs::act_on_filter(action, filter.clone(), true).await {
                    Ok(r) => match r.max_id {
                        Some(max_id) if r.matched > 0 => {
                            pending.try_set(Some(Pending {
                                action,
                                target: Target::Matching {
                                    filter,
                                    count: r.matched,
                                    max_id,
                                },
                            }));
                        }
                        _ => {
                            nothing_matched.try_set(true);
                        }
                    },
                    Err(e) => {
                        action_error.try_set(Some(e));
                    }
                }
                busy.try_set(false);
            });
        } else {
            let ids: Vec<i64> = selected.get_untracked().into_iter().collect();
            if !ids.is_empty() {
                pending.set(Some(Pending {
                    action,
                    target: Target::Ids(ids),
                }));
            }
        }
    };
    let confirm = Callback::new(move |()| {
        let Some(p) = pending.get_untracked() else {
            return;
        };
        busy.set(true);
        spawn_local(async move {
            let answer = match p.target {
                Target::Ids(ids) => api::jobs::act_on_ids(p.action, ids).await,
                Target::Matching { filter, max_id, .. } => {
                    let pinned = JobFilter {
                        max_id: Some(max_id),
                        ..filter
                    };
                    api::jobs::act_on_filter(p.action, pinned, false).await
                }
            };
            match answer {
                Ok(r) => {
                    result.try_set(Some(r));
                    selected.try_set(BTreeSet::new());
                    all_matching.try_set(false);
                }
                Err(e) => {
                    action_error.try_set(Some(e));
                }
            }
            pending.try_set(None);
            busy.try_set(false);
            page.reload();
            matching.reload();
        });
    });
    let cancel = Callback::new(move |()| pending.set(None));

    let page_ids = Memo::new(move |_| {
        page.data.with(|p| {
            p.as_ref()
                .map(|p| p.jobs.iter().map(|j| j.id).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    });
    let all_on_page = Memo::new(move |_| {
        let ids = page_ids.get();
        !ids.is_empty() && selected.with(|s| ids.iter().all(|id| s.contains(id)))
    });
    let selection_size = move || selected.with(BTreeSet::len);

    view! {
        <PageHeader title="Jobs" subtitle="Filter, inspect and act on jobs; refreshed every 5 seconds.">
            <span class="live" aria-hidden="true">"Live"</span>
        </PageHeader>
        <JobsFilters query=query queues=queue_names on_change=on_filter />
        <p class="result-count" role="status" data-testid="match-count"
            data-count=move || matching.data.with(|m| m.as_ref().map(|m| m.count))>
            {move || matching.data.with(|m| m.as_ref().map(|m| match m.count {
                0 => "No job matches these filters.".to_string(),
                1 => "1 job matches these filters.".to_string(),
                n => format!("{} jobs match these filters.", format::count(n)),
            }))}
        </p>
        <ErrorNotice error=page.error />
        <ErrorNotice error=action_error />
        {move || result.get().map(|r| view! { <ResultNotice result=r /> })}
        {move || nothing_matched.get().then(|| view! {
            <div class="notice notice-info" role="status">"Nothing to do: no job matches these filters now."</div>
        })}
        {move || can_act.get().then(|| view! {
            <div class="bulk-bar" role="toolbar" aria-label="Bulk actions" data-testid="bulk-bar">
                <span class="bulk-count" data-testid="selection-count">
                    {move || {
                        if all_matching.get() {
                            "All matching jobs selected".to_string()
                        } else {
                            match selection_size() {
                                0 => "No jobs selected".to_string(),
                                1 => "1 job selected".to_string(),
                                n => format!("{n} jobs selected"),
                            }
                        }
                    }}
                </span>
                <BulkButton label="Retry" action=JobAction::Retry ask=ask disabled=Signal::derive(move || busy.get() || (!all_matching.get() && selection_size() == 0)) />
                <BulkButton label="Cancel" action=JobAction::Cancel ask=ask disabled=Signal::derive(move || busy.get() || (!all_matching.get() && selection_size() == 0)) />
                <BulkButton label="Discard" action=JobAction::Discard ask=ask disabled=Signal::derive(move || busy.get() || (!all_matching.get() && selection_size() == 0)) />
                {move || (all_matching.get() || selection_size() > 0).then(|| view! {
                    <button type="button" class="btn btn-link" on:click=move |_| {
                        selected.set(BTreeSet::new());
                        all_matching.set(false);
                    }>"Clear selection"</button>
                })}
            </div>
            {move || (all_on_page.get() || all_matching.get()).then(|| view! {
                <div class="notice notice-info select-all" data-testid="select-all-banner">
                    {move || if all_matching.get() {
                        view! {
                            <span>"Every job matching these filters is selected, on every page."</span>
                        }.into_any()
                    } else {
                        view! {
                            <span>{move || format!("All {} jobs on this page are selected.", page_ids.with(Vec::len))}</span>
                            " "
                            <button type="button" class="btn btn-link" data-testid="select-all-matching"
                                on:click=move |_| all_matching.set(true)>
                                {move || match matching.data.with(|m| m.as_ref().map(|m| m.count)) {
                                    Some(n) => format!("Select all {} jobs matching these filters", format::count(n)),
                                    None => "Select all jobs matching these filters".to_string(),
                                }}
                            </button>
                        }.into_any()
                    }}
                </div>
            })}
        })}
        <div class="card card-flush">
            <div class="table-wrap">
                <table class="table jobs-table" data-testid="jobs-table">
                    <thead>
                        <tr>
                            {move || can_act.get().then(|| view! {
                                <th scope="col" class="check">
                                    <input
                                        type="checkbox"
                                        aria-label="Select every job on this page"
                                        data-testid="select-page"
                                        prop:checked=move || all_on_page.get() || all_matching.get()
                                        disabled=move || all_matching.get()
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            let ids = page_ids.get_untracked();
                                            selected.update(|s| {
                                                for id in ids {
                                                    if on { s.insert(id); } else { s.remove(&id); }
                                                }
                                            });
                                        }
                                    />
                                </th>
                            })}
                            {header("ID", JobSort::Id)}
                            <th scope="col">"Queue"</th>
                            <th scope="col">"Kind"</th>
                            <th scope="col">"State"</th>
                            <th scope="col" class="num">"Attempt"</th>
                            {header("Priority", JobSort::Priority)}
                            {header("Run at", JobSort::RunAt)}
                            <th scope="col">"Last error"</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For
                            each=move || page.data.get().map(|p| p.jobs).unwrap_or_default()
                            key=|j| (j.id, j.state, j.attempt, j.run_at, j.cancel_requested, j.last_error.clone())
                            let:job
                        >
                            <JobRow job=job can_act=can_act selected=selected all_matching=all_matching />
                        </For>
                    </tbody>
                </table>
            </div>
            {move || match page.data.with(|p| p.as_ref().map(|p| p.jobs.is_empty())) {
                None => Some(view! { <p class="empty">"Loading…"</p> }.into_any()),
                Some(true) => Some(view! { <p class="empty" data-testid="no-jobs">"No jobs match these filters."</p> }.into_any()),
                Some(false) => None,
            }}
            <nav class="pager" aria-label="Pages">
                <button type="button" class="btn" on:click=first_page
                    disabled=move || query.with(|q| q.cursor.is_none())>"First page"</button>
                <button type="button" class="btn" on:click=prev_page
                    disabled=move || { query.track(); previous.with_value(Vec::is_empty) }>"Previous"</button>
                <button type="button" class="btn" data-testid="next-page" on:click=next_page
                    disabled=move || page.data.with(|p| p.as_ref().is_none_or(|p| p.next_cursor.is_none()))>"Next page"</button>
            </nav>
        </div>
        {move || pending.get().map(|p| {
            let verb = action_verb(p.action);
            let (title, body) = match &p.target {
                Target::Ids(ids) => (
                    format!("{verb} {} selected {}?", ids.len(), plural(ids.len() as i64)),
                    format!("{} selected {} will be {}.", ids.len(), plural(ids.len() as i64), action_past(p.action)),
                ),
                Target::Matching { count, max_id, .. } => (
                    format!("{verb} {} matching {}?", format::count(*count), plural(*count)),
                    format!("The {} {} matching the current filters now (up to job #{max_id}) will be {}. Jobs enqueued after this count are not touched; jobs in a state the action does not apply to are left as they are.", format::count(*count), plural(*count), action_past(p.action)),
                ),
            };
            let count = match &p.target { Target::Ids(ids) => ids.len() as i64, Target::Matching { count, .. } => *count };
            view! {
                <ConfirmDialog
                    title=title
                    confirm_label=format!("{verb} {}", format::count(count))
                    danger=p.action != JobAction::Retry
                    busy=busy
                    on_confirm=confirm
                    on_cancel=cancel
                >
                    <p data-testid="confirm-count" data-count=count>{body}</p>
                </ConfirmDialog>
            }
        })}
    }
}

/// A bulk action button.
#[component]
fn BulkButton(
    label: &'static str,
    action: JobAction,
    ask: impl Fn(JobAction) + Copy + 'static,
    disabled: Signal<bool>,
) -> impl IntoView {
    let class = if action == JobAction::Retry {
        "btn btn-primary"
    } else {
        "btn"
    };
    view! {
        <button type="button" class=class disabled=move || disabled.get() on:click=move |_| ask(action)>
            {label}
        </button>
    }
}

/// One job in the table.
#[component]
fn JobRow(
    job: JobSummary,
    can_act: Memo<bool>,
    selected: RwSignal<BTreeSet<i64>>,
    all_matching: RwSignal<bool>,
) -> impl IntoView {
    let id = job.id;
    let href = format!("/jobs/{id}");
    let error = job.last_error.clone().unwrap_or_default();
    // A job that finished well keeps its last error; show it as history, not as a failure.
    let error_class = if job.state == JobState::Completed {
        "error-cell error-past"
    } else {
        "error-cell"
    };
    view! {
        <tr data-job-id=id data-state=job.state.as_str() class:row-selected=move || all_matching.get() || selected.with(|s| s.contains(&id))>
            {move || can_act.get().then(|| view! {
                <td class="check">
                    <input
                        type="checkbox"
                        aria-label=format!("Select job {id}")
                        prop:checked=move || all_matching.get() || selected.with(|s| s.contains(&id))
                        disabled=move || all_matching.get()
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            selected.update(|s| {
                                if on { s.insert(id); } else { s.remove(&id); }
                            });
                        }
                    />
                </td>
            })}
            <td><a class="mono" href=href>{format!("#{id}")}</a></td>
            <td>{job.queue.clone()}</td>
            <td class="mono">{job.kind.clone()}</td>
            <td>
                <StateBadge state=job.state />
                {job.cancel_requested.then(|| view! { <span class="badge badge-warn">"cancel requested"</span> })}
            </td>
            <td class="num">{format!("{}/{}", job.attempt, job.max_attempts)}</td>
            <td class="num">{job.priority}</td>
            <td class="num nowrap"><TimeCell time=job.run_at compact=true /></td>
            <td class=error_class title=error.clone()>{format::excerpt(&error, 90)}</td>
        </tr>
    }
}

/// What a bulk action did.
#[component]
fn ResultNotice(result: BulkActionResult) -> impl IntoView {
    let refusals: Vec<String> = result
        .outcomes
        .iter()
        .filter(|o| !o.outcome.changed())
        .take(5)
        .map(|o| {
            format!(
                "#{}: {}",
                o.id,
                o.reason
                    .clone()
                    .unwrap_or_else(|| o.outcome.as_str().to_string())
            )
        })
        .collect();
    let class = if result.refused > 0 {
        "notice notice-warn"
    } else {
        "notice notice-success"
    };
    view! {
        <div class=class role="status" data-testid="action-result">
            <strong>{format!("{}: ", action_verb(result.action))}</strong>
            {format!(
                "{} changed, {} refused (of {} matched).",
                format::count(result.changed),
                format::count(result.refused),
                format::count(result.matched)
            )}
            {(!refusals.is_empty()).then(|| view! {
                <ul class="refusals">{refusals.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
            })}
        </div>
    }
}

pub fn action_verb(a: JobAction) -> &'static str {
    match a {
        JobAction::Retry => "Retry",
        JobAction::Cancel => "Cancel",
        JobAction::Discard => "Discard",
    }
}

pub fn action_past(a: JobAction) -> &'static str {
    match a {
        JobAction::Retry => "retried (run again now)",
        JobAction::Cancel => "cancelled (running jobs at their worker's next heartbeat)",
        JobAction::Discard => "discarded without running again",
    }
}

fn plural(n: i64) -> &'static str {
    if n == 1 { "job" } else { "jobs" }
}

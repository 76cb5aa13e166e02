//! Bulk actions on jobs: the selection (rows, or every job matching the filters), the
//! toolbar, the select-all banner, the confirmation and what the action did.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos::task::spawn_local;
use longjobs_openapi::{BulkActionResult, JobAction, JobFilter};

use crate::api;
use crate::components::{BulkBar, ConfirmDialog, ErrorNotice};
use crate::confirm::Confirmable;
use crate::format::{self, action_past, action_verb, noun};
use crate::query::{JobsQuery, Listing};

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
pub struct Pending {
    action: JobAction,
    target: Target,
}

/// The selection and the bulk action's state, shared by the toolbar, the table and the
/// dialog.
#[derive(Clone, Copy)]
pub struct Bulk {
    query: Memo<JobsQuery>,
    pub selected: RwSignal<BTreeSet<i64>>,
    pub all_matching: RwSignal<bool>,
    /// The jobs on the page shown.
    pub page_ids: Memo<Vec<i64>>,
    /// Whether every job on the page is selected.
    pub all_on_page: Memo<bool>,
    confirm: Confirmable<Pending>,
    on_confirm: Callback<()>,
    result: RwSignal<Option<BulkActionResult>>,
    nothing_matched: RwSignal<bool>,
}

impl Bulk {
    /// A new filter is a new selection; `reload` runs after an action.
    pub fn new(
        query: Memo<JobsQuery>,
        page_ids: Memo<Vec<i64>>,
        reload: impl Fn() + Copy + Send + Sync + 'static,
    ) -> Self {
        let selected = RwSignal::new(BTreeSet::<i64>::new());
        let all_matching = RwSignal::new(false);
        let filter_key = Memo::new(move |_| query.with(JobsQuery::first_page));
        Effect::new(move |prev: Option<JobsQuery>| {
            let key = filter_key.get();
            if prev.as_ref().is_some_and(|p| *p != key) {
                selected.set(BTreeSet::new());
                all_matching.set(false);
            }
            key
        });
        let all_on_page = Memo::new(move |_| {
            let ids = page_ids.get();
            !ids.is_empty() && selected.with(|s| ids.iter().all(|id| s.contains(id)))
        });
        let confirm = Confirmable::<Pending>::default();
        let result = RwSignal::new(None);
        let on_confirm = confirm.on_confirm(
            |p: Pending| async move {
                match p.target {
                    Target::Ids(ids) => api::jobs::act_on_ids(p.action, ids).await,
                    Target::Matching { filter, max_id, .. } => {
                        let pinned = JobFilter {
                            max_id: Some(max_id),
                            ..filter
                        };
                        api::jobs::act_on_filter(p.action, pinned, false).await
                    }
                }
            },
            move |_, r| {
                result.try_set(Some(r));
                selected.try_set(BTreeSet::new());
                all_matching.try_set(false);
            },
            reload,
        );
        Bulk {
            query,
            selected,
            all_matching,
            page_ids,
            all_on_page,
            confirm,
            on_confirm,
            result,
            nothing_matched: RwSignal::new(false),
        }
    }

    fn selection_size(&self) -> usize {
        self.selected.with(BTreeSet::len)
    }

    /// Whether nothing is selected (the action buttons are off).
    fn none_selected(&self) -> bool {
        !self.all_matching.get() && self.selection_size() == 0
    }

    fn clear(&self) {
        self.selected.set(BTreeSet::new());
        self.all_matching.set(false);
    }

    /// Asks to confirm `action` on the selection; on every matching job, a dry run counts
    /// them first.
    fn ask(self, action: JobAction) {
        let Bulk {
            confirm,
            result,
            nothing_matched,
            ..
        } = self;
        confirm.error.set(None);
        result.set(None);
        nothing_matched.set(false);
        if !self.all_matching.get_untracked() {
            let ids: Vec<i64> = self.selected.get_untracked().into_iter().collect();
            if !ids.is_empty() {
                confirm.ask(Pending {
                    action,
                    target: Target::Ids(ids),
                });
            }
            return;
        }
        let filter = self.query.get_untracked().filter();
        confirm.busy.set(true);
        spawn_local(async move {
            match api::jobs::act_on_filter(action, filter.clone(), true).await {
                Ok(r) => match r.max_id {
                    Some(max_id) if r.matched > 0 => {
                        confirm.asked.try_set(Some(Pending {
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
                    confirm.error.try_set(Some(e));
                }
            }
            confirm.busy.try_set(false);
        });
    }
}

/// The action's error and result, and for operators the toolbar and the select-all banner.
#[component]
pub fn BulkControls(
    bulk: Bulk,
    can_act: Memo<bool>,
    match_count: Signal<Option<i64>>,
) -> impl IntoView {
    let Bulk {
        all_matching,
        all_on_page,
        page_ids,
        confirm,
        result,
        nothing_matched,
        ..
    } = bulk;
    let status = Signal::derive(move || {
        if all_matching.get() {
            "All matching jobs selected".to_string()
        } else {
            format!(
                "{} selected",
                format::tally(bulk.selection_size(), "job", "jobs")
            )
        }
    });
    let button = move |label: &'static str, action: JobAction| {
        view! {
            <button type="button" class=if action == JobAction::Retry { "btn btn-primary" } else { "btn" }
                disabled=move || confirm.busy.get() || bulk.none_selected() on:click=move |_| bulk.ask(action)>
                {label}
            </button>
        }
    };
    view! {
        <ErrorNotice error=confirm.error />
        {move || result.get().map(|r| view! { <ResultNotice result=r /> })}
        {move || nothing_matched.get().then(|| view! {
            <div class="notice notice-info" role="status">"Nothing to do: no job matches these filters now."</div>
        })}
        {move || can_act.get().then(|| view! {
            <BulkBar label="Bulk actions" testid="bulk-bar" status_testid="selection-count" status=status>
                {button("Retry", JobAction::Retry)}
                {button("Cancel", JobAction::Cancel)}
                {button("Discard", JobAction::Discard)}
                {move || (all_matching.get() || bulk.selection_size() > 0).then(|| view! {
                    <button type="button" class="btn btn-link" on:click=move |_| bulk.clear()>"Clear selection"</button>
                })}
            </BulkBar>
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
                                {move || match match_count.get() {
                                    Some(n) => format!("Select all {} jobs matching these filters", format::count(n)),
                                    None => "Select all jobs matching these filters".to_string(),
                                }}
                            </button>
                        }.into_any()
                    }}
                </div>
            })}
        })}
    }
}

/// The confirmation of the action asked, with how many jobs it covers.
#[component]
pub fn BulkDialog(bulk: Bulk) -> impl IntoView {
    let confirm = bulk.confirm;
    move || {
        confirm.asked.get().map(|p| {
        let verb = action_verb(p.action);
        let (count, title, body) = match &p.target {
            Target::Ids(ids) => {
                let n = ids.len() as i64;
                (
                    n,
                    format!("{verb} {n} selected {}?", noun(n, "job", "jobs")),
                    format!("{n} selected {} will be {}.", noun(n, "job", "jobs"), action_past(p.action)),
                )
            }
            Target::Matching { count, max_id, .. } => (
                *count,
                format!("{verb} {} matching {}?", format::count(*count), noun(*count, "job", "jobs")),
                format!("The {} {} matching the current filters now (up to job #{max_id}) will be {}. Jobs enqueued after this count are not touched; jobs in a state the action does not apply to are left as they are.", format::count(*count), noun(*count, "job", "jobs"), action_past(p.action)),
            ),
        };
        view! {
            <ConfirmDialog
                title=title
                confirm_label=format!("{verb} {}", format::count(count))
                danger=p.action != JobAction::Retry
                busy=confirm.busy
                on_confirm=bulk.on_confirm
                on_cancel=confirm.on_cancel()
            >
                <p data-testid="confirm-count" data-count=count>{body}</p>
            </ConfirmDialog>
        }
    })
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

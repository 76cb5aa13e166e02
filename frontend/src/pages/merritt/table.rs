//! The submissions table: sortable columns, a row a submission with its size, state history
//! and error, and the pager with the total.

use std::collections::BTreeSet;

use leptos::prelude::*;
use longjobs_openapi::{Submission, SubmissionPage, SubmissionSort, SubmissionState};

use crate::components::{
    CheckCell, KeysetPager, SubmissionHistory, SubmissionStateBadge, TableCard, TimeCell,
    column_heads, sort_column,
};
use crate::format;
use crate::poll::Polled;
use crate::query::SubmissionsQuery;

/// The page of submissions, with a checkbox a row for operators.
#[component]
pub fn SubmissionsTable(
    subs: Polled<SubmissionPage>,
    query: Memo<SubmissionsQuery>,
    go: Callback<SubmissionsQuery>,
    can_act: Memo<bool>,
    checked: RwSignal<BTreeSet<i64>>,
) -> impl IntoView {
    let header = move |label, key, numeric| sort_column(query, go, label, key, numeric);
    let head = move || {
        view! {
            {move || can_act.get().then(|| view! {
                <th scope="col" class="check"><span class="sr-only">"Checked"</span></th>
            })}
            {header("ID", SubmissionSort::Id, false)}
            {header("Res. ID", SubmissionSort::ResourceId, true)}
            {header("Identifier / ARK", SubmissionSort::Identifier, false)}
            {header("State", SubmissionSort::State, false)}
            {header("Size", SubmissionSort::Size, true)}
            {column_heads(&["Host", "Job"])}
            {header("Updated", SubmissionSort::UpdatedAt, false)}
            {column_heads(&["State history"])}
        }
    };
    let pager = move || {
        let total = move || {
            subs.data.with(|p| p.as_ref().map(|p| p.total)).map(|t| view! {
                <span class="pager-info small" data-testid="submissions-total" data-total=t>
                    <strong>{format::count(t)}</strong>{if t == 1 { " submission matches · " } else { " submissions match · " }}
                </span>
            })
        };
        let on_page = move || {
            let n = subs
                .data
                .with(|p| p.as_ref().map_or(0, |p| p.submissions.len()));
            format!(
                "{} on this page",
                format::plural(n, "submission", "submissions")
            )
        };
        view! {
            <KeysetPager query=query go=go next_cursor=subs.select(|p| p.next_cursor.clone()) previous=true
                first_testid="submissions-first" next_testid="submissions-next">
                {total}<span class="pager-info muted small">{on_page}</span>
            </KeysetPager>
        }
    };
    view! {
        <TableCard class=if can_act.get_untracked() { "submissions-table with-check" } else { "submissions-table" } testid="submissions-table" head=head after=pager
            empty=subs.select(|p| Some(p.submissions.is_empty())) empty_text="No submissions match."
            empty_testid="no-submissions" loading_testid="submissions-loading">
            {move || subs.data.with(|p| p.as_ref().map(|p| p.submissions.clone()).unwrap_or_default())
                .into_iter()
                .map(|sub| view! { <SubmissionRow sub=sub can_act=can_act checked=checked /> })
                .collect_view()}
        </TableCard>
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
                <CheckCell label=format!("Check submission {id}") id=id checked=checked />
            })}
            <td class="mono"><a href=format!("/merritt/submissions/{id}") data-testid="submission-link">{format!("#{id}")}</a></td>
            <td class="num">{sub.resource_id}</td>
            <td class="ident-cell">
                <div><a class="mono" href=crate::pages::dataset_href(&sub.identifier) title="This dataset's copies and submissions">{sub.identifier.clone()}</a></div>
                <div class="mono small muted" data-testid="submission-ark">{sub.ark.clone().unwrap_or_else(|| "no ARK yet".into())}</div>
            </td>
            <td><SubmissionStateBadge state=sub.state /></td>
            <td class="num nowrap" data-testid="submission-size">{format::bytes(sub.size)}</td>
            <td class="mono small" data-testid="submission-host">{sub.host.clone()}</td>
            <td>{sub.job_id.map(|j| view! { <a class="mono" href=format!("/jobs/{j}")>{format!("#{j}")}</a> })}</td>
            <td class="nowrap"><TimeCell time=sub.updated_at compact=true /></td>
            <td class="history-cell">
                <details class="history" data-testid="submission-history" data-states=sub.history.len()>
                    <summary>{trail}</summary>
                    <ol class="history-list"><SubmissionHistory history=sub.history.clone() /></ol>
                </details>
            </td>
        </tr>
        {error.map(|e| view! {
            <tr class="row-sub" data-error-for=id>
                <td colspan="11" class="error-line" title=e.clone()>{format::excerpt(&e, 200)}</td>
            </tr>
        })}
    }
}

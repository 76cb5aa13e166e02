//! The submissions table: a row a submission with its state history and error.

use std::collections::BTreeSet;

use leptos::prelude::*;
use longjobs_openapi::{Submission, SubmissionState};

use crate::components::{
    CheckCell, SubmissionHistory, SubmissionStateBadge, TableCard, TimeCell, column_heads,
};
use crate::format;
use crate::poll::Polled;

/// The submissions listed, with a checkbox a row for operators.
#[component]
pub fn SubmissionsTable(
    subs: Polled<Vec<Submission>>,
    can_act: Memo<bool>,
    checked: RwSignal<BTreeSet<i64>>,
) -> impl IntoView {
    let head = move || {
        view! {
            {move || can_act.get().then(|| view! {
                <th scope="col" class="check"><span class="sr-only">"Checked"</span></th>
            })}
            <th scope="col">"ID"</th>
            <th scope="col" class="num">"Res. ID"</th>
            {column_heads(&["Identifier / ARK", "State", "Host", "Job", "Updated", "State history"])}
        }
    };
    view! {
        <TableCard class="submissions-table" testid="submissions-table" head=head
            empty=subs.select(|s| Some(s.is_empty())) empty_text="No submissions match."
            empty_testid="no-submissions" loading_testid="submissions-loading">
            {move || subs.data.get().unwrap_or_default().into_iter()
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
                    <ol class="history-list"><SubmissionHistory history=sub.history.clone() /></ol>
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

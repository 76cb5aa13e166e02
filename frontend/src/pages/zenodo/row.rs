//! One row of the copies table: checkbox, columns, Resend, and under it the copy's error
//! and what its last resend did.

use std::collections::{BTreeSet, HashMap};

use leptos::prelude::*;
use longjobs_openapi::{CopyState, ZenodoCopy};

use crate::components::{CheckCell, CopyStateBadge, ResendOutcome, Resent, TimeCell};
use crate::format;
use crate::query::CopiesQuery;

/// One copy, and under it its error (while unfinished) and what its last resend did.
#[component]
pub fn CopyRow(
    copy: ZenodoCopy,
    can_act: Memo<bool>,
    resent: RwSignal<HashMap<i64, Resent>>,
    resend: impl Fn(i64) + Copy + Send + Sync + 'static,
    checked: RwSignal<BTreeSet<i64>>,
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
            {move || can_act.get().then(|| view! {
                <CheckCell label=format!("Select copy {id}") id=id checked=checked />
            })}
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
                <td colspan="12" class="error-line" title=e.clone()>
                    <span class="sr-only">"Error: "</span>{format::excerpt(error_gist(&e), 200)}
                </td>
            </tr>
        })}
        {move || resent.with(|m| m.get(&id).cloned()).map(|r| view! {
            <tr class="row-sub" data-outcome-for=id>
                <td colspan="12"><ResendOutcome id=id outcome=r /></td>
            </tr>
        })}
    }
}

/// What an error says, without the request it is about: Zenodo errors read
/// `PUT http://…/files/x answered 400: …`, and the answer is what an operator scans for.
fn error_gist(error: &str) -> &str {
    error.find(" answered ").map_or(error, |i| &error[i + 1..])
}

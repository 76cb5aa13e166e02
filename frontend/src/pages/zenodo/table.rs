//! The copies table: sortable columns, a row a copy (with its error and its last resend's
//! outcome under it) and the pager.

use std::collections::HashMap;

use leptos::prelude::*;
use longjobs_openapi::{CopyPage, CopySort, CopyState, ZenodoCopy};

use crate::components::{
    CopyStateBadge, KeysetPager, ResendOutcome, Resent, TableCard, TimeCell, resend_copy,
    sort_column,
};
use crate::format;
use crate::poll::Polled;
use crate::query::CopiesQuery;

/// The page of copies, with a Resend button a row for operators.
#[component]
pub fn CopiesTable(
    page: Polled<CopyPage>,
    query: Memo<CopiesQuery>,
    go: Callback<CopiesQuery>,
    can_act: Memo<bool>,
) -> impl IntoView {
    let resent = RwSignal::new(HashMap::<i64, Resent>::new());
    // Resend one copy; the outcome shows under its row.
    let resend = move |id: i64| {
        resend_copy(
            id,
            move |r| {
                resent.try_update(|m| m.insert(id, r));
            },
            move || page.reload(),
        )
    };
    let header = move |label, key, numeric| sort_column(query, go, label, key, numeric);
    let head = move || {
        view! {
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
        }
    };
    let on_page = move || {
        let n = page.data.with(|p| p.as_ref().map_or(0, |p| p.copies.len()));
        format!("{} on this page", format::plural(n, "copy", "copies"))
    };
    let pager = move || {
        view! {
            <KeysetPager query=query go=go next_cursor=page.select(|p| p.next_cursor.clone())
                first_testid="copies-first" next_testid="copies-next">
                <span class="pager-info muted small">{on_page}</span>
            </KeysetPager>
        }
    };
    view! {
        <TableCard class="copies-table" testid="copies-table" head=head after=pager
            empty=page.select(|p| Some(p.copies.is_empty())) empty_text="No copies match these filters."
            empty_testid="no-copies">
            {move || page.data.with(|p| {
                p.as_ref()
                    .map(|p| p.copies.clone())
                    .unwrap_or_default()
                    .into_iter()
                    .map(|copy| view! { <CopyRow copy=copy can_act=can_act resent=resent resend=resend /> })
                    .collect_view()
            })}
        </TableCard>
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

/// What an error says, without the request it is about: Zenodo errors read
/// `PUT http://…/files/x answered 400: …`, and the answer is what an operator scans for.
fn error_gist(error: &str) -> &str {
    error.find(" answered ").map_or(error, |i| &error[i + 1..])
}

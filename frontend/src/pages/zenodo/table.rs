//! The copies table: sortable columns, a row a copy (with its error and its last resend's
//! outcome under it) and the pager.

use std::collections::{BTreeSet, HashMap};

use leptos::prelude::*;
use longjobs_openapi::{CopyPage, CopySort};

use super::row::CopyRow;
use crate::components::{KeysetPager, Resent, TableCard, check, resend_copy, sort_column};
use crate::format;
use crate::poll::Polled;
use crate::query::CopiesQuery;

/// The page of copies, with a checkbox and a Resend button a row for operators.
#[component]
pub fn CopiesTable(
    page: Polled<CopyPage>,
    query: Memo<CopiesQuery>,
    go: Callback<CopiesQuery>,
    can_act: Memo<bool>,
    checked: RwSignal<BTreeSet<i64>>,
) -> impl IntoView {
    let page_ids = Memo::new(move |_| {
        page.data
            .with(|p| {
                p.as_ref()
                    .map(|p| p.copies.iter().map(|c| c.id).collect::<Vec<_>>())
            })
            .unwrap_or_default()
    });
    let all_on_page = Memo::new(move |_| {
        let ids = page_ids.get();
        !ids.is_empty() && checked.with(|s| ids.iter().all(|id| s.contains(id)))
    });
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
            {move || can_act.get().then(|| view! {
                <th scope="col" class="check">
                    <input type="checkbox" aria-label="Select every copy on this page" data-testid="select-copies-page"
                        prop:checked=move || all_on_page.get()
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            checked.update(|s| check(s, page_ids.get_untracked(), on));
                        } />
                </th>
            })}
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
    let total = move || {
        page.data.with(|p| p.as_ref().map(|p| p.total)).map(|t| {
            let which = if query.with(CopiesQuery::unfinished_only) {
                "unfinished "
            } else {
                ""
            };
            let noun = if t == 1 { "copy" } else { "copies" };
            view! {
                <span class="pager-info small" data-testid="copies-total" data-total=t>
                    <strong>{format::count(t)}</strong>{format!(" {which}{noun} match · ")}
                </span>
            }
        })
    };
    let pager = move || {
        view! {
            <KeysetPager query=query go=go next_cursor=page.select(|p| p.next_cursor.clone())
                first_testid="copies-first" next_testid="copies-next">
                {total}<span class="pager-info muted small">{on_page}</span>
            </KeysetPager>
        }
    };
    view! {
        <TableCard class=if can_act.get_untracked() { "copies-table with-check" } else { "copies-table" } testid="copies-table" head=head after=pager
            empty=page.select(|p| Some(p.copies.is_empty())) empty_text="No copies match these filters."
            empty_testid="no-copies">
            {move || page.data.with(|p| {
                p.as_ref()
                    .map(|p| p.copies.clone())
                    .unwrap_or_default()
                    .into_iter()
                    .map(|copy| view! { <CopyRow copy=copy can_act=can_act resent=resent resend=resend checked=checked /> })
                    .collect_view()
            })}
        </TableCard>
    }
}

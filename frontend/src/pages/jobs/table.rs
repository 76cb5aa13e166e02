//! The jobs table: a row a job, the select-page checkbox, sortable columns and the pager.

use leptos::prelude::*;
use longjobs_openapi::{JobPage, JobSort, JobState, JobSummary};

use super::bulk::Bulk;
use crate::components::{
    CheckCell, KeysetPager, RunningFor, StateBadge, TableCard, TimeCell, check, sort_column,
};
use crate::format;
use crate::poll::Polled;
use crate::query::JobsQuery;

/// The page of jobs, its paging and (for operators) its checkboxes.
#[component]
pub fn JobsTable(
    page: Polled<JobPage>,
    query: Memo<JobsQuery>,
    go: Callback<JobsQuery>,
    can_act: Memo<bool>,
    bulk: Bulk,
) -> impl IntoView {
    let Bulk {
        selected,
        all_matching,
        page_ids,
        all_on_page,
        ..
    } = bulk;
    let header = move |label, key: JobSort| sort_column(query, go, label, key, key != JobSort::Id);
    let head = move || {
        view! {
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
                            selected.update(|s| check(s, ids, on));
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
        }
    };
    let pager = move || {
        view! {
            <KeysetPager query=query go=go next_cursor=page.select(|p| p.next_cursor.clone())
                previous=true next_testid="next-page" />
        }
    };
    view! {
        <TableCard class="jobs-table" testid="jobs-table" head=head after=pager
            empty=page.select(|p| Some(p.jobs.is_empty())) empty_text="No jobs match these filters."
            empty_testid="no-jobs">
            <For
                each=move || page.data.get().map(|p| p.jobs).unwrap_or_default()
                key=|j| (j.id, j.state, j.attempt, j.run_at, j.cancel_requested, j.last_error.clone())
                let:job
            >
                <JobRow job=job can_act=can_act selected=selected all_matching=all_matching />
            </For>
        </TableCard>
    }
}

/// One job in the table.
#[component]
fn JobRow(
    job: JobSummary,
    can_act: Memo<bool>,
    selected: RwSignal<std::collections::BTreeSet<i64>>,
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
                <CheckCell label=format!("Select job {id}") id=id checked=selected all=all_matching />
            })}
            <td><a class="mono" href=href>{format!("#{id}")}</a></td>
            <td>{job.queue.clone()}</td>
            <td class="mono">{job.kind.clone()}</td>
            <td>
                <StateBadge state=job.state />
                {job.attempted_at.filter(|_| job.state == JobState::Running).map(|t| view! { " " <RunningFor since=t /> })}
                {job.cancel_requested.then(|| view! { <span class="badge badge-warn">"cancel requested"</span> })}
            </td>
            <td class="num">{format!("{}/{}", job.attempt, job.max_attempts)}</td>
            <td class="num">{job.priority}</td>
            <td class="num nowrap"><TimeCell time=job.run_at compact=true /></td>
            <td class=error_class title=error.clone()>{format::excerpt(&error, 90)}</td>
        </tr>
    }
}

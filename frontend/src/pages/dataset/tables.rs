//! The dataset page's two tables: its Zenodo copies and its Merritt submissions.

use leptos::prelude::*;
use longjobs_openapi::{Submission, ZenodoCopy};

use crate::components::{CopyStateBadge, SubmissionStateBadge, TimeCell, column_heads};
use crate::format;
use crate::query::CopiesQuery;

/// The copies, each linked to its page and job, with what it waits on.
#[component]
pub fn DatasetCopies(copies: Vec<ZenodoCopy>, identifier: String) -> impl IntoView {
    let n = copies.len();
    let rows = copies
        .into_iter()
        .map(|c| {
            let id = c.id;
            view! {
                <tr data-copy-id=id data-state=c.state.as_str()>
                    <td><a class="mono" href=format!("/zenodo/copies/{id}")>{format!("#{id}")}</a></td>
                    <td class="num">{c.resource_id}</td>
                    <td class="mono">{c.copy_type.as_str()}</td>
                    <td><CopyStateBadge state=c.state /></td>
                    <td class="num nowrap">{format::bytes(c.size)}</td>
                    <td>{c.job_id.map(|j| view! { <a class="mono" href=format!("/jobs/{j}")>{format!("#{j}")}</a> })}</td>
                    <td>{c.waiting_on.map(|w| view! { <a class="mono" href=format!("/zenodo/copies/{w}")>{format!("#{w}")}</a> })}</td>
                    <td class="nowrap"><TimeCell time=c.updated_at compact=true /></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card card-flush" aria-labelledby="dataset-copies-title">
            <div class="card-header">
                <h2 id="dataset-copies-title">"Zenodo copies"</h2>
                <span class="muted small" data-testid="dataset-copies-count">{format::plural(n, "copy", "copies")}</span>
                <a class="small" href=CopiesQuery::of_identifier(&identifier)>"On the Zenodo page"</a>
            </div>
            {if n == 0 {
                view! { <p class="empty">"No Zenodo copy of this dataset."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table" data-testid="dataset-copies">
                            <thead><tr>{column_heads(&["ID", "Res. ID", "Copy type", "State", "Size", "Job", "Waiting on", "Updated"])}</tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

/// The submissions, each linked to its page and job, with its ARK.
#[component]
pub fn DatasetSubmissions(submissions: Vec<Submission>) -> impl IntoView {
    let n = submissions.len();
    let rows = submissions
        .into_iter()
        .map(|s| {
            let id = s.id;
            view! {
                <tr data-submission-id=id data-state=s.state.as_str()>
                    <td><a class="mono" href=format!("/merritt/submissions/{id}")>{format!("#{id}")}</a></td>
                    <td class="num">{s.resource_id}</td>
                    <td><SubmissionStateBadge state=s.state /></td>
                    <td class="num nowrap">{format::bytes(s.size)}</td>
                    <td class="mono small">{s.ark.clone().unwrap_or_else(|| "no ARK yet".into())}</td>
                    <td>{s.job_id.map(|j| view! { <a class="mono" href=format!("/jobs/{j}")>{format!("#{j}")}</a> })}</td>
                    <td class="nowrap"><TimeCell time=s.updated_at compact=true /></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card card-flush" aria-labelledby="dataset-submissions-title">
            <div class="card-header">
                <h2 id="dataset-submissions-title">"Merritt submissions"</h2>
                <span class="muted small" data-testid="dataset-submissions-count">{format::plural(n, "submission", "submissions")}</span>
            </div>
            {if n == 0 {
                view! { <p class="empty">"No Merritt submission of this dataset."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table" data-testid="dataset-submissions">
                            <thead><tr>{column_heads(&["ID", "Res. ID", "State", "Size", "ARK", "Job", "Updated"])}</tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

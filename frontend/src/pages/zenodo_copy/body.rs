//! A loaded copy's summary, files, request log and job.

use leptos::prelude::*;
use longjobs_openapi::{CopyDetail, CopyState};

use crate::components::{CopyStateBadge, JobTimeline, LogLine, LogLines, StateBadge, TimeCell};
use crate::format;
use crate::pages::DatasetLink;
use crate::query::CopiesQuery;

/// Summary, request log and job of a loaded copy.
#[component]
pub fn CopyBody(detail: CopyDetail) -> impl IntoView {
    let c = detail.copy;
    let file_count = detail.files.len();
    let dash = || "—".to_string();
    let title = detail.metadata["title"].as_str().map(str::to_string);
    let p = c.progress.clone();
    let replicating = c.state == CopyState::Replicating;
    let retry = c.retry.clone().map(|r| {
        format!(
            "attempt {} of {} failed; next attempt {} ({})",
            r.attempt,
            r.max_attempts,
            format::relative(&r.next_at),
            format::datetime(&r.next_at)
        )
    });
    let daily = if c.daily_retry_excluded {
        format!(
            "excluded — {}",
            c.daily_retry_note.clone().unwrap_or_default()
        )
    } else {
        format!(
            "included ({} so far)",
            format::plural(
                usize::try_from(c.daily_retries).unwrap_or(0),
                "resend",
                "resends"
            )
        )
    };
    let files = detail
        .files
        .into_iter()
        .map(|f| {
            view! {
                <tr>
                    <td class="mono">{f.name.0}</td>
                    <td class="num">{format::bytes(f.size)}</td>
                    <td class="mono small">{f.md5.0}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="grid-2">
            <section class="card" aria-labelledby="copy-summary-title">
                <h2 id="copy-summary-title">"Summary"</h2>
                <dl class="facts" data-testid="copy-summary">
                    <dt>"State"</dt><dd data-testid="copy-state" data-state=c.state.as_str()><CopyStateBadge state=c.state /></dd>
                    <dt>"Identifier"</dt><dd><DatasetLink identifier=c.identifier.clone() />" · "<a class="small" href=CopiesQuery::of_identifier(&c.identifier)>"its copies in order"</a></dd>
                    <dt>"Title"</dt><dd>{title.unwrap_or_else(dash)}</dd>
                    <dt>"Resource"</dt><dd>{c.resource_id}</dd>
                    <dt>"Copy type"</dt><dd class="mono">{c.copy_type.as_str()}</dd>
                    <dt>"Size"</dt><dd>{format!("{} in {}", format::bytes(c.size), format::plural(file_count, "file", "files"))}</dd>
                    <dt>"Attempts"</dt><dd data-testid="copy-attempts">{c.attempts}</dd>
                    {retry.map(|r| view! { <dt>"Next attempt"</dt><dd data-testid="copy-retry">{r}</dd> })}
                    {c.given_up_reason.clone().map(|r| view! { <dt>"Given up"</dt><dd data-testid="copy-given-up">{r}</dd> })}
                    <dt>"Daily retry"</dt><dd data-testid="copy-daily-retry" data-excluded=c.daily_retry_excluded.to_string()>{daily}</dd>
                    <dt>"Waiting on"</dt><dd>{c.waiting_on.map(|w| view! { <a class="mono" href=format!("/zenodo/copies/{w}")>{format!("copy #{w}")}</a> })}{c.waiting_on.is_none().then_some("nothing")}</dd>
                    <dt>"Note"</dt><dd>{c.note.clone().unwrap_or_else(dash)}</dd>
                    <dt>"Created"</dt><dd><TimeCell time=c.created_at /></dd>
                    <dt>"Updated"</dt><dd><TimeCell time=c.updated_at /></dd>
                </dl>
            </section>
            <section class="card" aria-labelledby="copy-zenodo-title">
                <h2 id="copy-zenodo-title">"On Zenodo"</h2>
                <dl class="facts">
                    <dt>"Deposition"</dt><dd class="mono">{c.deposition_id.map(|d| d.to_string()).unwrap_or_else(dash)}</dd>
                    <dt>"Reserved DOI"</dt><dd class="mono">{c.software_doi.clone().unwrap_or_else(dash)}</dd>
                    <dt>"Concept record"</dt><dd class="mono">{c.conceptrecid.clone().unwrap_or_else(dash)}</dd>
                </dl>
                {c.last_error.clone().map(|e| view! {
                    <h3>"Last error"</h3>
                    <pre class="error-text" data-testid="copy-last-error">{e}</pre>
                })}
            </section>
        </div>
        <section class="card" aria-labelledby="copy-files-title">
            <h2 id="copy-files-title">"Files"</h2>
            {replicating.then(|| {
                let label = format!(
                    "Uploading: {} of {} files, {} of {}",
                    p.files_done,
                    p.files_total,
                    format::bytes(p.bytes_done),
                    format::bytes(p.bytes_total)
                );
                view! {
                    <div class="upload-progress" data-testid="copy-progress"
                        data-files-done=p.files_done.to_string() data-bytes-done=p.bytes_done.to_string()>
                        <progress max=p.bytes_total.max(1).to_string() value=p.bytes_done.to_string() aria-label=label.clone()></progress>
                        <span class="small">{label}</span>
                    </div>
                }
            })}
            <div class="table-wrap">
                <table class="table" data-testid="copy-files">
                    <thead><tr><th scope="col">"Name"</th><th scope="col" class="num">"Size"</th><th scope="col">"MD5"</th></tr></thead>
                    <tbody>{files}</tbody>
                </table>
            </div>
        </section>
        <section class="card" aria-labelledby="copy-log-title">
            <div class="card-header">
                <h2 id="copy-log-title">"Request log"</h2>
                <span class="muted small">"every request and response, oldest first (access tokens redacted)"</span>
            </div>
            <LogLines
                lines=detail.log.into_iter().map(|l| LogLine { at: l.at, kind: l.kind, message: l.message.into_any() }).collect()
                testid="copy-log"
                empty="Nothing logged yet: the copy has not been attempted."
            />
        </section>
        <section class="card" aria-labelledby="copy-job-title">
            <h2 id="copy-job-title">"Job"</h2>
            {detail.job.map(|j| view! {
                <p class="job-line" data-testid="copy-job">
                    <a class="mono" href=format!("/jobs/{}", j.job.id)>{format!("Job #{}", j.job.id)}</a>
                    " " <StateBadge state=j.job.state />
                    {format!(" · attempt {} of {}", j.job.attempt, j.job.max_attempts)}
                </p>
                <JobTimeline entries=j.history />
            })}
        </section>
    }
}

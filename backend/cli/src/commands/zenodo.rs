//! `longjobs zenodo`: copies of dataset versions to Zenodo — list, show, resend, resend a
//! dataset's chain, give up on one, take one out of the daily retry, reset stalled copies.

use clap::Subcommand;
use longjobs_openapi as wire;

use crate::client::Client;
use crate::output::{Output, time};
use crate::table::{cut, render};

#[derive(Subcommand, Debug)]
pub enum ZenodoCmd {
    /// List copies, newest first.
    List {
        /// Only the copies of this dataset (its DOI).
        #[arg(long)]
        identifier: Option<String>,
        /// A state (enqueued, replicating, retrying, finished, error, given_up, deferred);
        /// repeat for several.
        #[arg(long)]
        state: Vec<String>,
        /// A copy type (data, software, software_publish, supp, supp_publish); repeat.
        #[arg(long = "type")]
        copy_type: Vec<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Continue from a previous page's cursor.
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Show one copy: its deposition, files, request log and job.
    Show { id: i64 },
    /// Send copies again (each with the later copies of its dataset and type).
    Resend {
        #[arg(required = true)]
        ids: Vec<i64>,
    },
    /// Send every unfinished copy of one dataset again, in order.
    ResendChain { identifier: String },
    /// End a copy without replicating it; the later copies of its dataset run.
    GiveUp {
        id: i64,
        /// Why (kept on the copy and in the audit log).
        #[arg(long)]
        reason: String,
    },
    /// Take a copy out of the daily retry (`--include` puts it back).
    DailyRetry {
        id: i64,
        /// Put it back in the daily retry.
        #[arg(long)]
        include: bool,
        /// Why (kept on the copy and in the audit log).
        #[arg(long)]
        reason: String,
    },
    /// Copies shown as enqueued or replicating without a live job go to `error`.
    ResetStalled,
}

pub async fn run(api: &Client, out: &Output, cmd: ZenodoCmd) -> anyhow::Result<()> {
    match cmd {
        ZenodoCmd::List {
            identifier,
            state,
            copy_type,
            limit,
            cursor,
        } => {
            let mut query: Vec<(&str, String)> = vec![("limit", limit.to_string())];
            query.extend(identifier.map(|v| ("identifier", v)));
            query.extend(cursor.map(|v| ("cursor", v)));
            query.extend(state.into_iter().map(|s| ("state", s)));
            query.extend(copy_type.into_iter().map(|s| ("copy_type", s)));
            let page: wire::CopyPage = api.get("/api/zenodo/copies", &query).await?;
            out.show(&page, || list_text(&page))
        }
        ZenodoCmd::Show { id } => {
            let d: wire::CopyDetail = api.get(&format!("/api/zenodo/copies/{id}"), &[]).await?;
            out.show(&d, || detail_text(&d))
        }
        ZenodoCmd::Resend { ids } => {
            let r: wire::ResendResult = api
                .post("/api/zenodo/copies/resend", &wire::ResendCopies { ids })
                .await?;
            out.show(&r, || {
                r.outcomes
                    .iter()
                    .map(|o| match &o.refused {
                        Some(why) => format!("copy {}: refused: {why}\n", o.id),
                        None => format!("copy {}: requeued {:?}\n", o.id, o.requeued),
                    })
                    .collect()
            })?;
            let refused = r.outcomes.iter().filter(|o| o.refused.is_some()).count();
            anyhow::ensure!(
                refused == 0,
                "{refused} of {} copies were refused",
                r.outcomes.len()
            );
            Ok(())
        }
        ZenodoCmd::ResendChain { identifier } => {
            let body = wire::ResendChain {
                identifier: identifier.clone().into(),
            };
            let r: wire::Requeued = api.post("/api/zenodo/chains/resend", &body).await?;
            out.show(&r, || {
                format!("{identifier}: requeued copies {:?}\n", r.requeued)
            })
        }
        ZenodoCmd::GiveUp { id, reason } => {
            let r: wire::GivenUp = api
                .post(
                    &format!("/api/zenodo/copies/{id}/give-up"),
                    &wire::GiveUpCopy {
                        reason: reason.into(),
                    },
                )
                .await?;
            out.show(&r, || {
                format!(
                    "copy {}: given up; released copies {:?}\n",
                    r.copy.id, r.released
                )
            })
        }
        ZenodoCmd::DailyRetry {
            id,
            include,
            reason,
        } => {
            let c: wire::ZenodoCopy = api
                .post(
                    &format!("/api/zenodo/copies/{id}/daily-retry"),
                    &wire::DailyRetryChoice {
                        excluded: !include,
                        reason: reason.into(),
                    },
                )
                .await?;
            out.show(&c, || {
                let what = if c.daily_retry_excluded {
                    "out of"
                } else {
                    "back in"
                };
                format!("copy {}: {what} the daily retry\n", c.id)
            })
        }
        ZenodoCmd::ResetStalled => {
            let r: wire::ResetStalled = api
                .post("/api/zenodo/reset-stalled", &serde_json::Map::new())
                .await?;
            out.show(&r, || format!("reset to error: {:?}\n", r.reset))
        }
    }
}

fn list_text(page: &wire::CopyPage) -> String {
    let mut text = render(
        &[
            "ID",
            "IDENTIFIER",
            "TYPE",
            "STATE",
            "DEPOSITION",
            "WAITING ON",
            "UPDATED",
            "NOTE / LAST ERROR",
        ],
        &page
            .copies
            .iter()
            .map(|c| {
                vec![
                    c.id.to_string(),
                    c.identifier.clone(),
                    c.copy_type.as_str().to_string(),
                    c.state.as_str().to_string(),
                    c.deposition_id.map(|d| d.to_string()).unwrap_or_default(),
                    c.waiting_on.map(|d| d.to_string()).unwrap_or_default(),
                    time(&c.updated_at),
                    cut(
                        c.last_error.as_deref().or(c.note.as_deref()).unwrap_or(""),
                        60,
                    ),
                ]
            })
            .collect::<Vec<_>>(),
    );
    if let Some(c) = &page.next_cursor {
        text.push_str(&format!("more: --cursor {c}\n"));
    }
    text
}

fn detail_text(d: &wire::CopyDetail) -> String {
    let c = &d.copy;
    let mut s = format!(
        "copy {}  {}  {} of {} (resource {})\n",
        c.id,
        c.state.as_str(),
        c.copy_type.as_str(),
        c.identifier,
        c.resource_id
    );
    for (label, v) in [
        ("deposition", c.deposition_id.map(|d| d.to_string())),
        ("doi", c.software_doi.clone()),
        ("concept", c.conceptrecid.clone()),
        ("job", c.job_id.map(|j| j.to_string())),
        ("waiting on copy", c.waiting_on.map(|w| w.to_string())),
        (
            "next attempt",
            c.retry.as_ref().map(|r| {
                format!(
                    "{} of {} failed; next at {}",
                    r.attempt,
                    r.max_attempts,
                    time(&r.next_at)
                )
            }),
        ),
        ("given up", c.given_up_reason.clone()),
        (
            "daily retry",
            c.daily_retry_excluded.then(|| {
                format!(
                    "excluded ({})",
                    c.daily_retry_note.as_deref().unwrap_or("no note")
                )
            }),
        ),
        ("note", c.note.clone()),
        ("last error", c.last_error.clone()),
    ] {
        if let Some(v) = v {
            s.push_str(&format!("{label}: {v}\n"));
        }
    }
    let p = &c.progress;
    s.push_str(&format!(
        "attempts: {}  daily retries: {}  uploaded: {}/{} files, {}/{} bytes\n",
        c.attempts, c.daily_retries, p.files_done, p.files_total, p.bytes_done, p.bytes_total
    ));
    s.push_str(&format!("files ({}, {} bytes):\n", d.files.len(), c.size));
    for f in &d.files {
        s.push_str(&format!("  {}  {} bytes  md5 {}\n", f.name, f.size, f.md5));
    }
    if !d.log.is_empty() {
        s.push_str("request log:\n");
        for l in &d.log {
            s.push_str(&format!("  {}  {:<8} {}\n", time(&l.at), l.kind, l.message));
        }
    }
    s
}

//! `longjobs jobs`: list, show, enqueue, retry, cancel, discard.

use anyhow::Context;
use clap::Subcommand;
use longjobs_openapi as wire;

use crate::client::Client;
use crate::output::{Output, time};
use crate::table::{cut, render};

#[derive(Subcommand, Debug)]
pub enum JobsCmd {
    /// List jobs, newest first.
    List {
        #[arg(long)]
        queue: Option<String>,
        #[arg(long)]
        kind: Option<String>,
        /// A state; repeat for several.
        #[arg(long)]
        state: Vec<String>,
        /// Text in the payload or last error.
        #[arg(long)]
        q: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Continue from a previous page's cursor.
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Show one job with its history.
    Show { id: i64 },
    /// Enqueue one job.
    Enqueue {
        #[arg(long)]
        queue: String,
        #[arg(long)]
        kind: String,
        /// JSON payload.
        #[arg(long, default_value = "{}")]
        payload: String,
        #[arg(long)]
        unique_key: Option<String>,
        #[arg(long)]
        ordering_key: Option<String>,
    },
    /// Run jobs again now.
    Retry { ids: Vec<i64> },
    /// Cancel jobs (running ones at their worker's next heartbeat).
    Cancel { ids: Vec<i64> },
    /// Give up on waiting jobs.
    Discard { ids: Vec<i64> },
}

pub async fn run(api: &Client, out: &Output, cmd: JobsCmd) -> anyhow::Result<()> {
    match cmd {
        JobsCmd::List {
            queue,
            kind,
            state,
            q,
            limit,
            cursor,
        } => {
            let mut query: Vec<(&str, String)> = vec![("limit", limit.to_string())];
            for (k, v) in [
                ("queue", queue),
                ("kind", kind),
                ("q", q),
                ("cursor", cursor),
            ] {
                if let Some(v) = v {
                    query.push((k, v));
                }
            }
            query.extend(state.into_iter().map(|s| ("state", s)));
            let page: wire::JobPage = api.get("/api/jobs", &query).await?;
            out.show(&page, || list_text(&page))
        }
        JobsCmd::Show { id } => {
            let d: wire::JobDetail = api.get(&format!("/api/jobs/{id}"), &[]).await?;
            out.show(&d, || detail_text(&d))
        }
        JobsCmd::Enqueue {
            queue,
            kind,
            payload,
            unique_key,
            ordering_key,
        } => {
            let payload: serde_json::Value =
                serde_json::from_str(&payload).context("--payload is not JSON")?;
            let body = wire::EnqueueJobs {
                jobs: vec![wire::NewJob {
                    queue: queue.into(),
                    kind: kind.into(),
                    payload: Some(payload),
                    priority: None,
                    max_attempts: None,
                    run_at: None,
                    unique_key: unique_key.map(Into::into),
                    ordering_key: ordering_key.map(Into::into),
                }],
            };
            let res: wire::EnqueueResult = api.post("/api/jobs", &body).await?;
            out.show(&res, || {
                res.jobs
                    .iter()
                    .map(|e| {
                        let what = if e.inserted {
                            "enqueued"
                        } else {
                            "already exists"
                        };
                        format!("job {} {what}\n", e.job.id)
                    })
                    .collect()
            })
        }
        JobsCmd::Retry { ids } => act(api, out, wire::JobAction::Retry, ids).await,
        JobsCmd::Cancel { ids } => act(api, out, wire::JobAction::Cancel, ids).await,
        JobsCmd::Discard { ids } => act(api, out, wire::JobAction::Discard, ids).await,
    }
}

fn list_text(page: &wire::JobPage) -> String {
    let mut text = render(
        &[
            "ID",
            "QUEUE",
            "KIND",
            "STATE",
            "ATTEMPT",
            "RUN AT",
            "LAST ERROR",
        ],
        &page
            .jobs
            .iter()
            .map(|j| {
                vec![
                    j.id.to_string(),
                    j.queue.clone(),
                    j.kind.clone(),
                    j.state.as_str().to_string(),
                    format!("{}/{}", j.attempt, j.max_attempts),
                    time(&j.run_at),
                    cut(j.last_error.as_deref().unwrap_or(""), 60),
                ]
            })
            .collect::<Vec<_>>(),
    );
    if let Some(c) = &page.next_cursor {
        text.push_str(&format!("more: --cursor {c}\n"));
    }
    text
}

fn detail_text(d: &wire::JobDetail) -> String {
    let j = &d.job;
    let mut s = format!(
        "job {}  {}  queue {}  kind {}\nattempt {}/{}  priority {}  run at {}\n",
        j.id,
        j.state.as_str(),
        j.queue,
        j.kind,
        j.attempt,
        j.max_attempts,
        j.priority,
        j.run_at.format("%Y-%m-%d %H:%M:%S UTC")
    );
    for (label, v) in [
        ("unique key", &j.unique_key),
        ("ordering key", &j.ordering_key),
        ("worker", &j.lease_owner),
    ] {
        if let Some(v) = v {
            s.push_str(&format!("{label}: {v}\n"));
        }
    }
    s.push_str(&format!("payload: {}\n", d.payload));
    if !d.history.is_empty() {
        s.push_str("history:\n");
        for h in &d.history {
            s.push_str(&format!(
                "  {}  #{}  {:<11} {}\n",
                time(&h.at),
                h.attempt,
                h.kind,
                h.message
            ));
        }
    }
    s
}

async fn act(
    api: &Client,
    out: &Output,
    action: wire::JobAction,
    ids: Vec<i64>,
) -> anyhow::Result<()> {
    anyhow::ensure!(!ids.is_empty(), "give at least one job id");
    let body = wire::BulkAction {
        action,
        ids,
        filter: None,
        all: false,
        dry_run: false,
    };
    let res: wire::BulkActionResult = api.post("/api/jobs/actions", &body).await?;
    out.show(&res, || {
        let mut s: String = res
            .outcomes
            .iter()
            .map(|o| match (&o.state, &o.reason) {
                (Some(st), _) => format!("job {}: {}\n", o.id, st.as_str()),
                (None, Some(r)) => format!("job {}: refused: {r}\n", o.id),
                (None, None) => format!("job {}: {}\n", o.id, o.outcome.as_str().replace('_', " ")),
            })
            .collect();
        s.push_str(&format!(
            "{}: {} changed, {} refused\n",
            action_name(action),
            res.changed,
            res.refused
        ));
        s
    })?;
    anyhow::ensure!(
        res.refused == 0,
        "{} of {} jobs were refused",
        res.refused,
        res.matched
    );
    Ok(())
}

fn action_name(a: wire::JobAction) -> &'static str {
    match a {
        wire::JobAction::Retry => "retry",
        wire::JobAction::Cancel => "cancel",
        wire::JobAction::Discard => "discard",
    }
}

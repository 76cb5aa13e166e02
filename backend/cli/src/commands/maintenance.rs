//! `longjobs status`, `drain` and `restart`: the maintenance cycle.

use std::time::{Duration, Instant};

use longjobs_openapi as wire;

use crate::client::Client;
use crate::output::Output;
use crate::table::render;

/// `drain --wait` gave up: not drained within `--timeout` (exit code 2).
#[derive(Debug)]
pub struct NotDrained {
    timeout: u64,
    running: usize,
}

impl std::fmt::Display for NotDrained {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "not drained after {} s: {} jobs still running",
            self.timeout, self.running
        )
    }
}

impl std::error::Error for NotDrained {}

/// What `drain` was asked.
pub struct Drain {
    pub wait: bool,
    pub zenodo: bool,
    pub merritt: bool,
    pub timeout: u64,
}

/// The maintenance status; the text adds a line per remote service (`--json` keeps the
/// status object alone).
pub async fn status(api: &Client, out: &Output) -> anyhow::Result<()> {
    let st: wire::MaintenanceStatus = api.get("/api/maintenance", &[]).await?;
    let remotes: Vec<wire::RemoteHealth> = if out.json {
        Vec::new()
    } else {
        api.get("/api/remotes", &[]).await?
    };
    out.show(&st, || status_text(&st) + &remotes_text(&remotes))
}

/// Whether Zenodo and Merritt answer.
pub async fn remotes(api: &Client, out: &Output) -> anyhow::Result<()> {
    let remotes: Vec<wire::RemoteHealth> = api.get("/api/remotes", &[]).await?;
    out.show(&remotes, || remotes_text(&remotes))
}

fn remotes_text(remotes: &[wire::RemoteHealth]) -> String {
    remotes.iter().map(|r| format!("{}\n", r.summary)).collect()
}

pub async fn drain(api: &Client, out: &Output, d: Drain) -> anyhow::Result<()> {
    let body = wire::DrainRequest {
        zenodo: d.zenodo,
        merritt: d.merritt,
    };
    let mut st: wire::MaintenanceStatus = api.post("/api/maintenance/drain", &body).await?;
    if !out.json {
        println!("draining: {}", switches(&st));
    }
    let deadline = Instant::now() + Duration::from_secs(d.timeout);
    while d.wait && !st.drained {
        if !out.json {
            eprint!("\r{}", progress(&st));
        }
        if Instant::now() > deadline {
            eprintln!();
            return Err(NotDrained {
                timeout: d.timeout,
                running: st.running.len(),
            }
            .into());
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        st = api.get("/api/maintenance", &[]).await?;
    }
    if d.wait && !out.json {
        eprintln!("\r{:<70}", "");
    }
    out.show(&st, || status_text(&st))
}

pub async fn restart(api: &Client, out: &Output) -> anyhow::Result<()> {
    let r: wire::RestartResult = api
        .post("/api/maintenance/restart", &serde_json::Map::new())
        .await?;
    out.show(&r, || {
        let cleared = if r.switches_cleared.is_empty() {
            "none".to_string()
        } else {
            r.switches_cleared.join(", ")
        };
        let mut text = format!(
            "restarted: switches cleared: {cleared}; {} Zenodo copies and {} Merritt submissions back in the queue\n",
            r.copies_requeued.len(),
            r.submissions_requeued.len()
        );
        for note in &r.notes {
            text.push_str(&format!("note: {note}\n"));
        }
        text
    })
}

fn switches(st: &wire::MaintenanceStatus) -> String {
    let mut on = Vec::new();
    if let Some(z) = &st.zenodo_deferred {
        on.push(format!(
            "Zenodo deferred since {} by {}",
            z.since.format("%Y-%m-%d %H:%M UTC"),
            z.by
        ));
    }
    if let Some(m) = &st.merritt_held {
        on.push(format!(
            "Merritt held since {} by {}",
            m.since.format("%Y-%m-%d %H:%M UTC"),
            m.by
        ));
    }
    if on.is_empty() {
        "no drain".to_string()
    } else {
        on.join("; ")
    }
}

/// One line: a bar of jobs still running and the drain's age.
fn progress(st: &wire::MaintenanceStatus) -> String {
    let n = st.running.len();
    let bar: String = "#".repeat(n.min(30));
    format!(
        "waiting for {n:>3} running job(s) [{bar:<30}] drain age {} s",
        st.drain_age_secs.unwrap_or(0)
    )
}

/// "none", or the due jobs no live worker would run and why: "7 jobs: 5 in reports (no
/// live worker serves queue reports); 2 in default (no live worker of queue default runs
/// kind build_usage_report)".
fn unserved(st: &wire::MaintenanceStatus) -> String {
    if st.unserved.is_empty() {
        return "none".to_string();
    }
    let each: Vec<String> = st
        .unserved
        .iter()
        .map(|u| format!("{} in {} ({})", u.jobs, u.queue, u.reason))
        .collect();
    format!("{} jobs: {}", st.unserved_jobs, each.join("; "))
}

fn status_text(st: &wire::MaintenanceStatus) -> String {
    let mut lines = vec![
        ("submissions enqueued:", st.submissions_enqueued.to_string()),
        (
            "submissions processing (7 days):",
            st.submissions_processing_7d.to_string(),
        ),
        ("zenodo enqueued:", st.zenodo_enqueued.to_string()),
        (
            "zenodo replicating (7 days):",
            st.zenodo_replicating_7d.to_string(),
        ),
        ("maintenance:", switches(st)),
        (
            "deferred copies / held submissions:",
            format!("{} / {}", st.deferred_copies, st.held_submissions),
        ),
    ];
    if !st.paused_queues.is_empty() {
        lines.push(("paused queues:", st.paused_queues.join(", ")));
    }
    let drained = match (st.drained, st.drain_started_at, st.drain_age_secs) {
        (true, _, Some(age)) => format!("yes (drain began {age} s ago)"),
        (false, Some(_), Some(age)) => format!(
            "no: {} job(s) still running (drain began {age} s ago)",
            st.running.len()
        ),
        _ => "no drain in progress".to_string(),
    };
    lines.push(("drained:", drained));
    lines.push(("unserved (no live worker):", unserved(st)));
    let mut s: String = lines
        .iter()
        .map(|(label, value)| format!("{label:<33} {value}\n"))
        .collect();
    if !st.running.is_empty() {
        s.push_str(&render(
            &["JOB", "QUEUE", "KIND", "WORKER", "RUNNING FOR"],
            &st.running
                .iter()
                .map(|j| {
                    vec![
                        j.id.to_string(),
                        j.queue.clone(),
                        j.kind.clone(),
                        j.worker.clone().unwrap_or_default(),
                        format!("{} s", j.running_for_secs),
                    ]
                })
                .collect::<Vec<_>>(),
        ));
    }
    for a in &st.alerts {
        s.push_str(&format!("ALERT: {a}\n"));
    }
    s
}

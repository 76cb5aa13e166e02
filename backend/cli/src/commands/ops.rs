//! `longjobs queues`, `workers` and `stats`: what runs where.

use clap::Subcommand;
use longjobs_openapi as wire;

use super::control::{self, WorkersCmd};
use crate::client::Client;
use crate::output::{Output, time};
use crate::table::render;

#[derive(Subcommand, Debug)]
pub enum QueuesCmd {
    /// Queues with their counts per state.
    List,
    /// Stop workers claiming from a queue.
    Pause { name: String },
    /// Let workers claim from a queue again.
    Resume { name: String },
    /// Set a queue's limits over all workers; running workers adopt them within 2 s.
    ///
    /// e.g. `longjobs queues set zenodo --concurrency 4 --rate 30/min`. A limit not given
    /// stays as it is; `none` removes it.
    Set {
        name: String,
        /// Most of its jobs running at once over all workers, or `none`.
        #[arg(long, value_parser = control::parse_concurrency)]
        concurrency: Option<control::Limit<i32>>,
        /// Most jobs started per period over all workers: 30/min, 5/s, 100/h, 1000/d,
        /// 10/90s, or `none`.
        #[arg(long, value_parser = control::parse_rate)]
        rate: Option<control::Limit<(i32, i32)>>,
    },
}

pub async fn queues(api: &Client, out: &Output, cmd: QueuesCmd) -> anyhow::Result<()> {
    let (name, verb, done) = match cmd {
        QueuesCmd::List => {
            let qs: Vec<wire::QueueInfo> = api.get("/api/queues", &[]).await?;
            return out.show(&qs, || queues_table(&qs));
        }
        QueuesCmd::Pause { name } => (name, "pause", "paused"),
        QueuesCmd::Resume { name } => (name, "resume", "resumed"),
        QueuesCmd::Set {
            name,
            concurrency,
            rate,
        } => {
            let q = control::set_limits(api, &name, concurrency, rate).await?;
            return out.show(&q, || {
                format!("queue {} limits: {}\n", q.name, control::limits_text(&q))
            });
        }
    };
    let q: wire::QueueInfo = api
        .post(
            &format!("/api/queues/{name}/{verb}"),
            &serde_json::Map::new(),
        )
        .await?;
    out.show(&q, || format!("queue {} {done}\n", q.name))
}

pub async fn workers(api: &Client, out: &Output, cmd: WorkersCmd) -> anyhow::Result<()> {
    if let Some((w, done)) = control::command_worker(api, &cmd).await? {
        return out.show(&w, || format!("worker {} {done}\n", w.id));
    }
    let ws: Vec<wire::WorkerInfo> = api.get("/api/workers", &[]).await?;
    out.show(&ws, || {
        render(
            &[
                "ID",
                "HOST",
                "PID",
                "STARTED",
                "LAST HEARTBEAT",
                "RUNNING",
                "STATUS",
            ],
            &ws.iter()
                .map(|w| {
                    let status = if w.alive && w.command == Some(wire::WorkerCommand::Stop) {
                        "stopping"
                    } else if w.alive && w.command == Some(wire::WorkerCommand::Quiet) {
                        "quiet"
                    } else if w.alive {
                        "alive"
                    } else if w.stopped_at.is_some() {
                        "stopped"
                    } else {
                        "stale"
                    };
                    vec![
                        w.id.clone(),
                        w.host.clone(),
                        w.pid.to_string(),
                        time(&w.started_at),
                        time(&w.last_heartbeat_at),
                        w.running_jobs.to_string(),
                        status.to_string(),
                    ]
                })
                .collect::<Vec<_>>(),
        )
    })
}

pub async fn stats(api: &Client, out: &Output) -> anyhow::Result<()> {
    let s: wire::Stats = api.get("/api/stats", &[]).await?;
    out.show(&s, || {
        let mut text = queues_table(&s.queues);
        text.push_str(&format!("workers alive: {}\n", s.workers_alive));
        text
    })
}

/// "yes", "no worker" (with the due jobs that wait), or "yes, not kind K (n)" when live
/// workers of the queue do not run some of its waiting kinds.
fn served_text(q: &wire::QueueInfo) -> String {
    if !q.served {
        return match q.unserved_jobs {
            0 => "no worker".to_string(),
            n => format!("no worker ({n} due)"),
        };
    }
    let kinds: Vec<String> = q
        .unserved_kinds
        .iter()
        .map(|k| format!("{} ({})", k.kind, k.jobs))
        .collect();
    if kinds.is_empty() {
        "yes".to_string()
    } else {
        format!("yes, not kind {}", kinds.join(", "))
    }
}

fn queues_table(qs: &[wire::QueueInfo]) -> String {
    let states = wire::JobState::ALL;
    let mut header = vec!["QUEUE", "PAUSED", "SERVED", "LIMITS"];
    header.extend(states.iter().map(|s| s.as_str()));
    render(
        &header,
        &qs.iter()
            .map(|q| {
                let mut row = vec![
                    q.name.clone(),
                    if q.paused { "yes" } else { "no" }.to_string(),
                    served_text(q),
                    control::limits_text(q),
                ];
                row.extend(states.iter().map(|st| {
                    q.counts
                        .iter()
                        .find(|c| c.state == *st)
                        .map_or(0, |c| c.count)
                        .to_string()
                }));
                row
            })
            .collect::<Vec<_>>(),
    )
}

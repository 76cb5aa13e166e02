//! `longjobs periodic`: recurring jobs (the daily retry, …) — list, run now, pause, resume.

use clap::Subcommand;
use longjobs_openapi as wire;

use crate::client::Client;
use crate::output::Output;
use crate::table::render;

#[derive(Subcommand, Debug)]
pub enum PeriodicCmd {
    /// Periodic jobs with their schedule, last and next run.
    List,
    /// Run one now (e.g. `zenodo.retry_errors`, the daily retry); its schedule stays.
    Run { name: String },
    /// Stop the scheduler running one.
    Pause { name: String },
    /// Let the scheduler run one again, from its next time.
    Resume { name: String },
}

pub async fn run(api: &Client, out: &Output, cmd: PeriodicCmd) -> anyhow::Result<()> {
    let empty = serde_json::Map::new();
    match cmd {
        PeriodicCmd::List => {
            let ps: Vec<wire::PeriodicJob> = api.get("/api/periodic", &[]).await?;
            out.show(&ps, || periodic_table(&ps))
        }
        PeriodicCmd::Run { name } => {
            let r: wire::PeriodicRun = api
                .post(&format!("/api/periodic/{name}/run"), &empty)
                .await?;
            out.show(&r, || {
                format!(
                    "{} enqueued as job #{}; next scheduled run {}\n",
                    r.periodic.name,
                    r.job_id,
                    r.periodic.next_run_at.format("%Y-%m-%d %H:%M UTC")
                )
            })
        }
        PeriodicCmd::Pause { name } => {
            let p: wire::PeriodicJob = api
                .post(&format!("/api/periodic/{name}/pause"), &empty)
                .await?;
            out.show(&p, || format!("periodic job {} paused\n", p.name))
        }
        PeriodicCmd::Resume { name } => {
            let p: wire::PeriodicJob = api
                .post(&format!("/api/periodic/{name}/resume"), &empty)
                .await?;
            out.show(&p, || {
                format!(
                    "periodic job {} resumed; next run {}\n",
                    p.name,
                    p.next_run_at.format("%Y-%m-%d %H:%M UTC")
                )
            })
        }
    }
}

fn periodic_table(ps: &[wire::PeriodicJob]) -> String {
    let when = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or_else(
            || "-".to_string(),
            |t| t.format("%Y-%m-%d %H:%M").to_string(),
        )
    };
    render(
        &[
            "NAME", "SCHEDULE", "PAUSED", "LAST RUN", "LAST JOB", "NEXT RUN",
        ],
        &ps.iter()
            .map(|p| {
                vec![
                    p.name.clone(),
                    p.schedule_text.clone(),
                    if p.paused { "yes" } else { "no" }.to_string(),
                    when(p.last_run_at),
                    p.last_job_id.map_or_else(
                        || "-".to_string(),
                        |j| format!("#{j} {}", p.last_job_state.map_or("pruned", |s| s.as_str())),
                    ),
                    when(Some(p.next_run_at)),
                ]
            })
            .collect::<Vec<_>>(),
    )
}

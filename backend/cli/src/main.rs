//! `longjobs`: the command line for operators and scripts, over the REST API.
//!
//! Tables for people, `--json` for scripts. The server URL comes from `--server` or
//! `LONGJOBS_SERVER`; the token from `--token`, `LONGJOBS_TOKEN`, or the file `login` saves.

mod client;
mod table;

use std::io::Read;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use client::Client;
use longjobs_openapi as wire;
use serde_json::{Value, json};
use table::{cut, render};

#[derive(Parser, Debug)]
#[command(
    name = "longjobs",
    version,
    about = "Operate longjobs from the command line"
)]
struct Cli {
    /// The longjobs server.
    #[arg(
        long,
        env = "LONGJOBS_SERVER",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    server: String,
    /// A login or API token (default: the one `longjobs login` saved).
    #[arg(long, env = "LONGJOBS_TOKEN", hide_env_values = true, global = true)]
    token: Option<String>,
    /// Print the API's JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Sign in and save the token for later commands.
    Login {
        #[arg(long)]
        username: String,
        /// The password (visible to other users of this machine in the process list:
        /// prefer the prompt, or --password-stdin in scripts).
        #[arg(long, env = "LONGJOBS_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// Read the password from standard input (for scripts); without this and
        /// --password, the password is asked for at the terminal without echo.
        #[arg(long, conflicts_with = "password")]
        password_stdin: bool,
    },
    /// Sign out: ends every login token of the user on the server and forgets the saved one.
    Logout,
    /// Jobs: list, show, enqueue, retry, cancel, discard.
    #[command(subcommand)]
    Jobs(JobsCmd),
    /// Queues: list, pause, resume.
    #[command(subcommand)]
    Queues(QueuesCmd),
    /// Periodic jobs (the daily retry, …): list, run now, pause, resume.
    #[command(subcommand)]
    Periodic(PeriodicCmd),
    /// The worker registry.
    Workers,
    /// Job counts per queue and state.
    Stats,
    /// Maintenance status: the old script's four counts, what still runs, drained or not.
    Status,
    /// Drain before maintenance: defer Zenodo replication and hold Merritt submissions.
    Drain {
        /// Wait until drained, showing what still runs.
        #[arg(long)]
        wait: bool,
        /// Only defer Zenodo replication.
        #[arg(long, conflicts_with = "merritt_only")]
        zenodo_only: bool,
        /// Only hold Merritt submissions.
        #[arg(long)]
        merritt_only: bool,
        /// Give up waiting after this many seconds (exit code 2).
        #[arg(long, default_value_t = 3600)]
        timeout: u64,
    },
    /// After maintenance: clear the switches and requeue deferred and held work in order.
    Restart,
    /// Move the history of the system longjobs replaces into longjobs' database.
    #[command(subcommand)]
    Import(ImportCmd),
}

#[derive(Subcommand, Debug)]
enum ImportCmd {
    /// From the Dryad application's MySQL/MariaDB database: its Zenodo copies, Merritt repo
    /// queue states and the delayed_job rows still pending for them. Writes straight to
    /// longjobs' database (not over the API); run it while the old system is stopped.
    Dryad {
        /// The Dryad application's database: mysql://user:pass@host:port/db.
        #[arg(long)]
        from: String,
        /// longjobs' database, as the server uses it.
        #[arg(
            long,
            env = "LONGJOBS_DATABASE_URL",
            default_value = "sqlite://data/longjobs.db",
            hide_env_values = true
        )]
        database_url: String,
        /// Print what would be imported and what cannot be (with reasons); write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand, Debug)]
enum JobsCmd {
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

#[derive(Subcommand, Debug)]
enum QueuesCmd {
    /// Queues with their counts per state.
    List,
    /// Stop workers claiming from a queue.
    Pause { name: String },
    /// Let workers claim from a queue again.
    Resume { name: String },
}

#[derive(Subcommand, Debug)]
enum PeriodicCmd {
    /// Periodic jobs with their schedule, last and next run.
    List,
    /// Run one now (e.g. `zenodo.retry_errors`, the daily retry); its schedule stays.
    Run { name: String },
    /// Stop the scheduler running one.
    Pause { name: String },
    /// Let the scheduler run one again, from its next time.
    Resume { name: String },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("longjobs: {e:#}");
            if e.downcast_ref::<NotDrained>().is_some() {
                // As `drain --help` says: a timeout is exit code 2, other failures 1.
                std::process::ExitCode::from(2)
            } else {
                std::process::ExitCode::FAILURE
            }
        }
    }
}

/// `drain --wait` gave up: not drained within `--timeout` (exit code 2).
#[derive(Debug)]
struct NotDrained {
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

/// The password piped in by a script: everything on standard input but the final newline.
fn read_password_from_stdin() -> anyhow::Result<String> {
    let mut p = String::new();
    std::io::stdin()
        .read_to_string(&mut p)
        .context("reading the password from standard input")?;
    let p = p.trim_end_matches(['\n', '\r']).to_string();
    anyhow::ensure!(!p.is_empty(), "--password-stdin: standard input was empty");
    Ok(p)
}

/// Asks for the password at the terminal without echoing it. Refuses when there is no
/// terminal rather than wait for input nobody will type.
fn prompt_password(username: &str, server: &str) -> anyhow::Result<String> {
    use std::io::IsTerminal;
    anyhow::ensure!(
        std::io::stdin().is_terminal(),
        "no terminal to ask for the password: pipe it in with --password-stdin \
         (e.g. `printf %s \"$PASSWORD\" | longjobs login --username {username} --password-stdin`)"
    );
    rpassword::prompt_password(format!("Password for {username} at {server}: "))
        .context("reading the password from the terminal")
}

fn token_file() -> PathBuf {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("longjobs").join("token")
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let token = cli.token.clone().or_else(|| {
        std::fs::read_to_string(token_file())
            .ok()
            .map(|t| t.trim().to_string())
    });
    let api = Client::new(&cli.server, token)?;
    let out = Output { json: cli.json };
    match cli.command {
        Command::Login {
            username,
            password,
            password_stdin,
        } => {
            let password = match password {
                Some(p) => p,
                None if password_stdin => read_password_from_stdin()?,
                None => prompt_password(&username, &cli.server)?,
            };
            let resp: wire::LoginResponse = api
                .post(
                    "/api/auth/login",
                    &json!({ "username": username, "password": password }),
                )
                .await?;
            let path = token_file();
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            write_private(&path, &resp.token)?;
            out.show(&resp, || {
                format!(
                    "signed in as {} ({:?}) until {}; token saved in {}\n",
                    resp.username,
                    resp.role,
                    resp.expires_at.format("%Y-%m-%d %H:%M UTC"),
                    path.display()
                )
                .to_lowercase()
            })
        }
        Command::Logout => {
            let path = token_file();
            let ended = api.post::<(), _>("/api/auth/logout", &json!({})).await;
            // The saved token goes either way: a token the server refused is no use.
            let _ = std::fs::remove_file(&path);
            ended?;
            out.show(&json!({ "signed_out": true }), || {
                format!(
                    "signed out: every login token of this user ended; {} removed\n",
                    path.display()
                )
            })
        }
        Command::Jobs(cmd) => jobs(&api, &out, cmd).await,
        Command::Queues(QueuesCmd::List) => {
            let qs: Vec<wire::QueueInfo> = api.get("/api/queues", &[]).await?;
            out.show(&qs, || queues_table(&qs))
        }
        Command::Queues(QueuesCmd::Pause { name }) => {
            let q: wire::QueueInfo = api
                .post(&format!("/api/queues/{name}/pause"), &json!({}))
                .await?;
            out.show(&q, || format!("queue {} paused\n", q.name))
        }
        Command::Queues(QueuesCmd::Resume { name }) => {
            let q: wire::QueueInfo = api
                .post(&format!("/api/queues/{name}/resume"), &json!({}))
                .await?;
            out.show(&q, || format!("queue {} resumed\n", q.name))
        }
        Command::Periodic(PeriodicCmd::List) => {
            let ps: Vec<wire::PeriodicJob> = api.get("/api/periodic", &[]).await?;
            out.show(&ps, || periodic_table(&ps))
        }
        Command::Periodic(PeriodicCmd::Run { name }) => {
            let r: wire::PeriodicRun = api
                .post(&format!("/api/periodic/{name}/run"), &json!({}))
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
        Command::Periodic(PeriodicCmd::Pause { name }) => {
            let p: wire::PeriodicJob = api
                .post(&format!("/api/periodic/{name}/pause"), &json!({}))
                .await?;
            out.show(&p, || format!("periodic job {} paused\n", p.name))
        }
        Command::Periodic(PeriodicCmd::Resume { name }) => {
            let p: wire::PeriodicJob = api
                .post(&format!("/api/periodic/{name}/resume"), &json!({}))
                .await?;
            out.show(&p, || {
                format!(
                    "periodic job {} resumed; next run {}\n",
                    p.name,
                    p.next_run_at.format("%Y-%m-%d %H:%M UTC")
                )
            })
        }
        Command::Workers => {
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
                            vec![
                                w.id.clone(),
                                w.host.clone(),
                                w.pid.to_string(),
                                w.started_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                                w.last_heartbeat_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                                w.running_jobs.to_string(),
                                if w.alive {
                                    "alive"
                                } else if w.stopped_at.is_some() {
                                    "stopped"
                                } else {
                                    "stale"
                                }
                                .to_string(),
                            ]
                        })
                        .collect::<Vec<_>>(),
                )
            })
        }
        Command::Status => {
            let st: wire::MaintenanceStatus = api.get("/api/maintenance", &[]).await?;
            out.show(&st, || status_text(&st))
        }
        Command::Drain {
            wait,
            zenodo_only,
            merritt_only,
            timeout,
        } => {
            let body = json!({ "zenodo": !merritt_only, "merritt": !zenodo_only });
            let mut st: wire::MaintenanceStatus = api.post("/api/maintenance/drain", &body).await?;
            if !out.json {
                println!("draining: {}", switches(&st));
            }
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(timeout);
            while wait && !st.drained {
                if !out.json {
                    eprint!("\r{}", progress(&st));
                }
                if std::time::Instant::now() > deadline {
                    eprintln!();
                    return Err(NotDrained {
                        timeout,
                        running: st.running.len(),
                    }
                    .into());
                }
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                st = api.get("/api/maintenance", &[]).await?;
            }
            if wait && !out.json {
                eprintln!("\r{:<70}", "");
            }
            out.show(&st, || status_text(&st))
        }
        Command::Restart => {
            let r: wire::RestartResult = api.post("/api/maintenance/restart", &json!({})).await?;
            out.show(&r, || {
                let mut text = format!(
                    "restarted: switches cleared: {}; {} Zenodo copies and {} Merritt submissions back in the queue\n",
                    if r.switches_cleared.is_empty() { "none".to_string() } else { r.switches_cleared.join(", ") },
                    r.copies_requeued.len(),
                    r.submissions_requeued.len()
                );
                for note in &r.notes {
                    text.push_str(&format!("note: {note}\n"));
                }
                text
            })
        }
        Command::Import(ImportCmd::Dryad {
            from,
            database_url,
            dry_run,
        }) => {
            let report =
                tokio::task::spawn_blocking(move || import_dryad(&from, &database_url, dry_run))
                    .await??;
            out.show(&report, || report.text())
        }
        Command::Stats => {
            let s: wire::Stats = api.get("/api/stats", &[]).await?;
            out.show(&s, || {
                let mut text = queues_table(&s.queues);
                text.push_str(&format!("workers alive: {}\n", s.workers_alive));
                text
            })
        }
    }
}

/// Opens both databases and runs the import (blocking: Diesel).
fn import_dryad(
    from: &str,
    database_url: &str,
    dry_run: bool,
) -> anyhow::Result<longjobs_replication::import::Report> {
    use diesel::Connection;
    use longjobs_core::db::{DbConn, DbUrl, is_up_to_date, redact};
    let raw = match from.parse::<DbUrl>()? {
        DbUrl::Mysql(raw) => raw,
        other => anyhow::bail!(
            "--from must name the Dryad application's MySQL/MariaDB database \
             (mysql://user:pass@host:port/db), not {other}"
        ),
    };
    let mut source = diesel::MysqlConnection::establish(&raw)
        .with_context(|| format!("cannot connect to the source database {}", redact(&raw)))?;
    let target_url: DbUrl = database_url.parse()?;
    let mut target = DbConn::establish(&target_url)?;
    anyhow::ensure!(
        is_up_to_date(&mut target)?,
        "longjobs' database {target_url} is not migrated: run `longjobs-server migrate` first"
    );
    let host = gethostname::gethostname().to_string_lossy().into_owned();
    Ok(longjobs_replication::import::import_dryad(
        &mut source,
        &mut target,
        dry_run,
        &host,
    )?)
}

async fn jobs(api: &Client, out: &Output, cmd: JobsCmd) -> anyhow::Result<()> {
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
            out.show(&page, || {
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
                                j.run_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                                cut(j.last_error.as_deref().unwrap_or(""), 60),
                            ]
                        })
                        .collect::<Vec<_>>(),
                );
                if let Some(c) = &page.next_cursor {
                    text.push_str(&format!("more: --cursor {c}\n"));
                }
                text
            })
        }
        JobsCmd::Show { id } => {
            let d: wire::JobDetail = api.get(&format!("/api/jobs/{id}"), &[]).await?;
            out.show(&d, || {
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
                            h.at.format("%Y-%m-%d %H:%M:%S"),
                            h.attempt,
                            h.kind,
                            h.message
                        ));
                    }
                }
                s
            })
        }
        JobsCmd::Enqueue {
            queue,
            kind,
            payload,
            unique_key,
            ordering_key,
        } => {
            let payload: Value = serde_json::from_str(&payload).context("--payload is not JSON")?;
            let res: wire::EnqueueResult = api
                .post(
                    "/api/jobs",
                    &json!({ "jobs": [{ "queue": queue, "kind": kind, "payload": payload, "unique_key": unique_key, "ordering_key": ordering_key }] }),
                )
                .await?;
            out.show(&res, || {
                res.jobs
                    .iter()
                    .map(|e| {
                        format!(
                            "job {} {}\n",
                            e.job.id,
                            if e.inserted {
                                "enqueued"
                            } else {
                                "already exists"
                            }
                        )
                    })
                    .collect()
            })
        }
        JobsCmd::Retry { ids } => act(api, out, "retry", ids).await,
        JobsCmd::Cancel { ids } => act(api, out, "cancel", ids).await,
        JobsCmd::Discard { ids } => act(api, out, "discard", ids).await,
    }
}

async fn act(api: &Client, out: &Output, action: &str, ids: Vec<i64>) -> anyhow::Result<()> {
    anyhow::ensure!(!ids.is_empty(), "give at least one job id");
    let res: wire::BulkActionResult = api
        .post(
            "/api/jobs/actions",
            &json!({ "action": action, "ids": ids }),
        )
        .await?;
    out.show(&res, || {
        let mut s: String = res
            .outcomes
            .iter()
            .map(|o| match (&o.state, &o.reason) {
                (Some(st), _) => format!("job {}: {}\n", o.id, st.as_str()),
                (None, Some(r)) => format!("job {}: refused: {r}\n", o.id),
                (None, None) => format!("job {}: {}\n", o.id, o.outcome.replace('_', " ")),
            })
            .collect();
        s.push_str(&format!(
            "{action}: {} changed, {} refused\n",
            res.changed, res.refused
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

fn status_text(st: &wire::MaintenanceStatus) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "submissions enqueued:             {}\n",
        st.submissions_enqueued
    ));
    s.push_str(&format!(
        "submissions processing (7 days):  {}\n",
        st.submissions_processing_7d
    ));
    s.push_str(&format!(
        "zenodo enqueued:                  {}\n",
        st.zenodo_enqueued
    ));
    s.push_str(&format!(
        "zenodo replicating (7 days):      {}\n",
        st.zenodo_replicating_7d
    ));
    s.push_str(&format!(
        "maintenance:                      {}\n",
        switches(st)
    ));
    s.push_str(&format!(
        "deferred copies / held submissions: {} / {}\n",
        st.deferred_copies, st.held_submissions
    ));
    if !st.paused_queues.is_empty() {
        s.push_str(&format!(
            "paused queues:                    {}\n",
            st.paused_queues.join(", ")
        ));
    }
    let drained = match (st.drained, st.drain_started_at, st.drain_age_secs) {
        (true, _, Some(age)) => format!("yes (drain began {age} s ago)"),
        (false, Some(_), Some(age)) => format!(
            "no: {} job(s) still running (drain began {age} s ago)",
            st.running.len()
        ),
        _ => "no drain in progress".to_string(),
    };
    s.push_str(&format!("drained:                          {drained}\n"));
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

fn queues_table(qs: &[wire::QueueInfo]) -> String {
    let states = wire::JobState::ALL;
    let mut header = vec!["QUEUE", "PAUSED"];
    header.extend(states.iter().map(|s| s.as_str()));
    render(
        &header,
        &qs.iter()
            .map(|q| {
                let mut row = vec![
                    q.name.clone(),
                    if q.paused { "yes" } else { "no" }.to_string(),
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

struct Output {
    json: bool,
}

impl Output {
    fn show<T: serde::Serialize>(
        &self,
        value: &T,
        text: impl FnOnce() -> String,
    ) -> anyhow::Result<()> {
        use std::io::Write;
        let out = if self.json {
            format!("{}\n", serde_json::to_string_pretty(value)?)
        } else {
            text()
        };
        // A reader that stops early (`| head`) is not an error of ours.
        match std::io::stdout().lock().write_all(out.as_bytes()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => Ok(other?),
        }
    }
}

/// Writes the token readable by its owner only.
fn write_private(path: &std::path::Path, content: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("saving the token in {}", path.display()))?;
    f.write_all(content.as_bytes())?;
    Ok(())
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

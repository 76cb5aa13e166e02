//! `longjobs-worker`: runs jobs from the queue until told to stop (SIGTERM / SIGINT).

use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use longjobs_core::Db;
use longjobs_core::clock::parse_duration;
use longjobs_core::logging::LogFormat;
use longjobs_core::queue::Retention;
use longjobs_worker::Shutdown;
use longjobs_worker::config::{self, WorkerConfig};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

/// Runs longjobs jobs: claims them from the database and executes them.
#[derive(Parser, Debug)]
#[command(name = "longjobs-worker", version)]
struct Cli {
    /// Database URL, the backend chosen by its scheme: postgres://user@host/db,
    /// mysql://user@host/db (MariaDB 10.6+ / MySQL 8) or sqlite://path/to/file.db.
    #[arg(
        long,
        env = "LONGJOBS_DATABASE_URL",
        default_value = "sqlite://data/longjobs.db",
        global = true
    )]
    database_url: String,
    /// Log format: text, or json (one object per line; job id, kind and queue on every
    /// line logged while a job runs).
    #[arg(
        long,
        env = "LONGJOBS_LOG_FORMAT",
        default_value = "text",
        global = true
    )]
    log_format: LogFormat,
    /// Log as JSON lines (the same as --log-format json).
    #[arg(long, env = "LONGJOBS_LOG_JSON", global = true)]
    log_json: bool,
    /// The name this process goes by in worker lists, histories and alerts (default: the
    /// machine's host name).
    #[arg(long, env = "LONGJOBS_HOST_NAME", global = true, value_parser = longjobs_core::host::parse)]
    host_name: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run jobs (the default).
    Run(Box<RunArgs>),
    /// Apply pending database migrations and exit.
    Migrate,
}

#[derive(clap::Args, Debug, Clone)]
struct RunArgs {
    /// A queue to work and how many of its jobs run at once, as name=N; repeat for more.
    #[arg(long = "queue", env = "LONGJOBS_QUEUES", value_delimiter = ',', value_parser = config::parse_queue, default_value = "default=10")]
    queues: Vec<(String, usize)>,
    /// Most jobs claimed per query.
    #[arg(long, env = "LONGJOBS_BATCH", default_value_t = config::DEFAULT_BATCH)]
    batch: usize,
    /// Jobs claimed per queue beyond its free slots, started as slots free up (fewer claims
    /// for short jobs; leave 0 for long jobs so that idle workers can take them).
    #[arg(long, env = "LONGJOBS_PREFETCH", default_value_t = config::DEFAULT_PREFETCH)]
    prefetch: usize,
    /// Also claim ahead the jobs a queue's slots free up during two claim round trips, as
    /// measured (many for jobs of milliseconds, none for jobs of seconds or more).
    #[arg(long, env = "LONGJOBS_ADAPTIVE_PREFETCH", default_value_t = config::DEFAULT_ADAPTIVE_PREFETCH, action = clap::ArgAction::Set)]
    adaptive_prefetch: bool,
    /// Poll for new jobs this often when no wake-up arrives (PostgreSQL NOTIFY, the SQLite
    /// file watcher; MariaDB workers rely on this poll).
    #[arg(long, env = "LONGJOBS_POLL_INTERVAL", value_parser = parse_duration, default_value = "1s")]
    poll_interval: Duration,
    /// Lease length of a claimed job; renewed by every heartbeat.
    #[arg(long, env = "LONGJOBS_LEASE", value_parser = parse_duration, default_value = "15s")]
    lease: Duration,
    /// How often to heartbeat and renew leases.
    #[arg(long, env = "LONGJOBS_HEARTBEAT", value_parser = parse_duration, default_value = "5s")]
    heartbeat: Duration,
    /// How often to look for jobs of dead workers.
    #[arg(long, env = "LONGJOBS_RESCUE_INTERVAL", value_parser = parse_duration, default_value = "5s")]
    rescue_interval: Duration,
    /// How long running jobs may finish after SIGTERM before being handed back.
    #[arg(long, env = "LONGJOBS_GRACE", value_parser = parse_duration, default_value = "30s")]
    grace: Duration,
    /// How long completed jobs are kept.
    #[arg(long, env = "LONGJOBS_COMPLETED_RETENTION", value_parser = parse_duration, default_value = "1d")]
    completed_retention: Duration,
    #[command(flatten)]
    replication: longjobs_worker::setup::ReplicationSettings,
    #[command(flatten)]
    notify: longjobs_notify::NotifySettings,
    /// Serve Prometheus metrics (/metrics) and /healthz on this address, e.g.
    /// 127.0.0.1:9187; off when unset. No authentication: bind it where only the scraper
    /// reaches.
    #[arg(long, env = "LONGJOBS_WORKER_METRICS_LISTEN")]
    metrics_listen: Option<String>,
    /// How long discarded and cancelled jobs are kept.
    #[arg(long, env = "LONGJOBS_FAILED_RETENTION", value_parser = parse_duration, default_value = "7d")]
    failed_retention: Duration,
    /// How long the per-minute and per-hour history of finished jobs is kept.
    #[arg(long, env = "LONGJOBS_HISTORY_RETENTION", value_parser = parse_duration, default_value = "90d")]
    history_retention: Duration,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("longjobs-worker: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    longjobs_core::host::set(cli.host_name.clone());
    longjobs_core::logging::init(if cli.log_json {
        LogFormat::Json
    } else {
        cli.log_format
    });
    let db = Db::connect(&cli.database_url)
        .await
        .context("opening the database")?;
    let applied = db.migrate().await.context("migrating the database")?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "applied database migrations");
    }
    let args = match cli.command {
        Some(Command::Migrate) => {
            println!(
                "database {} is up to date ({} migrations applied now)",
                db.url(),
                applied.len()
            );
            return Ok(());
        }
        Some(Command::Run(args)) => *args,
        None => cli.run,
    };
    let mut cfg = WorkerConfig::new(args.queues);
    cfg.batch = args.batch.max(1);
    cfg.prefetch = args.prefetch;
    cfg.adaptive_prefetch = args.adaptive_prefetch;
    cfg.poll_interval = args.poll_interval;
    cfg.lease = args.lease;
    cfg.heartbeat = args.heartbeat;
    cfg.rescue_interval = args.rescue_interval;
    cfg.grace = args.grace;
    cfg.retention = Retention {
        completed: args.completed_retention,
        failed: args.failed_retention,
        history: args.history_retention,
        ..Retention::default()
    };
    anyhow::ensure!(
        cfg.heartbeat < cfg.lease,
        "the heartbeat ({:?}) must be shorter than the lease ({:?}) or leases expire while jobs run",
        cfg.heartbeat,
        cfg.lease
    );

    let notify = longjobs_notify::NotifyConfig::from_settings(&args.notify)
        .context("notification settings")?;

    let (stop_tx, stop_rx) = watch::channel(Shutdown::Running);
    tokio::spawn(async move {
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            tracing::error!("cannot install signal handlers");
            return;
        };
        for level in [Shutdown::Graceful, Shutdown::Now] {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            tracing::info!(?level, "stop signal received");
            let _ = stop_tx.send(level);
        }
    });
    let worker = longjobs_worker::setup::full_worker(db, cfg, &args.replication, &notify)?;
    if let Some(addr) = args.metrics_listen.as_deref().filter(|a| !a.is_empty()) {
        let (bound, _server) = longjobs_worker::metrics::serve(addr, worker.metrics())
            .await
            .with_context(|| format!("serving metrics on {addr}"))?;
        tracing::info!(%bound, "serving Prometheus metrics at /metrics");
    }
    let summary = worker.run(stop_rx).await?;
    tracing::info!(
        completed = summary.completed,
        failed = summary.failed,
        handed_back = summary.handed_back,
        released = summary.released,
        "bye"
    );
    Ok(())
}

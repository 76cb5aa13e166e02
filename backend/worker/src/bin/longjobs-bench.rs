//! `longjobs-bench`: the queue engine measured on one database, one line per run.
//!
//! - `--mode burn` (default): enqueues N `noop` jobs in bulk, then runs an in-process
//!   worker (the same engine as `longjobs-worker`) until all are completed:
//!   `longjobs backend=… jobs=N concurrency=C enqueue_s=… drain_s=… jobs_per_s=… polls=…`
//!   (`polls`: the bench's own completion checks, one transaction each, for the harness to
//!   subtract when it counts the worker's commits). The drain ends when the database holds
//!   no unfinished job: checked every 10 ms, and at once when the worker has written as many
//!   outcomes as there are jobs.
//! - `--sleep-ms MS`: the jobs wait MS each instead (an I/O-bound workload), on `--timer
//!   exact` (default: a thread that wakes each at its deadline, as a reply would) or
//!   `tokio`; the line adds `job_ms=`, the mean time a job's wait took.
//! - `--mode enqueue`: library enqueue throughput, N jobs in bulk batches of `--batch`:
//!   `longjobs backend=… mode=enqueue jobs=N batch=B jobs_per_s=…`.
//! - `--mode drain`: the burn's worker on the jobs already in the table (left by `--mode
//!   enqueue`), so that a profiler attached to the run sees the draining alone; the burn's
//!   line, with `enqueue_s=0`.
//! - `--mode latency`: an idle worker with the default poll interval; N jobs enqueued one at
//!   a time, each timed from its enqueue transaction's commit to its handler starting:
//!   `longjobs backend=… mode=latency jobs=N p50_ms=… p99_ms=… max_ms=…`.
//!
//! `--trace FILE` writes the worker's debug events (each job's start and end, each claim
//! and each completion write, with their sizes and times) and the bench's own (drain
//! started, end noticed) to FILE as JSON lines, timed from the start; `bench/io_trace.py`
//! reads them into where a drain's time went.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use diesel::prelude::*;
use futures_util::future::BoxFuture;
use longjobs_core::job::JobState;
use longjobs_core::queue::{self, EnqueueRequest};
use longjobs_core::schema::jobs;
use longjobs_core::{Db, DbConn, with_conn};
use longjobs_worker::registry::{JobContext, JobError};
use longjobs_worker::{Shutdown, Worker, WorkerConfig, kinds};
use tokio::sync::{mpsc, oneshot, watch};

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Burn,
    Enqueue,
    Drain,
    Latency,
}

/// What a burn-down's `sleep` jobs wait on.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Timer {
    /// A thread that wakes each job at its deadline, as a reply arriving over the network
    /// would (see [`Alarm`]).
    Exact,
    /// `tokio::time::sleep`, as the built-in `sleep` kind: rounds each wait up to tokio's
    /// next millisecond tick.
    Tokio,
}

#[derive(Parser, Debug)]
#[command(name = "longjobs-bench")]
struct Args {
    /// Database to measure on; its jobs table is emptied first.
    #[arg(long, env = "LONGJOBS_DATABASE_URL")]
    database_url: String,
    /// Jobs per run.
    #[arg(long, default_value_t = 20_000)]
    jobs: usize,
    /// Jobs run at once.
    #[arg(long, default_value_t = 100)]
    concurrency: usize,
    /// Jobs claimed per query.
    #[arg(long, default_value_t = 500)]
    batch: usize,
    /// Jobs claimed beyond the free slots (the worker's `--prefetch`).
    #[arg(long, default_value_t = 0)]
    prefetch: usize,
    /// Also claim ahead what the slots free up during two claims (the worker's
    /// `--adaptive-prefetch`).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    adaptive_prefetch: bool,
    /// Burn-down jobs sleep this long each (an I/O-bound workload); 0: no-op jobs.
    #[arg(long, default_value_t = 0)]
    sleep_ms: u64,
    /// What the `--sleep-ms` jobs wait on.
    #[arg(long, value_enum, default_value_t = Timer::Exact)]
    timer: Timer,
    /// Runs; each prints a line.
    #[arg(long, default_value_t = 1)]
    runs: usize,
    /// What to measure.
    #[arg(long, value_enum, default_value_t = Mode::Burn)]
    mode: Mode,
    /// Write the worker's debug events to this file as JSON lines (see `bench/io_trace.py`).
    #[arg(long)]
    trace: Option<std::path::PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let Some(path) = &args.trace {
        let file = std::fs::File::create(path)
            .with_context(|| format!("creating the trace file {}", path.display()))?;
        tracing_subscriber::fmt()
            .json()
            .with_timer(tracing_subscriber::fmt::time::uptime())
            .with_env_filter("longjobs_worker=debug,longjobs_bench=debug")
            .with_writer(Mutex::new(file))
            .init();
    }
    let db = Db::connect(&args.database_url)
        .await
        .context("opening the database")?;
    db.migrate().await?;
    for _ in 0..args.runs {
        match args.mode {
            Mode::Burn => run_once(&db, &args).await?,
            Mode::Enqueue => enqueue_once(&db, &args).await?,
            Mode::Drain => {
                let jobs = db.run(unfinished).await? as usize;
                drain(&db, &args, jobs, 0.0).await?;
            }
            Mode::Latency => latency_once(&db, &args).await?,
        }
    }
    Ok(())
}

/// Starts each run from an empty table: TRUNCATE on PostgreSQL and MySQL (a DELETE would
/// leave the dead rows of earlier runs for this one to wade through), DELETE on SQLite.
async fn empty_jobs_table(db: &Db) -> anyhow::Result<()> {
    db.run(|c| {
        match c {
            DbConn::Postgres(c) => {
                diesel::sql_query("TRUNCATE jobs").execute(c)?;
            }
            DbConn::Mysql(c) => {
                diesel::sql_query("TRUNCATE TABLE jobs").execute(c)?;
            }
            DbConn::Sqlite(c) => {
                diesel::delete(jobs::table).execute(c)?;
            }
        }
        Ok(())
    })
    .await?;
    Ok(())
}

async fn enqueue_once(db: &Db, args: &Args) -> anyhow::Result<()> {
    empty_jobs_table(db).await?;
    let reqs: Vec<EnqueueRequest> = (0..args.jobs)
        .map(|_| EnqueueRequest::new("bench", "noop"))
        .collect();
    let started = Instant::now();
    for chunk in reqs.chunks(args.batch.max(1)) {
        let chunk = chunk.to_vec();
        db.run(move |c| queue::enqueue_many(c, &chunk)).await?;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "longjobs backend={} mode=enqueue jobs={} batch={} jobs_per_s={:.0}",
        db.backend(),
        args.jobs,
        args.batch,
        args.jobs as f64 / secs
    );
    Ok(())
}

async fn latency_once(db: &Db, args: &Args) -> anyhow::Result<()> {
    empty_jobs_table(db).await?;
    // The probe kind reports the instant its handler starts, with the job's sequence number.
    let (tx, mut rx) = mpsc::unbounded_channel::<(usize, Instant)>();
    let tx = Arc::new(tx);
    let registry = kinds::builtin().register("probe", move |ctx: JobContext| {
        let tx = tx.clone();
        async move {
            let started = Instant::now();
            let seq: usize = ctx.payload()?;
            tx.send((seq, started))
                .map_err(|_| JobError::Discard("bench stopped".into()))?;
            Ok(())
        }
    });
    // A worker as deployed: default batch and poll interval (PostgreSQL wakes it by NOTIFY).
    let cfg = WorkerConfig::new(vec![("latency".to_string(), args.concurrency)]);
    let (stop, stop_rx) = watch::channel(Shutdown::Running);
    let worker = tokio::spawn(Worker::new(db.clone(), cfg, registry).run(stop_rx));
    // Let the worker register, LISTEN and go idle before the first job.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut samples = Vec::with_capacity(args.jobs);
    for seq in 0..args.jobs {
        let mut req = EnqueueRequest::new("latency", "probe");
        req.payload = serde_json::json!(seq);
        db.run(move |c| queue::enqueue(c, &req)).await?;
        let committed = Instant::now();
        let (got, started) = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .context("a probe job did not start within 30 s")?
            .context("the worker stopped")?;
        anyhow::ensure!(got == seq, "probe {got} started while waiting for {seq}");
        samples.push(started.saturating_duration_since(committed));
    }
    stop.send(Shutdown::Graceful)?;
    worker.await??;
    samples.sort_unstable();
    let pct = |p: f64| {
        let i = ((samples.len() as f64 * p).ceil() as usize).clamp(1, samples.len()) - 1;
        samples[i].as_secs_f64() * 1_000.0
    };
    println!(
        "longjobs backend={} mode=latency jobs={} p50_ms={:.2} p99_ms={:.2} max_ms={:.2}",
        db.backend(),
        samples.len(),
        pct(0.50),
        pct(0.99),
        pct(1.0)
    );
    Ok(())
}

async fn run_once(db: &Db, args: &Args) -> anyhow::Result<()> {
    empty_jobs_table(db).await?;
    let n = args.jobs;
    let started = Instant::now();
    let reqs: Vec<EnqueueRequest> = (0..n)
        .map(|_| {
            if args.sleep_ms == 0 {
                EnqueueRequest::new("bench", "noop")
            } else {
                let mut r = EnqueueRequest::new("bench", "sleep");
                r.payload = serde_json::json!({ "ms": args.sleep_ms });
                r
            }
        })
        .collect();
    for chunk in reqs.chunks(10_000) {
        let chunk = chunk.to_vec();
        db.run(move |c| queue::enqueue_many(c, &chunk)).await?;
    }
    let enqueue_s = started.elapsed().as_secs_f64();
    drain(db, args, n, enqueue_s).await
}

/// Runs the burn's worker until none of the `n` jobs in the table is left unfinished, and
/// prints the burn's line.
async fn drain(db: &Db, args: &Args, n: usize, enqueue_s: f64) -> anyhow::Result<()> {
    let mut cfg = WorkerConfig::new(vec![("bench".to_string(), args.concurrency)]);
    cfg.batch = args.batch;
    cfg.prefetch = args.prefetch;
    cfg.adaptive_prefetch = args.adaptive_prefetch;
    cfg.poll_interval = Duration::from_millis(100);
    let waits = Arc::new(Waits::default());
    let registry = kinds::builtin().register("sleep", sleep_handler(args.timer, waits.clone()));
    let (stop, stop_rx) = watch::channel(Shutdown::Running);
    let drain_start = Instant::now();
    tracing::debug!("drain started");
    let worker = Worker::new(db.clone(), cfg, registry);
    let mut written = worker.outcomes_written();
    let worker = tokio::spawn(worker.run(stop_rx));
    let mut polls = 0_usize;
    loop {
        polls += 1;
        if !db.run(any_unfinished).await? {
            break;
        }
        // Look again in 10 ms, or at once when the worker has written an outcome for every
        // job (failures retried make it write more than one for some).
        let all_written = written.wait_for(|w| *w >= n as u64);
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(10)) => {}
            Ok(_) = all_written => {}
        }
    }
    let drain_s = drain_start.elapsed().as_secs_f64();
    tracing::debug!(polls, "drain noticed");
    stop.send(Shutdown::Graceful)?;
    worker.await??;
    let timer = if args.sleep_ms == 0 {
        String::new()
    } else {
        format!(
            " timer={:?} job_ms={:.3}",
            args.timer,
            waits.mean().as_secs_f64() * 1_000.0
        )
        .to_lowercase()
    };
    println!(
        "longjobs backend={} jobs={n} sleep_ms={} concurrency={} batch={} prefetch={} adaptive_prefetch={}{timer} enqueue_s={enqueue_s:.3} drain_s={drain_s:.3} jobs_per_s={:.0} polls={polls}",
        db.backend(),
        args.sleep_ms,
        args.concurrency,
        args.batch,
        args.prefetch,
        args.adaptive_prefetch,
        n as f64 / drain_s
    );
    Ok(())
}

/// The bench's `sleep` kind: the built-in one's payload, waited out on `timer`, each wait
/// timed into `waits`.
fn sleep_handler(
    timer: Timer,
    waits: Arc<Waits>,
) -> impl Fn(JobContext) -> BoxFuture<'static, Result<(), JobError>> + Send + Sync + 'static {
    let alarm = Alarm::start();
    move |ctx: JobContext| {
        let (alarm, waits) = (alarm.clone(), waits.clone());
        Box::pin(async move {
            let started = Instant::now();
            let job: kinds::SleepJob = ctx.payload()?;
            let ms = Duration::from_millis(job.ms);
            match timer {
                Timer::Exact => alarm.at(started + ms).await,
                Timer::Tokio => tokio::time::sleep(ms).await,
            }
            waits.add(started.elapsed());
            Ok(())
        })
    }
}

/// The jobs' waits: how many, and their total in nanoseconds.
#[derive(Default)]
struct Waits {
    count: AtomicU64,
    nanos: AtomicU64,
}

impl Waits {
    fn add(&self, took: Duration) {
        self.count.fetch_add(1, Ordering::Relaxed);
        self.nanos
            .fetch_add(took.as_nanos() as u64, Ordering::Relaxed);
    }

    fn mean(&self) -> Duration {
        let n = self.count.load(Ordering::Relaxed).max(1);
        Duration::from_nanos(self.nanos.load(Ordering::Relaxed) / n)
    }
}

/// Wakes each waiter at its deadline, as a reply arriving over the network would: one
/// thread sleeping until the earliest deadline on the kernel's timer (tens of microseconds
/// late), where tokio's timer wheel rounds every deadline up to its next millisecond tick
/// and then parks on a millisecond timeout. In the I/O-bound drain (50 ms jobs, 50 slots)
/// a 50 ms `tokio::time::sleep` took 51.4 to 51.5 ms (median), this 50.4: the 100 jobs in
/// a row of each slot lose 100 ms of a 5 s drain to tokio's timer alone.
#[derive(Clone)]
struct Alarm(std::sync::mpsc::Sender<(Instant, oneshot::Sender<()>)>);

impl Alarm {
    fn start() -> Alarm {
        let (tx, rx) = std::sync::mpsc::channel::<(Instant, oneshot::Sender<()>)>();
        std::thread::spawn(move || {
            // By deadline, then in order of arrival.
            let mut due: BTreeMap<(Instant, u64), oneshot::Sender<()>> = BTreeMap::new();
            let mut seq = 0_u64;
            loop {
                let now = Instant::now();
                while let Some(first) = due.first_entry() {
                    if first.key().0 > now {
                        break;
                    }
                    let _ = first.remove().send(());
                }
                let next = match due.first_key_value() {
                    Some(((at, _), _)) => rx.recv_timeout(at.saturating_duration_since(now)),
                    None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                };
                match next {
                    Ok((at, waiter)) => {
                        seq += 1;
                        due.insert((at, seq), waiter);
                    }
                    Err(RecvTimeoutError::Timeout) => {}
                    // Every handle is gone: nobody waits any more.
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
        });
        Alarm(tx)
    }

    /// Returns at `at`.
    async fn at(&self, at: Instant) {
        let (tx, rx) = oneshot::channel();
        if self.0.send((at, tx)).is_ok() {
            let _ = rx.await;
        }
    }
}

/// Jobs still to run or running.
fn unfinished(c: &mut DbConn) -> QueryResult<i64> {
    with_conn!(c, |c| jobs::table
        .filter(jobs::state.eq_any(UNFINISHED))
        .count()
        .get_result(c))
}

const UNFINISHED: [JobState; 4] = [
    JobState::Scheduled,
    JobState::Available,
    JobState::Retryable,
    JobState::Running,
];

/// Whether any job is still to run or running: the cheap question (two small partial
/// indexes on PostgreSQL) rather than counting the completed rows every 10 ms, which would
/// charge the database a scan of the whole table per look while it drains.
fn any_unfinished(c: &mut DbConn) -> QueryResult<bool> {
    with_conn!(c, |c| diesel::select(diesel::dsl::exists(
        jobs::table.filter(jobs::state.eq_any(UNFINISHED))
    ))
    .get_result(c))
}

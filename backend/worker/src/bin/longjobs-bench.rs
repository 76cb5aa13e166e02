//! `longjobs-bench`: burn-down throughput of `noop` jobs on one database.
//!
//! Enqueues N jobs in bulk, then runs an in-process worker (the same engine as
//! `longjobs-worker`) until all are completed. Prints one line per run:
//! `longjobs backend=… jobs=N concurrency=C enqueue_s=… drain_s=… jobs_per_s=…`.

use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use diesel::prelude::*;
use longjobs_core::job::JobState;
use longjobs_core::queue::{self, EnqueueRequest};
use longjobs_core::schema::jobs;
use longjobs_core::{Db, DbConn, with_conn};
use longjobs_worker::{Shutdown, Worker, WorkerConfig, kinds};
use tokio::sync::watch;

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
    /// Runs; each prints a line.
    #[arg(long, default_value_t = 1)]
    runs: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let db = Db::connect(&args.database_url)
        .await
        .context("opening the database")?;
    db.migrate().await?;
    for _ in 0..args.runs {
        run_once(&db, &args).await?;
    }
    Ok(())
}

async fn run_once(db: &Db, args: &Args) -> anyhow::Result<()> {
    // Start each run from an empty table: TRUNCATE on PostgreSQL (a DELETE would leave
    // the dead rows of earlier runs for this one to wade through), DELETE on SQLite.
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
    let n = args.jobs;
    let started = Instant::now();
    let reqs: Vec<EnqueueRequest> = (0..n)
        .map(|_| EnqueueRequest::new("bench", "noop"))
        .collect();
    for chunk in reqs.chunks(10_000) {
        let chunk = chunk.to_vec();
        db.run(move |c| queue::enqueue_many(c, &chunk)).await?;
    }
    let enqueue_s = started.elapsed().as_secs_f64();

    let mut cfg = WorkerConfig::new(vec![("bench".to_string(), args.concurrency)]);
    cfg.batch = args.batch;
    cfg.poll_interval = Duration::from_millis(100);
    let (stop, stop_rx) = watch::channel(Shutdown::Running);
    let drain_start = Instant::now();
    let worker = tokio::spawn(Worker::new(db.clone(), cfg, kinds::builtin()).run(stop_rx));
    loop {
        let done = db.run(completed).await?;
        if done as usize >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let drain_s = drain_start.elapsed().as_secs_f64();
    stop.send(Shutdown::Graceful)?;
    worker.await??;
    println!(
        "longjobs backend={} jobs={n} concurrency={} batch={} enqueue_s={enqueue_s:.3} drain_s={drain_s:.3} jobs_per_s={:.0}",
        db.backend(),
        args.concurrency,
        args.batch,
        n as f64 / drain_s
    );
    Ok(())
}

fn completed(c: &mut DbConn) -> QueryResult<i64> {
    with_conn!(c, |c| jobs::table
        .filter(jobs::state.eq(JobState::Completed))
        .count()
        .get_result(c))
}

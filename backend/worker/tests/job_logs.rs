//! Structured logs: with JSON output, every line logged while a job runs carries the job's
//! id, kind and queue — from the handler, from functions it calls and from tasks it spawns
//! in its span. (Its own test binary: it installs the process's global subscriber.)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use longjobs_core::logging::{LogFormat, init_with_writer};
use longjobs_core::queue::{self, EnqueueRequest};
use longjobs_core::schema::jobs;
use longjobs_core::testing::TestDb;
use longjobs_core::{JobId, JobState, with_conn};
use longjobs_worker::{JobContext, JobError, Registry, Shutdown, Worker, WorkerConfig};
use serde_json::Value;
use tokio::sync::watch;
use tracing::Instrument;

/// Log lines land here instead of stderr.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn lines(&self) -> Vec<Value> {
        let bytes = self.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .collect()
    }
}

async fn check_remote(n: i64) {
    tracing::warn!(attempt = n, "chatty: the remote service is slow");
}

async fn chatty(ctx: JobContext) -> Result<(), JobError> {
    tracing::info!("chatty: starting");
    check_remote(1).await;
    tokio::spawn(async { tracing::info!("chatty: from a spawned task") }.in_current_span())
        .await
        .map_err(JobError::retry)?;
    if ctx.job.attempt < 2 {
        return Err(JobError::Retry("chatty: first attempts fail".into()));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_line_logged_while_a_job_runs_carries_its_id_kind_and_queue() {
    let captured = Captured::default();
    let sink = captured.clone();
    init_with_writer(LogFormat::Json, move || sink.clone());

    let t = TestDb::sqlite().await.unwrap();
    let mut ids: Vec<JobId> = Vec::new();
    for _ in 0..2 {
        let req = EnqueueRequest::new("logs", "chatty").max_attempts(3);
        ids.push(
            t.db.run(move |c| queue::enqueue(c, &req))
                .await
                .unwrap()
                .job
                .id,
        );
    }
    let mut cfg = WorkerConfig::new(vec![("logs".into(), 2)]);
    cfg.poll_interval = Duration::from_millis(50);
    let mut registry = Registry::new().register("chatty", chatty);
    registry = registry.with_retry_policy(longjobs_core::queue::RetryPolicy {
        base: Duration::from_millis(10),
        max: Duration::from_millis(10),
        jitter: 0.0,
    });
    let (stop, rx) = watch::channel(Shutdown::Running);
    let worker = tokio::spawn(Worker::new(t.db.clone(), cfg, registry).run(rx));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let states: Vec<JobState> =
            t.db.run(|c| with_conn!(c, |c| jobs::table.select(jobs::state).load(c)))
                .await
                .unwrap();
        if states.iter().all(|s| *s == JobState::Completed) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "jobs never completed: {states:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.send(Shutdown::Graceful).unwrap();
    worker.await.unwrap().unwrap();

    let lines = captured.lines();
    let chatty: Vec<&Value> = lines
        .iter()
        .filter(|l| {
            l["fields"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("chatty:"))
        })
        .collect();
    // Two jobs, two attempts each, three lines per attempt.
    assert_eq!(chatty.len(), 12, "{lines:#?}");
    for line in &chatty {
        let span = &line["span"];
        assert_eq!(span["name"], "job", "{line}");
        assert_eq!(span["job.kind"], "chatty", "{line}");
        assert_eq!(span["job.queue"], "logs", "{line}");
        let id: i64 = span["job.id"].as_str().unwrap().parse().unwrap();
        assert!(ids.contains(&JobId(id)), "{line}");
    }
    for id in &ids {
        let want = id.0.to_string();
        let attempts: Vec<i64> = chatty
            .iter()
            .filter(|l| l["span"]["job.id"] == want.as_str())
            .map(|l| l["span"]["job.attempt"].as_i64().unwrap())
            .collect();
        assert_eq!(attempts.len(), 6, "job {id:?}");
        assert!(
            attempts.contains(&1) && attempts.contains(&2),
            "{attempts:?}"
        );
    }
    // Outcomes logged after the run name the job too.
    let failed: Vec<&Value> = lines
        .iter()
        .filter(|l| l["fields"]["message"] == "job failed")
        .collect();
    assert_eq!(failed.len(), 2, "{lines:#?}");
    for l in failed {
        assert_eq!(l["fields"]["job.kind"], "chatty");
        assert_eq!(l["fields"]["job.queue"], "logs");
    }
}

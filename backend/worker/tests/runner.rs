//! The worker engine in-process: ordering, retries, cancellation and notifications.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use longjobs_core::handler::BackgroundJob;
use longjobs_core::job::{Job, JobId, JobState};
use longjobs_core::queue::{self, Action, EnqueueRequest, RetryPolicy};
use longjobs_core::schema::jobs;
use longjobs_core::testing::TestDb;
use longjobs_core::{Db, clock, with_conn};
use longjobs_worker::registry::{JobContext, JobError};
use longjobs_worker::{Registry, Shutdown, Worker, WorkerConfig, kinds};
use tokio::sync::watch;

longjobs_core::on_every_database! {
    threads = 4;
    ordered_jobs_run_one_at_a_time_in_order_even_when_the_first_fails,
    failures_retry_with_backoff_then_discard,
    an_operator_can_cancel_a_running_job,
    prefetched_jobs_start_as_slots_free_and_unstarted_ones_are_handed_back,
    short_jobs_held_ahead_start_and_are_never_released_while_slots_free,
    jobs_held_ahead_of_a_slot_that_stays_busy_go_back_to_the_queue,
    a_typed_job_brings_its_queue_attempts_time_limit_and_payload,
}

fn fast_config(queue: &str, concurrency: usize) -> WorkerConfig {
    let mut cfg = WorkerConfig::new(vec![(queue.to_string(), concurrency)]);
    cfg.poll_interval = Duration::from_millis(50);
    cfg.heartbeat = Duration::from_millis(200);
    cfg.lease = Duration::from_secs(5);
    cfg.rescue_interval = Duration::from_millis(200);
    cfg.grace = Duration::from_secs(1);
    cfg
}

struct Running {
    stop: watch::Sender<Shutdown>,
    handle: tokio::task::JoinHandle<anyhow::Result<longjobs_worker::Summary>>,
}

fn start(db: &Db, cfg: WorkerConfig, registry: Registry) -> Running {
    let (stop, rx) = watch::channel(Shutdown::Running);
    let handle = tokio::spawn(Worker::new(db.clone(), cfg, registry).run(rx));
    Running { stop, handle }
}

impl Running {
    async fn stop(self) -> longjobs_worker::Summary {
        self.stop.send(Shutdown::Graceful).unwrap();
        self.handle.await.unwrap().unwrap()
    }
}

async fn get(db: &Db, id: JobId) -> Job {
    db.run(move |c| {
        with_conn!(c, |c| jobs::table
            .find(id)
            .select(Job::as_select())
            .first(c))
    })
    .await
    .unwrap()
}

async fn wait_state(db: &Db, id: JobId, state: JobState, within: Duration) -> Job {
    let deadline = Instant::now() + within;
    loop {
        let job = get(db, id).await;
        if job.state == state {
            return job;
        }
        assert!(
            Instant::now() < deadline,
            "job {id} is {} not {state} after {within:?}",
            job.state
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn ordered_jobs_run_one_at_a_time_in_order_even_when_the_first_fails(t: TestDb) {
    // Records (key, index, attempt) at start, and the most jobs of one key seen at once.
    let log: Arc<Mutex<Vec<(String, i64, i32)>>> = Arc::default();
    let live: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let max_live: Arc<Mutex<usize>> = Arc::default();
    let (l, lv, m) = (log.clone(), live.clone(), max_live.clone());
    let handler = move |ctx: JobContext| {
        let (l, lv, m) = (l.clone(), lv.clone(), m.clone());
        async move {
            let p: serde_json::Value = serde_json::from_str(&ctx.job.payload).unwrap();
            let key = ctx.job.ordering_key.clone().unwrap();
            l.lock()
                .unwrap()
                .push((key.clone(), p["i"].as_i64().unwrap(), ctx.job.attempt));
            {
                let mut lv = lv.lock().unwrap();
                let n = lv.entry(key.clone()).or_default();
                *n += 1;
                let mut m = m.lock().unwrap();
                *m = (*m).max(*n);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            *lv.lock().unwrap().get_mut(&key).unwrap() -= 1;
            if p["fail_first"].as_bool() == Some(true) && ctx.job.attempt == 1 {
                return Err(JobError::Retry("first attempt fails".into()));
            }
            Ok(())
        }
    };
    let registry = Registry::new()
        .register("record", handler)
        .with_retry_policy(RetryPolicy::fixed(Duration::from_millis(100)));
    let mut reqs = Vec::new();
    for i in 0..5 {
        for key in ["ds-1/data", "ds-2/software"] {
            let fail_first = i == 0 && key == "ds-1/data";
            reqs.push(
                EnqueueRequest::new("ord", "record")
                    .ordering_key(key)
                    .payload(serde_json::json!({ "i": i, "fail_first": fail_first })),
            );
        }
    }
    let enq =
        t.db.run(move |c| queue::enqueue_many(c, &reqs))
            .await
            .unwrap();
    let w = start(&t.db, fast_config("ord", 8), registry);
    for e in &enq {
        wait_state(
            &t.db,
            e.job.id,
            JobState::Completed,
            Duration::from_secs(30),
        )
        .await;
    }
    w.stop().await;
    assert_eq!(
        *max_live.lock().unwrap(),
        1,
        "two jobs of one ordering key ran at once"
    );
    let log = log.lock().unwrap();
    let ds1: Vec<(i64, i32)> = log
        .iter()
        .filter(|e| e.0 == "ds-1/data")
        .map(|e| (e.1, e.2))
        .collect();
    assert_eq!(ds1, vec![(0, 1), (0, 2), (1, 1), (2, 1), (3, 1), (4, 1)]);
    let ds2: Vec<i64> = log
        .iter()
        .filter(|e| e.0 == "ds-2/software")
        .map(|e| e.1)
        .collect();
    assert_eq!(ds2, vec![0, 1, 2, 3, 4]);
}

async fn failures_retry_with_backoff_then_discard(t: TestDb) {
    let reqs = vec![
        EnqueueRequest::new("f", "sleep")
            .max_attempts(3)
            .payload(serde_json::json!({ "fail": "remote said 503" })),
        EnqueueRequest::new("f", "sleep")
            .payload(serde_json::json!({ "fail": "remote said 400", "discard": true })),
        EnqueueRequest::new("f", "sleep").payload(serde_json::json!({ "unexpected": 1 })),
        EnqueueRequest::new("f", "no-such-kind").max_attempts(1),
    ];
    let enq =
        t.db.run(move |c| queue::enqueue_many(c, &reqs))
            .await
            .unwrap();
    let registry =
        kinds::builtin().with_retry_policy(RetryPolicy::fixed(Duration::from_millis(150)));
    let w = start(&t.db, fast_config("f", 4), registry);
    let retried = wait_state(
        &t.db,
        enq[0].job.id,
        JobState::Discarded,
        Duration::from_secs(20),
    )
    .await;
    assert_eq!(retried.attempt, 3);
    let history = retried.error_history();
    assert_eq!(history.len(), 3);
    // The attempts were spaced by the backoff, not run back to back.
    for pair in history.windows(2) {
        assert!(
            pair[1].at - pair[0].at >= chrono::TimeDelta::milliseconds(140),
            "{pair:?}"
        );
    }
    let permanent = wait_state(
        &t.db,
        enq[1].job.id,
        JobState::Discarded,
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(permanent.attempt, 1, "a permanent failure was retried");
    assert_eq!(permanent.last_error.as_deref(), Some("remote said 400"));
    let bad_payload = wait_state(
        &t.db,
        enq[2].job.id,
        JobState::Discarded,
        Duration::from_secs(10),
    )
    .await;
    assert!(
        bad_payload
            .last_error
            .unwrap()
            .contains("payload does not fit kind sleep")
    );
    let unknown = wait_state(
        &t.db,
        enq[3].job.id,
        JobState::Discarded,
        Duration::from_secs(10),
    )
    .await;
    assert!(
        unknown
            .last_error
            .unwrap()
            .contains("no handler for kind \"no-such-kind\"")
    );
    let summary = w.stop().await;
    assert!(summary.failed >= 6, "{summary:?}");
}

/// A kind defined as a type: its queue, attempts and time limit come with it.
#[derive(serde::Serialize, serde::Deserialize)]
struct Greet {
    name: String,
    ms: u64,
}

impl BackgroundJob for Greet {
    const KIND: &'static str = "greet";
    const QUEUE: &'static str = "typed";
    const MAX_ATTEMPTS: i32 = 2;
    const TIMEOUT: Duration = Duration::from_millis(400);
    type Context = Arc<Mutex<Vec<String>>>;

    async fn run(self, seen: Self::Context, job: JobContext) -> Result<(), JobError> {
        tokio::time::sleep(Duration::from_millis(self.ms)).await;
        seen.lock()
            .unwrap()
            .push(format!("{} #{}", self.name, job.job.attempt));
        Ok(())
    }
}

async fn a_typed_job_brings_its_queue_attempts_time_limit_and_payload(t: TestDb) {
    let reqs = vec![
        Greet {
            name: "ada".into(),
            ms: 0,
        }
        .request(),
        Greet {
            name: "slow".into(),
            ms: 2_000,
        }
        .request(),
    ];
    let enq =
        t.db.run(move |c| queue::enqueue_many(c, &reqs))
            .await
            .unwrap();
    for e in &enq {
        assert_eq!(
            (e.job.queue.as_str(), e.job.kind.as_str()),
            ("typed", "greet")
        );
        assert_eq!(e.job.max_attempts, 2);
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let registry = Registry::new()
        .register_job::<Greet>(seen.clone(), RetryPolicy::fixed(Duration::from_millis(50)));
    let w = start(&t.db, fast_config("typed", 2), registry);
    wait_state(
        &t.db,
        enq[0].job.id,
        JobState::Completed,
        Duration::from_secs(10),
    )
    .await;
    // Over its time limit on both attempts: out of attempts, never recorded as run.
    let slow = wait_state(
        &t.db,
        enq[1].job.id,
        JobState::Discarded,
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(slow.attempt, 2);
    w.stop().await;
    assert_eq!(*seen.lock().unwrap(), vec!["ada #1".to_string()]);
}

async fn an_operator_can_cancel_a_running_job(t: TestDb) {
    let enq =
        t.db.run(|c| {
            queue::enqueue(
                c,
                &EnqueueRequest::new("c", "sleep").payload(serde_json::json!({ "ms": 60_000 })),
            )
        })
        .await
        .unwrap();
    let w = start(&t.db, fast_config("c", 1), kinds::builtin());
    wait_state(
        &t.db,
        enq.job.id,
        JobState::Running,
        Duration::from_secs(10),
    )
    .await;
    let id = enq.job.id;
    t.db.run(move |c| queue::apply_action(c, Action::Cancel, &[id], "ops", clock::now()))
        .await
        .unwrap();
    let job = wait_state(&t.db, id, JobState::Cancelled, Duration::from_secs(10)).await;
    assert!(
        job.error_history()
            .iter()
            .any(|h| h.message.contains("cancelled by an operator"))
    );
    let summary = w.stop().await;
    assert_eq!(summary.handed_back, 0);
}

async fn prefetched_jobs_start_as_slots_free_and_unstarted_ones_are_handed_back(t: TestDb) {
    // One slot, four jobs claimed ahead: they start one after another in id order; when
    // the worker stops, those never started go back to the queue with their attempt unspent.
    let reqs: Vec<EnqueueRequest> = (0..6)
        .map(|_| EnqueueRequest::new("p", "sleep").payload(serde_json::json!({ "ms": 300 })))
        .collect();
    let ids: Vec<JobId> =
        t.db.run(move |c| queue::enqueue_many(c, &reqs))
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.job.id)
            .collect();
    let mut cfg = fast_config("p", 1);
    cfg.prefetch = 4;
    let w = start(&t.db, cfg, kinds::builtin());
    wait_state(&t.db, ids[0], JobState::Completed, Duration::from_secs(10)).await;
    // The first claim took 1 + 4 jobs: the sixth is still waiting in the database.
    assert_eq!(get(&t.db, ids[5]).await.state, JobState::Available);
    wait_state(&t.db, ids[1], JobState::Running, Duration::from_secs(10)).await;
    let summary = w.stop().await;
    let after: Vec<Job> = {
        let mut v = Vec::new();
        for id in &ids {
            v.push(get(&t.db, *id).await);
        }
        v
    };
    assert_eq!(after[0].state, JobState::Completed);
    // The running second job finished within the grace period.
    assert_eq!(after[1].state, JobState::Completed, "{:?}", after[1]);
    for job in &after[2..5] {
        assert!(
            matches!(job.state, JobState::Available | JobState::Completed),
            "{job:?}"
        );
        if job.state == JobState::Available {
            assert_eq!(
                job.attempt, 0,
                "a handed-back job keeps its attempt: {job:?}"
            );
            assert!(job.lease_owner.is_none(), "{job:?}");
            // It never ran: nothing happened to it that its history should tell.
            assert!(job.error_history().is_empty(), "{job:?}");
        }
    }
    assert!(
        after[2..5].iter().any(|j| j.state == JobState::Available),
        "stopping after the second job started leaves prefetched ones unstarted: {after:?}"
    );
    assert_eq!(after[5].state, JobState::Available);
    assert_eq!(summary.handed_back, 0, "no running job was cut off");
}

async fn enqueue_sleeps(db: &Db, queue: &str, ms: &[u64]) -> Vec<JobId> {
    let reqs: Vec<EnqueueRequest> = ms
        .iter()
        .map(|ms| EnqueueRequest::new(queue, "sleep").payload(serde_json::json!({ "ms": ms })))
        .collect();
    db.run(move |c| queue::enqueue_many(c, &reqs))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.job.id)
        .collect()
}

async fn short_jobs_held_ahead_start_and_are_never_released_while_slots_free(t: TestDb) {
    // 20 ms jobs at 4 slots for 1.5 s: the producer holds jobs ahead all along (the
    // measured claim-ahead) and tops them up before they run out. Each waits a few dozen
    // ms for its slot, so none may go back for having waited HELD_AHEAD_MAX — which the
    // producer once timed from when it last held none, giving back its whole claim-ahead
    // every second of a steady stream.
    let ids = enqueue_sleeps(&t.db, "h", &[20; 300]).await;
    let w = start(&t.db, fast_config("h", 4), kinds::builtin());
    let started = Instant::now();
    wait_state(
        &t.db,
        *ids.last().unwrap(),
        JobState::Completed,
        Duration::from_secs(30),
    )
    .await;
    for id in &ids {
        wait_state(&t.db, *id, JobState::Completed, Duration::from_secs(10)).await;
    }
    let summary = w.stop().await;
    assert!(
        started.elapsed() > longjobs_worker::config::HELD_AHEAD_MAX,
        "the stream must outlast HELD_AHEAD_MAX to tell"
    );
    assert_eq!(summary.completed, 300, "{summary:?}");
    assert_eq!(summary.released, 0, "{summary:?}");
}

async fn jobs_held_ahead_of_a_slot_that_stays_busy_go_back_to_the_queue(t: TestDb) {
    // One slot, busy for 1.6 s; three jobs claimed ahead of it wait past HELD_AHEAD_MAX
    // and go back to the queue for any idle worker, then run here once the slot frees.
    let ids = enqueue_sleeps(&t.db, "b", &[1_600, 10, 10, 10]).await;
    let mut cfg = fast_config("b", 1);
    cfg.prefetch = 3;
    let w = start(&t.db, cfg, kinds::builtin());
    wait_state(&t.db, ids[0], JobState::Running, Duration::from_secs(10)).await;
    // Held here: claimed (running, in the database's eyes) but not started.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(get(&t.db, ids[3]).await.state, JobState::Running);
    // Given back while the first still runs.
    let back = wait_state(&t.db, ids[3], JobState::Available, Duration::from_secs(5)).await;
    assert_eq!(
        back.attempt, 0,
        "a job given back keeps its attempt: {back:?}"
    );
    assert_eq!(get(&t.db, ids[0]).await.state, JobState::Running);
    for id in &ids {
        wait_state(&t.db, *id, JobState::Completed, Duration::from_secs(10)).await;
    }
    let summary = w.stop().await;
    assert_eq!(summary.released, 3, "{summary:?}");
    assert_eq!(summary.completed, 4, "{summary:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_postgres_worker_is_woken_by_a_notification_not_a_poll() {
    let t = TestDb::postgres().await.unwrap();
    idle_worker_is_woken_not_polled(&t).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_sqlite_worker_is_woken_by_the_file_watcher_not_a_poll() {
    let t = TestDb::sqlite().await.unwrap();
    idle_worker_is_woken_not_polled(&t).await;
}

/// A worker whose poll interval is a minute starts each of 300 jobs enqueued one after
/// another (some while it still claims the one before) within seconds: only a wake-up can
/// do that, and none may be lost.
async fn idle_worker_is_woken_not_polled(t: &TestDb) {
    let mut cfg = fast_config("n", 2);
    // Polling alone would take a minute: only the notification can start the job sooner.
    cfg.poll_interval = Duration::from_secs(60);
    let w = start(&t.db, cfg, kinds::builtin());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let enq =
        t.db.run(|c| queue::enqueue(c, &EnqueueRequest::new("n", "noop")))
            .await
            .unwrap();
    wait_state(
        &t.db,
        enq.job.id,
        JobState::Completed,
        Duration::from_secs(20),
    )
    .await;
    // Jobs enqueued one after another, some while the worker is still claiming the one
    // before: none of their notifications may be lost (each would wait for the poll).
    let mut ids = Vec::new();
    for i in 0..300u64 {
        let enq =
            t.db.run(|c| queue::enqueue(c, &EnqueueRequest::new("n", "noop")))
                .await
                .unwrap();
        ids.push(enq.job.id);
        tokio::time::sleep(Duration::from_micros(i % 4 * 700)).await;
    }
    for id in ids {
        let done = wait_state(&t.db, id, JobState::Completed, Duration::from_secs(90)).await;
        let waited = done.attempted_at.unwrap() - done.created_at;
        assert!(
            waited < chrono::TimeDelta::seconds(20),
            "job {id} waited {waited} for a poll: a notification was lost"
        );
    }
    w.stop().await;
}

//! Control while running, on the three databases: a queue's concurrency and rate limits
//! hold across two workers and are adopted without a restart; a paused kind is not claimed
//! while other kinds are; a worker obeys an operator's quiet and stop.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use longjobs_core::job::JobState;
use longjobs_core::queue::{self, EnqueueRequest, QueueLimits, SETTINGS_REFRESH, WorkerCommand};
use longjobs_core::testing::TestDb;
use longjobs_core::{Db, clock};
use longjobs_worker::registry::{JobContext, JobError};
use longjobs_worker::{Registry, Shutdown, Worker, WorkerConfig};
use tokio::sync::watch;

longjobs_core::on_every_database! {
    threads = 4;
    a_concurrency_limit_holds_across_two_workers_and_is_adopted_without_a_restart,
    a_rate_limit_holds_across_two_workers,
    a_paused_kind_is_not_claimed_while_other_kinds_are,
    a_worker_obeys_quiet_resume_and_stop,
}

const Q: &str = "ctl";

fn config(id: &str, concurrency: usize) -> WorkerConfig {
    let mut cfg = WorkerConfig::new(vec![(Q.to_string(), concurrency)]);
    cfg.id = id.to_string();
    cfg.poll_interval = Duration::from_millis(50);
    cfg.heartbeat = Duration::from_millis(200);
    cfg.lease = Duration::from_secs(5);
    cfg.rescue_interval = Duration::from_millis(200);
    cfg.grace = Duration::from_secs(2);
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
    async fn stop(self) {
        let _ = self.stop.send(Shutdown::Graceful);
        self.handle.await.unwrap().unwrap();
    }
}

/// A `slow` kind that runs 150 ms and counts how many run at once (the most seen in `max`),
/// and a `quick` kind; both count completions in `done`.
#[derive(Clone, Default)]
struct Meter {
    now: Arc<AtomicUsize>,
    max: Arc<AtomicUsize>,
    done: Arc<AtomicUsize>,
}

fn registry(m: &Meter) -> Registry {
    let slow = {
        let m = m.clone();
        move |_ctx: JobContext| {
            let m = m.clone();
            async move {
                let n = m.now.fetch_add(1, Ordering::SeqCst) + 1;
                m.max.fetch_max(n, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(150)).await;
                m.now.fetch_sub(1, Ordering::SeqCst);
                m.done.fetch_add(1, Ordering::SeqCst);
                Ok::<(), JobError>(())
            }
        }
    };
    let quick = {
        let m = m.clone();
        move |_ctx: JobContext| {
            let m = m.clone();
            async move {
                m.done.fetch_add(1, Ordering::SeqCst);
                Ok::<(), JobError>(())
            }
        }
    };
    Registry::new()
        .register("slow", slow)
        .register("quick", quick)
}

async fn enqueue(db: &Db, kind: &str, n: usize) -> Vec<longjobs_core::JobId> {
    let reqs: Vec<EnqueueRequest> = (0..n).map(|_| EnqueueRequest::new(Q, kind)).collect();
    db.run(move |c| queue::enqueue_many(c, &reqs))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.job.id)
        .collect()
}

async fn set_limits(db: &Db, limits: QueueLimits) {
    db.run(move |c| queue::set_limits(c, Q, limits, clock::now()))
        .await
        .unwrap();
}

async fn state(db: &Db, id: longjobs_core::JobId) -> JobState {
    db.run(move |c| queue::state_of(c, Some(id.0)))
        .await
        .unwrap()
        .unwrap()
}

async fn wait_until(what: &str, within: Duration, mut ok: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !ok().await {
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Waits out the workers' settings refresh, so a change is certainly adopted.
async fn adopted() {
    tokio::time::sleep(SETTINGS_REFRESH + Duration::from_millis(500)).await;
}

async fn a_concurrency_limit_holds_across_two_workers_and_is_adopted_without_a_restart(t: TestDb) {
    let m = Meter::default();
    // Each worker alone would run 5 at once.
    let a = start(&t.db, config("ctl-a", 5), registry(&m));
    let b = start(&t.db, config("ctl-b", 5), registry(&m));
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Set while both run: adopted without a restart.
    set_limits(
        &t.db,
        QueueLimits {
            concurrency: Some(2),
            rate: None,
        },
    )
    .await;
    adopted().await;
    enqueue(&t.db, "slow", 12).await;
    wait_until("12 slow jobs done", Duration::from_secs(30), async || {
        m.done.load(Ordering::SeqCst) == 12
    })
    .await;
    let max = m.max.load(Ordering::SeqCst);
    assert_eq!(
        max, 2,
        "at most 2 at once over both workers, and the limit used"
    );

    // Lifted while they run: both workers' own slots count again.
    set_limits(&t.db, QueueLimits::default()).await;
    adopted().await;
    m.max.store(0, Ordering::SeqCst);
    enqueue(&t.db, "slow", 10).await;
    wait_until("10 more done", Duration::from_secs(30), async || {
        m.done.load(Ordering::SeqCst) == 22
    })
    .await;
    assert!(
        m.max.load(Ordering::SeqCst) > 2,
        "without the limit more than 2 ran at once, saw {}",
        m.max.load(Ordering::SeqCst)
    );
    a.stop().await;
    b.stop().await;
}

async fn a_rate_limit_holds_across_two_workers(t: TestDb) {
    let m = Meter::default();
    let a = start(&t.db, config("rate-a", 10), registry(&m));
    let b = start(&t.db, config("rate-b", 10), registry(&m));
    // 3 starts per hour: the bucket starts full, then refills one start per 20 minutes.
    set_limits(
        &t.db,
        QueueLimits {
            concurrency: None,
            rate: Some((3, 3600)),
        },
    )
    .await;
    adopted().await;
    let ids = enqueue(&t.db, "quick", 8).await;
    wait_until("3 quick jobs done", Duration::from_secs(10), async || {
        m.done.load(Ordering::SeqCst) >= 3
    })
    .await;
    // Both workers keep polling every 50 ms; none may start a fourth.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        m.done.load(Ordering::SeqCst),
        3,
        "3 starts per hour, over both"
    );
    let mut available = 0;
    for id in &ids {
        if state(&t.db, *id).await == JobState::Available {
            available += 1;
        }
    }
    assert_eq!(available, 5, "the other 5 wait");

    // A new rate refills the bucket: the rest run.
    set_limits(
        &t.db,
        QueueLimits {
            concurrency: None,
            rate: Some((100, 60)),
        },
    )
    .await;
    wait_until("all 8 done", Duration::from_secs(10), async || {
        m.done.load(Ordering::SeqCst) == 8
    })
    .await;
    a.stop().await;
    b.stop().await;
}

async fn a_paused_kind_is_not_claimed_while_other_kinds_are(t: TestDb) {
    let m = Meter::default();
    let w = start(&t.db, config("kinds", 4), registry(&m));
    tokio::time::sleep(Duration::from_millis(300)).await;
    t.db.run(|c| queue::set_kind_paused(c, "slow", true, "op", clock::now()))
        .await
        .unwrap();
    adopted().await;
    let slow = enqueue(&t.db, "slow", 2).await;
    let quick = enqueue(&t.db, "quick", 3).await;
    wait_until("the quick jobs done", Duration::from_secs(10), async || {
        m.done.load(Ordering::SeqCst) == 3
    })
    .await;
    for id in &quick {
        assert_eq!(state(&t.db, *id).await, JobState::Completed);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    for id in &slow {
        assert_eq!(
            state(&t.db, *id).await,
            JobState::Available,
            "a paused kind waits"
        );
    }
    let paused = t.db.run(queue::paused_kinds).await.unwrap();
    assert_eq!(paused.len(), 1);
    assert_eq!(
        (paused[0].kind.as_str(), paused[0].paused_by.as_str()),
        ("slow", "op")
    );

    t.db.run(|c| queue::set_kind_paused(c, "slow", false, "op", clock::now()))
        .await
        .unwrap();
    wait_until(
        "the slow jobs done once resumed",
        Duration::from_secs(10),
        async || m.done.load(Ordering::SeqCst) == 5,
    )
    .await;
    w.stop().await;
}

async fn command(db: &Db, id: &str, c: Option<WorkerCommand>) {
    let id = id.to_string();
    db.run(move |conn| queue::set_worker_command(conn, &id, c, "op", clock::now()))
        .await
        .unwrap()
        .unwrap();
}

async fn a_worker_obeys_quiet_resume_and_stop(t: TestDb) {
    let m = Meter::default();
    let w = start(&t.db, config("cmd", 4), registry(&m));
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Quiet: a job already running finishes, nothing new is claimed.
    let first = enqueue(&t.db, "slow", 1).await[0];
    wait_until(
        "the first job running",
        Duration::from_secs(5),
        async || state(&t.db, first).await != JobState::Available,
    )
    .await;
    command(&t.db, "cmd", Some(WorkerCommand::Quiet)).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(state(&t.db, first).await, JobState::Completed);
    let later = enqueue(&t.db, "quick", 2).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    for id in &later {
        assert_eq!(
            state(&t.db, *id).await,
            JobState::Available,
            "a quiet worker claims nothing"
        );
    }
    let listed =
        t.db.run(|c| queue::list_workers(c, Duration::from_secs(30)))
            .await
            .unwrap();
    assert_eq!(listed[0].command, Some(WorkerCommand::Quiet));
    assert!(listed[0].alive, "a quiet worker is alive");

    // Resume: it claims again.
    command(&t.db, "cmd", None).await;
    wait_until("the later jobs done", Duration::from_secs(5), async || {
        m.done.load(Ordering::SeqCst) == 3
    })
    .await;

    // Stop: a running job finishes within the grace period, then the worker ends on its
    // own, marked stopped.
    let last = enqueue(&t.db, "slow", 1).await[0];
    wait_until("the last job running", Duration::from_secs(5), async || {
        state(&t.db, last).await != JobState::Available
    })
    .await;
    command(&t.db, "cmd", Some(WorkerCommand::Stop)).await;
    let summary = tokio::time::timeout(Duration::from_secs(10), w.handle)
        .await
        .expect("the worker ends on an operator's stop")
        .unwrap()
        .unwrap();
    assert_eq!(summary.handed_back, 0);
    assert_eq!(state(&t.db, last).await, JobState::Completed);
    let listed =
        t.db.run(|c| queue::list_workers(c, Duration::from_secs(30)))
            .await
            .unwrap();
    assert!(listed[0].worker.stopped_at.is_some());
    assert!(!listed[0].alive);
    // A stopped worker takes no more commands.
    let refused =
        t.db.run(|c| {
            queue::set_worker_command(c, "cmd", Some(WorkerCommand::Quiet), "op", clock::now())
        })
        .await
        .unwrap();
    assert_eq!(refused, Err(queue::CommandRefused::Stopped));
}

//! The worker as a real process on both databases: SIGTERM hands back, SIGKILL is rescued.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use longjobs_core::job::{ErrorKind, Job, JobState};
use longjobs_core::queue::{self, EnqueueRequest};
use longjobs_core::schema::jobs;
use longjobs_core::testing::TestDb;
use longjobs_core::{Db, clock, with_conn};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

longjobs_core::on_every_database! {
    threads = 2;
    sigterm_lets_running_jobs_finish_and_hands_back_the_rest,
    a_killed_workers_jobs_are_rescued_and_none_is_lost,
    a_worker_goes_by_the_host_name_its_setting_gives,
}

/// A worker process that is killed if the test ends early.
struct WorkerProcess(Child);

impl WorkerProcess {
    fn start(url: &str, queue: &str, grace: &str) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_longjobs-worker"))
            .args(["--database-url", url, "--queue", queue, "--grace", grace])
            .args([
                "--lease",
                "2s",
                "--heartbeat",
                "500ms",
                "--rescue-interval",
                "500ms",
            ])
            .args(["--poll-interval", "100ms"])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .spawn()
            .expect("start longjobs-worker");
        WorkerProcess(child)
    }

    fn signal(&self, sig: Signal) {
        kill(Pid::from_raw(self.0.id() as i32), sig).expect("signal the worker");
    }

    async fn wait_exit(&mut self, within: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.0.try_wait().expect("wait for the worker") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "worker did not exit within {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn all_jobs(db: &Db) -> Vec<Job> {
    db.run(|c| {
        with_conn!(c, |c| jobs::table
            .order(jobs::id.asc())
            .select(Job::as_select())
            .load(c))
    })
    .await
    .expect("list jobs")
}

/// Polls until `pred` holds for the jobs, failing after `within`.
async fn wait_for(
    db: &Db,
    within: Duration,
    what: &str,
    pred: impl Fn(&[Job]) -> bool,
) -> Vec<Job> {
    let deadline = Instant::now() + within;
    loop {
        let jobs = all_jobs(db).await;
        if pred(&jobs) {
            return jobs;
        }
        if Instant::now() > deadline {
            let states: Vec<_> = jobs.iter().map(|j| (j.id.0, j.state, j.attempt)).collect();
            panic!("timed out waiting for {what}; jobs: {states:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn count(jobs: &[Job], state: JobState) -> usize {
    jobs.iter().filter(|j| j.state == state).count()
}

fn sleep_job(ms: u64) -> EnqueueRequest {
    EnqueueRequest::new("proc", "sleep").payload(serde_json::json!({ "ms": ms }))
}

async fn sigterm_lets_running_jobs_finish_and_hands_back_the_rest(t: TestDb) {
    let reqs = vec![
        sleep_job(1_500),
        sleep_job(1_500),
        sleep_job(120_000),
        sleep_job(120_000),
    ];
    t.db.run(move |c| queue::enqueue_many(c, &reqs))
        .await
        .unwrap();
    let mut worker = WorkerProcess::start(&t.url, "proc=4", "3s");
    wait_for(&t.db, Duration::from_secs(20), "all four running", |j| {
        count(j, JobState::Running) == 4
    })
    .await;

    worker.signal(Signal::SIGTERM);
    let status = worker.wait_exit(Duration::from_secs(20)).await;
    assert!(status.success(), "worker exited with {status}");

    let jobs = all_jobs(&t.db).await;
    for short in &jobs[..2] {
        assert_eq!(
            short.state,
            JobState::Completed,
            "a job within the grace period was cut off"
        );
    }
    for long in &jobs[2..] {
        assert_eq!(
            (long.state, long.attempt),
            (JobState::Available, 0),
            "job {} was not handed back unspent",
            long.id
        );
        let note = long.error_history().pop().expect("a hand-back note");
        assert_eq!(note.kind, ErrorKind::HandedBack);
        assert!(note.message.contains("shut down"), "{}", note.message);
        assert!(long.lease_owner.is_none());
    }
    let workers =
        t.db.run(|c| queue::list_workers(c, Duration::from_secs(60)))
            .await
            .unwrap();
    assert_eq!(workers.len(), 1);
    assert!(workers[0].worker.stopped_at.is_some() && !workers[0].alive);
}

async fn a_killed_workers_jobs_are_rescued_and_none_is_lost(t: TestDb) {
    const N: usize = 300;
    let reqs: Vec<_> = (0..N).map(|_| sleep_job(100)).collect();
    t.db.run(move |c| queue::enqueue_many(c, &reqs))
        .await
        .unwrap();
    let mut first = WorkerProcess::start(&t.url, "proc=20", "30s");
    // Kill it mid-batch: some done, twenty running.
    wait_for(&t.db, Duration::from_secs(30), "work under way", |j| {
        count(j, JobState::Completed) >= 20 && count(j, JobState::Running) > 0
    })
    .await;
    first.signal(Signal::SIGKILL);
    first.wait_exit(Duration::from_secs(10)).await;
    let at_kill = all_jobs(&t.db).await;
    let cut_off: Vec<_> = at_kill
        .iter()
        .filter(|j| j.state == JobState::Running)
        .map(|j| j.id)
        .collect();
    assert!(
        !cut_off.is_empty(),
        "nothing was running when the worker was killed"
    );

    let _second = WorkerProcess::start(&t.url, "proc=20", "30s");
    let jobs = wait_for(&t.db, Duration::from_secs(90), "every job completed", |j| {
        j.len() == N && count(j, JobState::Completed) == N
    })
    .await;
    for job in &jobs {
        if cut_off.contains(&job.id) {
            assert_eq!(
                job.attempt, 2,
                "job {} cut off by the kill should have run twice",
                job.id
            );
            let history = job.error_history();
            assert!(
                history.iter().any(|h| h.kind == ErrorKind::Rescued),
                "job {} has no rescue note",
                job.id
            );
        } else {
            assert_eq!(
                job.attempt, 1,
                "job {} ran more than once without being cut off",
                job.id
            );
        }
    }
    let stamp = clock::now();
    assert!(
        jobs.iter()
            .all(|j| j.finished_at.is_some_and(|f| f <= stamp))
    );
}

async fn a_worker_goes_by_the_host_name_its_setting_gives(t: TestDb) {
    let db = &t.db;
    let mut named = Command::new(env!("CARGO_BIN_EXE_longjobs-worker"))
        .args(["--database-url", &t.url, "--queue", "named"])
        .env("LONGJOBS_HOST_NAME", "ops-worker-7")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .spawn()
        .map(WorkerProcess)
        .expect("start longjobs-worker");
    let deadline = Instant::now() + Duration::from_secs(30);
    let row = loop {
        let listed = db
            .run(|c| queue::list_workers(c, Duration::from_secs(60)))
            .await
            .unwrap();
        if let Some(w) = listed
            .into_iter()
            .find(|w| w.worker.queues.contains("named"))
        {
            break w.worker;
        }
        assert!(Instant::now() < deadline, "the worker never registered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(row.host, "ops-worker-7");
    assert!(row.id.starts_with("ops-worker-7:"), "{}", row.id);
    named.signal(Signal::SIGTERM);
    assert!(named.wait_exit(Duration::from_secs(30)).await.success());

    // A name that cannot be printed in a table stops the worker, naming the setting.
    let bad = Command::new(env!("CARGO_BIN_EXE_longjobs-worker"))
        .args(["--database-url", &t.url, "--queue", "named"])
        .env("LONGJOBS_HOST_NAME", "two words")
        .output()
        .expect("run longjobs-worker");
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("--host-name") && err.contains("no spaces"),
        "{err}"
    );
}

//! Work no live worker would run, on PostgreSQL, SQLite and MySQL / MariaDB: a queue no
//! live worker serves, a kind no live worker of its queue runs (due, or failed for want of
//! a handler and waiting for its retry), workers that are quiet, stopped or silent, and
//! pauses (which hold work, but do not make it unserved).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use longjobs_core::clock;
use longjobs_core::queue::{
    self, EnqueueRequest, Failure, Unserved, Verdict, WorkerCommand, WorkerRow,
};
use longjobs_core::testing::TestDb;
use longjobs_core::{Db, DbConn};

longjobs_core::on_every_database! {
    threads = 2;
    a_queue_no_live_worker_serves_counts_its_due_jobs,
    a_kind_is_served_only_in_the_queues_its_worker_serves,
    quiet_stopped_and_silent_workers_serve_nothing,
    paused_work_is_paused_not_unserved,
}

const ALIVE: Duration = Duration::from_secs(30);

fn worker(id: &str, queues: &str, kinds: Option<&str>) -> WorkerRow {
    let now = clock::now();
    WorkerRow {
        id: id.into(),
        host: "host-a".into(),
        pid: 7,
        queues: queues.into(),
        kinds: kinds.map(Into::into),
        started_at: now,
        heartbeat_at: now,
        stopped_at: None,
    }
}

fn job(queue: &str, kind: &str, run_at: NaiveDateTime) -> EnqueueRequest {
    EnqueueRequest::new(queue, kind).run_at(run_at)
}

fn minutes_ago(n: i64) -> NaiveDateTime {
    clock::now() - TimeDelta::minutes(n)
}

async fn exec(db: &Db, f: impl FnOnce(&mut DbConn) -> diesel::QueryResult<()> + Send + 'static) {
    db.run(f).await.unwrap();
}

/// (queue, kind, jobs) of what is unserved now, and how many workers serve.
async fn unserved(db: &Db) -> (usize, Vec<(String, Option<String>, i64)>) {
    let work = db
        .run(|c| queue::unserved(c, clock::now(), ALIVE))
        .await
        .unwrap();
    let rows = work
        .unserved
        .into_iter()
        .map(
            |Unserved {
                 queue, kind, jobs, ..
             }| (queue, kind, jobs),
        )
        .collect();
    (work.serving_workers, rows)
}

fn row(queue: &str, kind: Option<&str>, jobs: i64) -> (String, Option<String>, i64) {
    (queue.into(), kind.map(Into::into), jobs)
}

async fn verdict(db: &Db, q: &'static str, k: &'static str) -> (Verdict, Option<String>) {
    db.run(move |c| {
        let cov = queue::Coverage::load(c, ALIVE)?;
        Ok((cov.verdict(q, k), cov.reason(q, k)))
    })
    .await
    .unwrap()
}

async fn a_queue_no_live_worker_serves_counts_its_due_jobs(t: TestDb) {
    let db = &t.db;
    exec(db, |c| {
        queue::enqueue(c, &job("reports", "report.build", minutes_ago(5)))?;
        queue::enqueue(c, &job("reports", "report.build", minutes_ago(1)))?;
        queue::enqueue(c, &job("reports", "report.mail", minutes_ago(2)))?;
        // Not due yet: it waits for its time, not for a worker.
        queue::enqueue(
            c,
            &job("reports", "report.mail", clock::now() + TimeDelta::hours(1)),
        )?;
        Ok(())
    })
    .await;
    assert_eq!(unserved(db).await, (0, vec![row("reports", None, 3)]));

    // A live worker of another queue serves, but not this queue.
    exec(db, |c| {
        queue::register_worker(c, &worker("w-default", r#"{"default":2}"#, None))
    })
    .await;
    let work = db
        .run(|c| queue::unserved(c, clock::now(), ALIVE))
        .await
        .unwrap();
    assert_eq!(work.serving_workers, 1);
    assert_eq!(work.jobs(), 3);
    assert_eq!(work.jobs_in("reports"), 3);
    assert_eq!(
        work.unserved[0].reason(),
        "no live worker serves queue reports"
    );
    let oldest = (clock::now() - work.unserved[0].since).num_minutes();
    assert!(
        (4..=5).contains(&oldest),
        "the oldest became due 5 min ago: {oldest}"
    );
    assert_eq!(
        verdict(db, "reports", "report.mail").await,
        (
            Verdict::NoQueueWorker,
            Some("no live worker serves queue reports".into())
        )
    );

    // Finished jobs are not waiting.
    exec(db, |c| {
        let now = clock::now();
        let jobs = queue::claim(c, "reports", 10, "w-x", now, now + TimeDelta::minutes(5))?;
        assert_eq!(jobs.len(), 3);
        let ids: Vec<_> = jobs.iter().map(|j| j.id).collect();
        queue::complete_many(c, "w-x", &ids, now).map(|_| ())
    })
    .await;
    assert_eq!(unserved(db).await, (1, vec![]));
}

async fn a_kind_is_served_only_in_the_queues_its_worker_serves(t: TestDb) {
    let db = &t.db;
    exec(db, |c| {
        // Runs `x`, but only in `default`; the worker of `reports` runs `y` only.
        queue::register_worker(c, &worker("w-a", r#"{"default":1}"#, Some(r#"["x"]"#)))?;
        queue::register_worker(c, &worker("w-b", r#"{"reports":1}"#, Some(r#"["y"]"#)))?;
        for (q, k) in [
            ("reports", "x"),
            ("reports", "x"),
            ("reports", "y"),
            ("default", "x"),
            ("default", "y"),
        ] {
            queue::enqueue(c, &job(q, k, minutes_ago(1)))?;
        }
        Ok(())
    })
    .await;
    assert_eq!(
        unserved(db).await,
        (
            2,
            vec![row("default", Some("y"), 1), row("reports", Some("x"), 2)]
        )
    );
    assert_eq!(
        verdict(db, "reports", "x").await,
        (
            Verdict::NoKindWorker,
            Some("no live worker of queue reports runs kind x".into())
        )
    );
    assert_eq!(verdict(db, "reports", "y").await, (Verdict::Served, None));

    // A worker that did not say its kinds runs them all, in its own queues.
    exec(db, |c| {
        queue::register_worker(c, &worker("w-c", r#"{"default":1}"#, None))
    })
    .await;
    assert_eq!(unserved(db).await, (3, vec![row("reports", Some("x"), 2)]));

    // The worker of `reports` claims the jobs of `x` all the same and fails them for want of
    // a handler: between attempts they still wait for a worker that does not exist, while a
    // retrying job of a kind a worker runs is served.
    exec(db, |c| {
        let now = clock::now();
        let claimed = queue::claim(c, "reports", 10, "w-b", now, now + TimeDelta::minutes(5))?;
        assert_eq!(claimed.len(), 3);
        let failures: Vec<_> = claimed
            .into_iter()
            .map(|j| {
                let failure = Failure::Retry {
                    error: format!("no handler for kind {}", j.kind),
                    retry_at: now + TimeDelta::minutes(10),
                };
                (j, failure)
            })
            .collect();
        queue::record_failures(c, "w-b", &failures, now).map(|_| ())
    })
    .await;
    let work = db
        .run(|c| queue::unserved(c, clock::now(), ALIVE))
        .await
        .unwrap();
    assert_eq!(work.unserved.len(), 1, "{work:?}");
    assert_eq!(
        (work.unserved[0].kind.as_deref(), work.unserved[0].jobs),
        (Some("x"), 2)
    );
    assert!(
        work.unserved[0].since <= clock::now(),
        "since its last attempt"
    );
    assert_eq!(
        verdict(db, "reports", "x").await.0,
        Verdict::NoKindWorker,
        "the job page says why"
    );
}

async fn quiet_stopped_and_silent_workers_serve_nothing(t: TestDb) {
    let db = &t.db;
    exec(db, |c| {
        queue::register_worker(c, &worker("w-1", r#"{"reports":1}"#, None))?;
        queue::enqueue(c, &job("reports", "report.build", minutes_ago(1))).map(|_| ())
    })
    .await;
    assert_eq!(unserved(db).await, (1, vec![]));

    let command = |cmd: Option<WorkerCommand>| {
        move |c: &mut DbConn| {
            queue::set_worker_command(c, "w-1", cmd, "ops", clock::now())
                .map(|r| r.unwrap())
                .map(|_| ())
        }
    };
    exec(db, command(Some(WorkerCommand::Quiet))).await;
    assert_eq!(
        unserved(db).await,
        (0, vec![row("reports", None, 1)]),
        "quiet: claims nothing"
    );
    exec(db, command(None)).await;
    assert_eq!(
        unserved(db).await,
        (1, vec![]),
        "carrying on, it serves again"
    );
    exec(db, command(Some(WorkerCommand::Stop))).await;
    assert_eq!(
        unserved(db).await,
        (0, vec![row("reports", None, 1)]),
        "stopping"
    );

    // Registered again, then silent for longer than the liveness limit.
    let mut silent = worker("w-1", r#"{"reports":1}"#, None);
    silent.heartbeat_at = minutes_ago(2);
    exec(db, move |c| queue::register_worker(c, &silent)).await;
    assert_eq!(
        unserved(db).await,
        (0, vec![row("reports", None, 1)]),
        "silent"
    );
    exec(db, |c| {
        queue::register_worker(c, &worker("w-1", r#"{"reports":1}"#, None))?;
        assert_eq!(queue::unserved(c, clock::now(), ALIVE)?.unserved, vec![]);
        queue::mark_stopped(c, "w-1", clock::now())
    })
    .await;
    assert_eq!(
        unserved(db).await,
        (0, vec![row("reports", None, 1)]),
        "stopped"
    );
}

async fn paused_work_is_paused_not_unserved(t: TestDb) {
    let db = &t.db;
    exec(db, |c| {
        queue::register_worker(c, &worker("w-1", r#"{"default":1}"#, Some(r#"["noop"]"#)))?;
        queue::enqueue(c, &job("reports", "noop", minutes_ago(1)))?;
        queue::enqueue(c, &job("default", "report.build", minutes_ago(1)))?;
        Ok(())
    })
    .await;
    assert_eq!(
        unserved(db).await,
        (
            1,
            vec![
                row("default", Some("report.build"), 1),
                row("reports", None, 1)
            ]
        )
    );

    exec(db, |c| {
        queue::set_paused(c, "reports", true, "ops", clock::now()).map(|_| ())
    })
    .await;
    exec(db, |c| {
        queue::set_kind_paused(c, "report.build", true, "ops", clock::now()).map(|_| ())
    })
    .await;
    assert_eq!(unserved(db).await, (1, vec![]));
    assert_eq!(
        verdict(db, "reports", "noop").await,
        (Verdict::QueuePaused, None)
    );
    assert_eq!(
        verdict(db, "default", "report.build").await,
        (Verdict::KindPaused, None)
    );
    let served = db
        .run(|c| {
            queue::Coverage::load(c, ALIVE)
                .map(|cov| (cov.serves_queue("default"), cov.serves_queue("reports")))
        })
        .await
        .unwrap();
    assert_eq!(
        served,
        (true, false),
        "a pause does not make a worker serve the queue"
    );

    exec(db, |c| {
        queue::set_paused(c, "reports", false, "ops", clock::now()).map(|_| ())
    })
    .await;
    assert_eq!(unserved(db).await, (1, vec![row("reports", None, 1)]));
}

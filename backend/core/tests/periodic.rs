//! Periodic jobs on PostgreSQL, SQLite and MySQL / MariaDB: a run is enqueued when due and
//! not before, once however many schedulers look at once, never while paused, at once on
//! "run now", and the row tells the last and next run right.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use longjobs_core::periodic::{self, PeriodicDef, PeriodicError, PeriodicJob, Schedule};
use longjobs_core::schema::jobs;
use longjobs_core::testing::TestDb;
use longjobs_core::{Db, JobId, JobState};

longjobs_core::on_every_database! {
    threads = 4;
    a_daily_job_is_enqueued_when_due_and_not_before,
    two_schedulers_at_once_enqueue_one_run,
    a_paused_job_never_runs_and_resumes_at_its_next_time,
    run_now_enqueues_at_once_and_not_while_the_last_run_is_live,
    start_up_brings_the_row_in_line_with_the_settings,
}

const NAME: &str = "test.daily";

fn at(day: u32, h: u32, m: u32, s: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 12, day)
        .unwrap()
        .and_hms_opt(h, m, s)
        .unwrap()
}

fn def(schedule: &str) -> PeriodicDef {
    PeriodicDef {
        name: NAME.into(),
        queue: "periodic-test".into(),
        kind: "noop".into(),
        priority: 100,
        max_attempts: 3,
        schedule: schedule.parse::<Schedule>().unwrap(),
    }
}

async fn ensure(db: &Db, schedule: &str, now: NaiveDateTime) -> PeriodicJob {
    let d = def(schedule);
    db.run(move |c| periodic::ensure(c, &d, "settings", now))
        .await
        .unwrap()
}

async fn row(db: &Db) -> PeriodicJob {
    db.run(|c| periodic::get(c, NAME)).await.unwrap().unwrap()
}

async fn run_due(db: &Db, now: NaiveDateTime) -> Vec<periodic::Fired> {
    db.run(move |c| periodic::run_due(c, now)).await.unwrap()
}

async fn jobs_made(db: &Db) -> Vec<(JobId, JobState)> {
    db.run(|c| {
        jobs::table
            .filter(jobs::queue.eq("periodic-test"))
            .order(jobs::id.asc())
            .select((jobs::id, jobs::state))
            .load::<(JobId, JobState)>(c)
    })
    .await
    .unwrap()
}

async fn finish(db: &Db, id: JobId) {
    db.run(move |c| {
        diesel::update(jobs::table.find(id))
            .set(jobs::state.eq(JobState::Completed))
            .execute(c)
    })
    .await
    .unwrap();
}

async fn a_daily_job_is_enqueued_when_due_and_not_before(t: TestDb) {
    let db = &t.db;
    let created = ensure(db, "daily 03:00", at(2, 1, 0, 0)).await;
    assert_eq!(created.next_run_at, at(2, 3, 0, 0));
    assert_eq!((created.last_run_at, created.last_job_id), (None, None));

    assert!(run_due(db, at(2, 2, 59, 59)).await.is_empty());
    assert!(jobs_made(db).await.is_empty(), "enqueued before it was due");

    let fired = run_due(db, at(2, 3, 0, 0)).await;
    assert_eq!(fired.len(), 1);
    assert!(fired[0].inserted);
    assert_eq!(fired[0].job.kind, "noop");
    assert_eq!(fired[0].job.priority, 100);
    assert_eq!(fired[0].job.max_attempts, 3);
    let made = jobs_made(db).await;
    assert_eq!(made, vec![(fired[0].job.id, JobState::Available)]);

    let after = row(db).await;
    assert_eq!(after.last_run_at, Some(at(2, 3, 0, 0)));
    assert_eq!(after.last_job_id, Some(fired[0].job.id.0));
    assert_eq!(
        after.next_run_at,
        at(3, 3, 0, 0),
        "next run: tomorrow at 03:00"
    );

    // Due again only tomorrow; a worker that was down for days catches up once.
    assert!(run_due(db, at(2, 23, 59, 59)).await.is_empty());
    finish(db, fired[0].job.id).await;
    let late = run_due(db, at(5, 12, 0, 0)).await;
    assert_eq!(late.len(), 1);
    assert_eq!(late[0].due_at, at(3, 3, 0, 0));
    assert_eq!(row(db).await.next_run_at, at(6, 3, 0, 0));
    assert_eq!(jobs_made(db).await.len(), 2);
}

async fn two_schedulers_at_once_enqueue_one_run(t: TestDb) {
    let db = &t.db;
    ensure(db, "daily 03:00", at(2, 1, 0, 0)).await;
    let now = at(2, 3, 0, 5);
    let rounds: Vec<_> = (0..8)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move { db.run(move |c| periodic::run_due(c, now)).await })
        })
        .collect();
    let mut fired = 0;
    for r in rounds {
        fired += r.await.unwrap().unwrap().len();
    }
    assert_eq!(fired, 1, "one of the eight schedulers enqueues the run");
    assert_eq!(jobs_made(db).await.len(), 1);
    assert_eq!(row(db).await.next_run_at, at(3, 3, 0, 0));
}

async fn a_paused_job_never_runs_and_resumes_at_its_next_time(t: TestDb) {
    let db = &t.db;
    ensure(db, "daily 03:00", at(2, 1, 0, 0)).await;
    let paused = db
        .run(|c| Ok(periodic::set_paused(c, NAME, true, "ada", at(2, 2, 0, 0))))
        .await
        .unwrap()
        .unwrap();
    assert!(paused.paused);
    assert_eq!(paused.updated_by, "ada");
    for day in 2..6 {
        assert!(run_due(db, at(day, 3, 0, 0)).await.is_empty());
    }
    assert!(jobs_made(db).await.is_empty(), "a paused job ran");

    let resumed = db
        .run(|c| Ok(periodic::set_paused(c, NAME, false, "ada", at(5, 12, 0, 0))))
        .await
        .unwrap()
        .unwrap();
    assert!(!resumed.paused);
    assert_eq!(
        resumed.next_run_at,
        at(6, 3, 0, 0),
        "the runs missed while paused are not made up at once"
    );
    assert!(run_due(db, at(5, 12, 0, 1)).await.is_empty());
    assert_eq!(run_due(db, at(6, 3, 0, 0)).await.len(), 1);
}

async fn run_now_enqueues_at_once_and_not_while_the_last_run_is_live(t: TestDb) {
    let db = &t.db;
    ensure(db, "daily 03:00", at(2, 1, 0, 0)).await;
    let job = db
        .run(|c| Ok(periodic::run_now(c, NAME, "ada", at(2, 1, 30, 0))))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(jobs_made(db).await, vec![(job.id, JobState::Available)]);
    let r = row(db).await;
    assert_eq!(r.last_run_at, Some(at(2, 1, 30, 0)));
    assert_eq!(r.last_job_id, Some(job.id.0));
    assert_eq!(r.next_run_at, at(2, 3, 0, 0), "the schedule stays");
    assert_eq!(r.updated_by, "ada");

    let again = db
        .run(|c| Ok(periodic::run_now(c, NAME, "ada", at(2, 1, 31, 0))))
        .await
        .unwrap();
    assert!(
        matches!(again, Err(PeriodicError::StillRunning { job: j, .. }) if j == job.id.0),
        "{again:?}"
    );
    // The scheduled run does not start a second one beside the live run either.
    let fired = run_due(db, at(2, 3, 0, 0)).await;
    assert_eq!(fired.len(), 1);
    assert!(!fired[0].inserted);
    assert_eq!(jobs_made(db).await.len(), 1);

    finish(db, job.id).await;
    let next = db
        .run(|c| Ok(periodic::run_now(c, NAME, "ada", at(2, 4, 0, 0))))
        .await
        .unwrap()
        .unwrap();
    assert_ne!(next.id, job.id);
    let missing = db
        .run(|c| Ok(periodic::run_now(c, "nope", "ada", at(2, 4, 0, 0))))
        .await
        .unwrap();
    assert!(matches!(missing, Err(PeriodicError::NotFound(_))));
}

async fn start_up_brings_the_row_in_line_with_the_settings(t: TestDb) {
    let db = &t.db;
    ensure(db, "daily 03:00", at(2, 1, 0, 0)).await;
    db.run(|c| Ok(periodic::set_paused(c, NAME, true, "ada", at(2, 1, 0, 0))))
        .await
        .unwrap()
        .unwrap();
    // A restart with the same settings changes nothing.
    let same = ensure(db, "daily 03:00", at(2, 2, 0, 0)).await;
    assert_eq!(same.next_run_at, at(2, 3, 0, 0));
    assert_eq!(same.updated_by, "ada");
    // A new time of day moves the next run; the operator's pause stays.
    let moved = ensure(db, "daily 04:30", at(2, 5, 0, 0)).await;
    assert_eq!(moved.schedule, "daily 04:30");
    assert_eq!(moved.next_run_at, at(3, 4, 30, 0));
    assert!(moved.paused);
    assert_eq!(moved.updated_by, "settings");
    let listed = db.run(periodic::list).await.unwrap();
    assert_eq!(listed, vec![moved]);
}

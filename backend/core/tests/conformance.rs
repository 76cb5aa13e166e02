//! The queue engine's conformance suite: every test runs on PostgreSQL, SQLite and MySQL /
//! MariaDB.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use std::collections::HashSet;
use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use longjobs_core::clock;
use longjobs_core::db::transaction;
use longjobs_core::job::{ErrorKind, Job, JobId, JobState};
use longjobs_core::queue::{
    self, Action, ActionOutcome, EnqueueRequest, Failure, Retention, WorkerRow,
};
use longjobs_core::testing::TestDb;
use longjobs_core::{Db, DbConn};

longjobs_core::on_every_database! {
    threads = 4;
    concurrent_batches_each_get_back_their_own_jobs_in_request_order,
    every_job_is_claimed_exactly_once_by_concurrent_claimers,
    claims_follow_priority_then_run_at_then_id,
    ordering_key_jobs_run_one_at_a_time_in_id_order,
    a_failed_or_discarded_job_holds_back_its_ordering_key_until_cancelled,
    a_unique_key_returns_the_live_job_instead_of_a_second_one,
    failures_back_off_then_discard_with_a_bounded_history,
    a_paused_queue_is_not_claimed_until_resumed,
    scheduled_jobs_wait_for_their_time,
    expired_leases_are_rescued_and_say_why,
    handed_back_jobs_do_not_spend_an_attempt,
    operator_actions_cancel_retry_and_discard,
    a_heartbeat_renews_leases_and_carries_cancel_requests,
    finished_jobs_are_pruned_after_their_retention,
    a_stale_lease_holder_cannot_complete_a_rescued_job,
    text_search_takes_like_metacharacters_literally,
    pages_in_every_sort_order_hold_each_job_once_in_order,
    a_transaction_inside_another_rolls_back_alone,
}

const OWNER: &str = "test-worker";

fn in_secs(secs: i64) -> NaiveDateTime {
    clock::now() + TimeDelta::seconds(secs)
}

async fn enqueue_all(db: &Db, reqs: Vec<EnqueueRequest>) -> Vec<queue::Enqueued> {
    db.run(move |c| queue::enqueue_many(c, &reqs))
        .await
        .expect("enqueue")
}

async fn claim_at(db: &Db, q: &str, n: usize, owner: &str, now: NaiveDateTime) -> Vec<Job> {
    let (q, owner) = (q.to_string(), owner.to_string());
    db.run(move |c| queue::claim(c, &q, n, &owner, now, now + TimeDelta::seconds(60)))
        .await
        .expect("claim")
}

async fn claim(db: &Db, q: &str, n: usize) -> Vec<Job> {
    claim_at(db, q, n, OWNER, clock::now()).await
}

async fn complete(db: &Db, ids: Vec<JobId>) -> usize {
    db.run(move |c| queue::complete_many(c, OWNER, &ids, clock::now()))
        .await
        .expect("complete")
}

async fn get(db: &Db, id: JobId) -> Job {
    db.run(move |c| fetch(c, id)).await.expect("get job")
}

fn fetch(c: &mut DbConn, id: JobId) -> diesel::QueryResult<Job> {
    use diesel::prelude::*;
    use longjobs_core::schema::jobs;
    jobs::table.find(id).select(Job::as_select()).first(c)
}

fn ids(jobs: &[Job]) -> Vec<JobId> {
    jobs.iter().map(|j| j.id).collect()
}

fn noop(queue: &str) -> EnqueueRequest {
    EnqueueRequest::new(queue, "noop")
}

/// Three batches enqueued at once: each answer's jobs are that batch's, in request order,
/// with their own payloads (on MariaDB this checks reading a multi-row INSERT's ids back).
async fn concurrent_batches_each_get_back_their_own_jobs_in_request_order(t: TestDb) {
    const N: usize = 2_500;
    let mut tasks = Vec::new();
    for b in 0..3 {
        let db = t.db.clone();
        tasks.push(tokio::spawn(async move {
            let reqs: Vec<_> = (0..N)
                .map(|i| noop("batches").payload(serde_json::json!({ "b": b, "i": i })))
                .collect();
            (b, enqueue_all(&db, reqs).await)
        }));
    }
    let mut all = std::collections::HashSet::new();
    for task in tasks {
        let (b, got) = task.await.unwrap();
        assert_eq!(got.len(), N);
        for (i, e) in got.iter().enumerate() {
            assert!(e.inserted);
            assert_eq!(
                e.job.payload,
                serde_json::json!({ "b": b, "i": i }).to_string(),
                "batch {b}, request {i} got job #{}",
                e.job.id.0
            );
            assert!(all.insert(e.job.id), "job #{} answered twice", e.job.id.0);
        }
        assert!(got.windows(2).all(|w| w[0].job.id < w[1].job.id));
    }
}

async fn every_job_is_claimed_exactly_once_by_concurrent_claimers(t: TestDb) {
    const N: usize = 3_000;
    let reqs = (0..N)
        .map(|i| noop("bulk").payload(serde_json::json!({ "i": i })))
        .collect();
    let enqueued = enqueue_all(&t.db, reqs).await;
    assert_eq!(enqueued.len(), N);
    assert!(enqueued.iter().all(|e| e.inserted));

    let mut tasks = Vec::new();
    for w in 0..4 {
        let db = t.db.clone();
        tasks.push(tokio::spawn(async move {
            let owner = format!("claimer-{w}");
            let mut mine = Vec::new();
            loop {
                let got = claim_at(&db, "bulk", 50, &owner, clock::now()).await;
                if got.is_empty() {
                    break;
                }
                let got_ids = ids(&got);
                let (o, g) = (owner.clone(), got_ids.clone());
                let done = db
                    .run(move |c| queue::complete_many(c, &o, &g, clock::now()))
                    .await
                    .expect("complete");
                assert_eq!(done, got_ids.len(), "a claimed job could not be completed");
                mine.extend(got_ids);
            }
            mine
        }));
    }
    let mut all = Vec::new();
    let mut per_worker = Vec::new();
    for task in tasks {
        let mine = task.await.expect("claimer");
        per_worker.push(mine.len());
        all.extend(mine);
    }
    let unique: HashSet<_> = all.iter().copied().collect();
    assert_eq!(all.len(), N, "claims per worker: {per_worker:?}");
    assert_eq!(unique.len(), N, "a job was claimed twice");
    let expected: HashSet<_> = enqueued.iter().map(|e| e.job.id).collect();
    assert_eq!(unique, expected);
    for id in [enqueued[0].job.id, enqueued[N - 1].job.id] {
        let job = get(&t.db, id).await;
        assert_eq!((job.state, job.attempt), (JobState::Completed, 1));
        assert!(job.finished_at.is_some() && job.lease_owner.is_none());
    }
}

async fn claims_follow_priority_then_run_at_then_id(t: TestDb) {
    let base = in_secs(-100);
    let e = enqueue_all(
        &t.db,
        vec![
            noop("order").run_at(base + TimeDelta::seconds(2)),
            noop("order").run_at(base + TimeDelta::seconds(1)),
            noop("order")
                .priority(5)
                .run_at(base + TimeDelta::seconds(3)),
            noop("order").run_at(base + TimeDelta::seconds(1)),
            noop("other").priority(100),
        ],
    )
    .await;
    let got = claim(&t.db, "order", 10).await;
    let order: Vec<JobId> = ids(&got);
    assert_eq!(
        order,
        vec![e[2].job.id, e[1].job.id, e[3].job.id, e[0].job.id],
        "priority desc, then run_at, then id; other queues untouched"
    );
    assert!(
        got.iter()
            .all(|j| j.state == JobState::Running && j.attempt == 1)
    );
    assert_eq!(get(&t.db, e[4].job.id).await.state, JobState::Available);
}

async fn ordering_key_jobs_run_one_at_a_time_in_id_order(t: TestDb) {
    let mut reqs = Vec::new();
    for i in 0..4 {
        reqs.push(
            noop("ord")
                .ordering_key("dataset-1/data")
                .payload(serde_json::json!({ "a": i })),
        );
        reqs.push(
            noop("ord")
                .ordering_key("dataset-2/data")
                .payload(serde_json::json!({ "b": i })),
        );
    }
    // A later job with a higher priority still waits for its predecessors.
    reqs.push(noop("ord").ordering_key("dataset-1/data").priority(50));
    reqs.push(noop("ord"));
    let e = enqueue_all(&t.db, reqs).await;
    let a: Vec<JobId> = [0, 2, 4, 6, 8].iter().map(|&i| e[i].job.id).collect();
    let b: Vec<JobId> = [1, 3, 5, 7].iter().map(|&i| e[i].job.id).collect();

    let mut ran_a = Vec::new();
    let mut ran_b = Vec::new();
    let mut rounds = 0;
    loop {
        rounds += 1;
        assert!(rounds < 20, "ordering never finished");
        let got = claim(&t.db, "ord", 100).await;
        if got.is_empty() {
            break;
        }
        let in_a = got.iter().filter(|j| a.contains(&j.id)).count();
        let in_b = got.iter().filter(|j| b.contains(&j.id)).count();
        assert!(
            in_a <= 1 && in_b <= 1,
            "two jobs of one ordering key ran at once: {:?}",
            ids(&got)
        );
        // While claimed, nothing more of either key is runnable.
        assert!(
            claim(&t.db, "ord", 100)
                .await
                .iter()
                .all(|j| j.ordering_key.is_none())
        );
        ran_a.extend(got.iter().filter(|j| a.contains(&j.id)).map(|j| j.id));
        ran_b.extend(got.iter().filter(|j| b.contains(&j.id)).map(|j| j.id));
        complete(&t.db, ids(&got)).await;
    }
    assert_eq!(ran_a, a, "dataset-1 ran out of id order");
    assert_eq!(ran_b, b, "dataset-2 ran out of id order");
}

async fn a_failed_or_discarded_job_holds_back_its_ordering_key_until_cancelled(t: TestDb) {
    let e = enqueue_all(
        &t.db,
        vec![
            noop("hold").ordering_key("k").max_attempts(2),
            noop("hold").ordering_key("k"),
        ],
    )
    .await;
    let (first, second) = (e[0].job.id, e[1].job.id);
    let got = claim(&t.db, "hold", 10).await;
    assert_eq!(ids(&got), vec![first]);

    // First attempt fails: retryable in the future, the second still waits.
    let failures = vec![(
        got[0].clone(),
        Failure::Retry {
            error: "boom".into(),
            retry_at: in_secs(3600),
        },
    )];
    t.db.run(move |c| queue::record_failures(c, OWNER, &failures, clock::now()))
        .await
        .unwrap();
    assert!(
        claim(&t.db, "hold", 10).await.is_empty(),
        "a later job overtook a retryable one"
    );

    // Second attempt (an hour later) fails too: out of attempts, discarded — still blocks.
    let got = claim_at(&t.db, "hold", 10, OWNER, in_secs(3700)).await;
    assert_eq!(ids(&got), vec![first]);
    let failures = vec![(
        got[0].clone(),
        Failure::Retry {
            error: "boom again".into(),
            retry_at: in_secs(7200),
        },
    )];
    t.db.run(move |c| queue::record_failures(c, OWNER, &failures, clock::now()))
        .await
        .unwrap();
    assert_eq!(get(&t.db, first).await.state, JobState::Discarded);
    assert!(
        claim_at(&t.db, "hold", 10, OWNER, in_secs(9000))
            .await
            .is_empty()
    );
    assert_eq!(
        get(&t.db, second).await.state,
        JobState::Available,
        "the waiting job must not fail"
    );

    // The operator cancels the discarded job: the next one runs.
    let out =
        t.db.run(move |c| queue::apply_action(c, Action::Cancel, &[first], "ops", clock::now()))
            .await
            .unwrap();
    assert_eq!(
        out[0].1,
        ActionOutcome::Done {
            state: JobState::Cancelled
        }
    );
    assert_eq!(ids(&claim(&t.db, "hold", 10).await), vec![second]);
}

async fn a_unique_key_returns_the_live_job_instead_of_a_second_one(t: TestDb) {
    let first = enqueue_all(&t.db, vec![noop("u").unique_key("copy-7")]).await;
    assert!(first[0].inserted);
    // Alone, and inside a batch that repeats the key and adds other jobs.
    let again = enqueue_all(
        &t.db,
        vec![
            noop("u").unique_key("copy-8"),
            noop("u").unique_key("copy-7"),
            noop("u"),
            noop("u").unique_key("copy-8"),
        ],
    )
    .await;
    assert_eq!(again[1].job.id, first[0].job.id);
    assert!(!again[1].inserted);
    assert!(again[0].inserted && again[2].inserted);
    assert_eq!(again[3].job.id, again[0].job.id);
    assert!(!again[3].inserted);
    let count = t.db.run(count_jobs).await.unwrap();
    assert_eq!(count, 3, "a duplicate created a second job");

    // Once the holder has finished, the key is free again.
    let got = claim(&t.db, "u", 10).await;
    complete(&t.db, ids(&got)).await;
    let later = enqueue_all(&t.db, vec![noop("u").unique_key("copy-7")]).await;
    assert!(later[0].inserted);
    assert_ne!(later[0].job.id, first[0].job.id);
}

fn count_jobs(c: &mut DbConn) -> diesel::QueryResult<i64> {
    use diesel::prelude::*;
    use longjobs_core::schema::jobs;
    jobs::table.count().get_result(c)
}

async fn failures_back_off_then_discard_with_a_bounded_history(t: TestDb) {
    let e = enqueue_all(&t.db, vec![noop("f").max_attempts(3)]).await;
    let id = e[0].job.id;
    let mut now = clock::now();
    for attempt in 1..=3 {
        let got = claim_at(&t.db, "f", 1, OWNER, now).await;
        assert_eq!(ids(&got), vec![id], "attempt {attempt} was not claimable");
        assert_eq!(got[0].attempt, attempt);
        let retry_at = now + TimeDelta::seconds(60 * i64::from(attempt));
        let failures = vec![(
            got[0].clone(),
            Failure::Retry {
                error: format!("failure {attempt}"),
                retry_at,
            },
        )];
        t.db.run(move |c| queue::record_failures(c, OWNER, &failures, now))
            .await
            .unwrap();
        let job = get(&t.db, id).await;
        if attempt < 3 {
            assert_eq!(job.state, JobState::Retryable);
            assert_eq!(job.run_at, retry_at);
            assert!(
                claim_at(&t.db, "f", 1, OWNER, retry_at - TimeDelta::seconds(1))
                    .await
                    .is_empty(),
                "ran before its backoff"
            );
            now = retry_at;
        } else {
            assert_eq!(job.state, JobState::Discarded);
            assert!(job.finished_at.is_some());
        }
    }
    let job = get(&t.db, id).await;
    assert_eq!(job.last_error.as_deref(), Some("failure 3"));
    let history = job.error_history();
    assert_eq!(
        history.iter().map(|h| h.attempt).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert!(
        history
            .iter()
            .all(|h| h.kind == ErrorKind::Error && h.worker.as_deref() == Some(OWNER))
    );

    // A permanent failure discards at once; the history never grows past its bound.
    let e = enqueue_all(&t.db, vec![noop("f").max_attempts(100)]).await;
    let mut job = e[0].job.clone();
    for i in 0..(longjobs_core::job::ERROR_HISTORY_LIMIT + 5) {
        job.errors = job.errors_with(longjobs_core::job::ErrorEntry::new(
            clock::now(),
            i as i32,
            ErrorKind::Error,
            "x",
        ));
    }
    assert_eq!(
        job.error_history().len(),
        longjobs_core::job::ERROR_HISTORY_LIMIT
    );
    let got = claim(&t.db, "f", 1).await;
    let failures = vec![(
        got[0].clone(),
        Failure::Discard {
            error: "HTTP 400: bad metadata".into(),
        },
    )];
    t.db.run(move |c| queue::record_failures(c, OWNER, &failures, clock::now()))
        .await
        .unwrap();
    assert_eq!(get(&t.db, e[0].job.id).await.state, JobState::Discarded);
}

async fn a_paused_queue_is_not_claimed_until_resumed(t: TestDb) {
    enqueue_all(&t.db, vec![noop("p"), noop("p"), noop("q")]).await;
    let s =
        t.db.run(|c| queue::set_paused(c, "p", true, "ops", clock::now()))
            .await
            .unwrap();
    assert!(s.paused && s.paused_by.as_deref() == Some("ops"));
    assert!(claim(&t.db, "p", 10).await.is_empty());
    assert_eq!(
        claim(&t.db, "q", 10).await.len(),
        1,
        "pausing one queue stopped another"
    );
    let listed = t.db.run(queue::list_settings).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].paused);
    t.db.run(|c| queue::set_paused(c, "p", false, "ops", clock::now()))
        .await
        .unwrap();
    assert_eq!(claim(&t.db, "p", 10).await.len(), 2);
}

async fn scheduled_jobs_wait_for_their_time(t: TestDb) {
    let e = enqueue_all(&t.db, vec![noop("s").run_at(in_secs(3600))]).await;
    assert_eq!(e[0].job.state, JobState::Scheduled);
    assert!(claim(&t.db, "s", 10).await.is_empty());
    let promoted =
        t.db.run(|c| queue::promote_due(c, clock::now()))
            .await
            .unwrap();
    assert_eq!(promoted, 0);
    let promoted =
        t.db.run(|c| queue::promote_due(c, in_secs(3601)))
            .await
            .unwrap();
    assert_eq!(promoted, 1);
    assert_eq!(get(&t.db, e[0].job.id).await.state, JobState::Available);
    assert_eq!(
        claim_at(&t.db, "s", 10, OWNER, in_secs(3601)).await.len(),
        1
    );
}

async fn expired_leases_are_rescued_and_say_why(t: TestDb) {
    let e = enqueue_all(&t.db, vec![noop("r"), noop("r").max_attempts(1), noop("r")]).await;
    let now = clock::now();
    // Two jobs under a lease that has already run out, one under a live lease.
    let db = t.db.clone();
    let dead = db
        .run(move |c| queue::claim(c, "r", 2, "dead-worker", now, now - TimeDelta::seconds(1)))
        .await
        .unwrap();
    assert_eq!(dead.len(), 2);
    let alive = claim(&t.db, "r", 1).await;
    assert_eq!(alive.len(), 1);

    let rescued =
        t.db.run(|c| queue::rescue_expired(c, clock::now()))
            .await
            .unwrap();
    assert_eq!(ids(&rescued), ids(&dead));
    let retry = get(&t.db, e[0].job.id).await;
    assert_eq!(retry.state, JobState::Retryable);
    assert!(retry.lease_owner.is_none());
    let entry = retry.error_history().pop().expect("a history entry");
    assert_eq!(entry.kind, ErrorKind::Rescued);
    assert!(entry.message.contains("dead-worker"), "{}", entry.message);
    assert_eq!(
        get(&t.db, e[1].job.id).await.state,
        JobState::Discarded,
        "no attempts left"
    );
    assert_eq!(
        get(&t.db, e[2].job.id).await.state,
        JobState::Running,
        "a live lease was rescued"
    );
    // The rescued job runs again as its second attempt.
    let again = claim(&t.db, "r", 10).await;
    assert_eq!(ids(&again), vec![e[0].job.id]);
    assert_eq!(again[0].attempt, 2);
}

async fn handed_back_jobs_do_not_spend_an_attempt(t: TestDb) {
    let e = enqueue_all(&t.db, vec![noop("h"), noop("h")]).await;
    let got = claim(&t.db, "h", 2).await;
    let held = got.clone();
    let n =
        t.db.run(move |c| {
            queue::hand_back(
                c,
                OWNER,
                &held,
                "worker shut down before the job finished",
                clock::now(),
            )
        })
        .await
        .unwrap();
    assert_eq!(n, 2);
    for en in &e {
        let job = get(&t.db, en.job.id).await;
        assert_eq!((job.state, job.attempt), (JobState::Available, 0));
        let entry = job.error_history().pop().expect("a note");
        assert_eq!(entry.kind, ErrorKind::HandedBack);
        assert!(entry.message.contains("shut down"));
    }
    assert_eq!(
        claim(&t.db, "h", 2)
            .await
            .iter()
            .map(|j| j.attempt)
            .collect::<Vec<_>>(),
        vec![1, 1]
    );
}

async fn operator_actions_cancel_retry_and_discard(t: TestDb) {
    let e = enqueue_all(
        &t.db,
        vec![noop("a"), noop("a"), noop("a").unique_key("only-one")],
    )
    .await;
    let (waiting, running, unique) = (e[0].job.id, e[1].job.id, e[2].job.id);
    // Claim exactly the second job by cancelling the first around it.
    let apply = |action, ids: Vec<JobId>| {
        let db = t.db.clone();
        async move {
            db.run(move |c| queue::apply_action(c, action, &ids, "ops", clock::now()))
                .await
                .unwrap()
        }
    };
    let out = apply(Action::Discard, vec![waiting]).await;
    assert_eq!(
        out[0].1,
        ActionOutcome::Done {
            state: JobState::Discarded
        }
    );
    let got = claim(&t.db, "a", 1).await;
    assert_eq!(ids(&got), vec![running]);

    let out = apply(Action::Cancel, vec![running, JobId(999_999)]).await;
    assert_eq!(out[0].1, ActionOutcome::CancelRequested);
    assert_eq!(out[1].1, ActionOutcome::NotFound);
    assert!(get(&t.db, running).await.cancel_requested);

    let out = apply(Action::Discard, vec![running]).await;
    assert!(matches!(&out[0].1, ActionOutcome::Refused { reason } if reason.contains("running")));

    // Retry the discarded one: available again, history says who.
    let out = apply(Action::Retry, vec![waiting]).await;
    assert_eq!(
        out[0].1,
        ActionOutcome::Done {
            state: JobState::Available
        }
    );
    let job = get(&t.db, waiting).await;
    assert!(job.finished_at.is_none());
    assert!(
        job.error_history()
            .iter()
            .any(|h| h.kind == ErrorKind::Operator && h.message.contains("retried by ops"))
    );
    let out = apply(Action::Retry, vec![waiting]).await;
    assert!(
        matches!(&out[0].1, ActionOutcome::Refused { reason } if reason.contains("already available"))
    );

    // Retrying a job whose unique key a newer live job holds is refused, not an error.
    assert_eq!(
        apply(Action::Cancel, vec![unique]).await[0].1,
        ActionOutcome::Done {
            state: JobState::Cancelled
        }
    );
    let newer = enqueue_all(&t.db, vec![noop("a").unique_key("only-one")]).await;
    assert!(newer[0].inserted);
    let out = apply(Action::Retry, vec![unique]).await;
    assert!(
        matches!(&out[0].1, ActionOutcome::Refused { reason } if reason.contains("unique key")),
        "{out:?}"
    );
    assert_eq!(get(&t.db, unique).await.state, JobState::Cancelled);
}

async fn a_heartbeat_renews_leases_and_carries_cancel_requests(t: TestDb) {
    let now = clock::now();
    let row = WorkerRow {
        id: OWNER.into(),
        host: "test-host".into(),
        pid: 1,
        queues: "{}".into(),
        kinds: None,
        started_at: now,
        heartbeat_at: now,
        stopped_at: None,
    };
    t.db.run(move |c| queue::register_worker(c, &row))
        .await
        .unwrap();
    enqueue_all(&t.db, vec![noop("hb"), noop("hb")]).await;
    let got = claim(&t.db, "hb", 2).await;
    let target = got[1].id;
    t.db.run(move |c| queue::apply_action(c, Action::Cancel, &[target], "ops", clock::now()))
        .await
        .unwrap();
    let until = in_secs(600);
    let hb =
        t.db.run(move |c| queue::heartbeat(c, OWNER, clock::now(), until))
            .await
            .unwrap();
    assert_eq!(hb.renewed, 2);
    assert_eq!(hb.cancel_requested, vec![target]);
    assert_eq!(get(&t.db, got[0].id).await.lease_expires_at, Some(until));
    let workers =
        t.db.run(|c| queue::list_workers(c, Duration::from_secs(30)))
            .await
            .unwrap();
    assert_eq!(workers.len(), 1);
    assert_eq!(workers[0].running_jobs, 2);
    assert!(workers[0].alive);
    t.db.run(|c| queue::mark_stopped(c, OWNER, clock::now()))
        .await
        .unwrap();
    let workers =
        t.db.run(|c| queue::list_workers(c, Duration::from_secs(30)))
            .await
            .unwrap();
    assert!(!workers[0].alive);
}

async fn finished_jobs_are_pruned_after_their_retention(t: TestDb) {
    enqueue_all(&t.db, vec![noop("pr"), noop("pr"), noop("pr")]).await;
    let got = claim(&t.db, "pr", 2).await;
    complete(&t.db, ids(&got)).await;
    let retention = Retention {
        completed: Duration::from_secs(3600),
        ..Retention::default()
    };
    let n =
        t.db.run(move |c| queue::prune(c, &retention, clock::now()))
            .await
            .unwrap();
    assert_eq!(n, 0, "pruned before the retention passed");
    let n =
        t.db.run(move |c| queue::prune(c, &retention, in_secs(3601)))
            .await
            .unwrap();
    assert_eq!(n, 2);
    assert_eq!(
        t.db.run(count_jobs).await.unwrap(),
        1,
        "an unfinished job was pruned"
    );
}

async fn a_stale_lease_holder_cannot_complete_a_rescued_job(t: TestDb) {
    enqueue_all(&t.db, vec![noop("st")]).await;
    let now = clock::now();
    let got = t
        .db
        .run(move |c| queue::claim(c, "st", 1, "slow-worker", now, now - TimeDelta::seconds(1)))
        .await
        .unwrap();
    t.db.run(|c| queue::rescue_expired(c, clock::now()))
        .await
        .unwrap();
    let again = claim(&t.db, "st", 1).await;
    assert_eq!(ids(&again), ids(&got));
    let id = got[0].id;
    let done =
        t.db.run(move |c| queue::complete_many(c, "slow-worker", &[id], clock::now()))
            .await
            .unwrap();
    assert_eq!(done, 0, "the old holder completed a job it no longer holds");
    assert_eq!(complete(&t.db, vec![id]).await, 1);
}

#[tokio::test]
async fn a_refused_postgres_connection_is_reported_as_itself() {
    let err = Db::connect("postgres://nobody@127.0.0.1:1/none")
        .await
        .err()
        .expect("no server on port 1");
    // The message with its causes, as the binaries print it.
    let mut msg = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        msg.push_str(&format!(": {s}"));
        source = s.source();
    }
    assert!(err.is_unavailable(), "{msg}");
    assert!(
        msg.contains("127.0.0.1") && msg.to_lowercase().contains("refused"),
        "{msg}"
    );
}

#[tokio::test]
async fn a_bad_url_is_refused_instead_of_becoming_a_sqlite_file() {
    let err = Db::connect("postgress://u@h/db")
        .await
        .err()
        .expect("bad scheme");
    assert!(
        err.to_string().contains("unsupported database URL scheme"),
        "{err}"
    );
}

#[tokio::test]
async fn migrations_report_up_to_date_after_running() {
    let t = TestDb::sqlite().await.unwrap();
    assert!(t.db.migrations_up_to_date().await.unwrap());
    assert!(
        t.db.migrate().await.unwrap().is_empty(),
        "a second run applied something"
    );
}

/// `%`, `_` and `\` in a text search are plain characters on every backend (MySQL and
/// MariaDB also read `\` as an escape in LIKE patterns unless told otherwise).
async fn text_search_takes_like_metacharacters_literally(t: TestDb) {
    let made = enqueue_all(
        &t.db,
        vec![
            noop("lit").payload(serde_json::json!({ "note": "50%_off" })),
            // What `50%_off` matches when `%` and `_` are wildcards.
            noop("lit").payload(serde_json::json!({ "note": "50xyoff" })),
            // Stored as JSON text: `a\\b`, two backslashes.
            noop("lit").payload(serde_json::json!({ "note": "a\\b" })),
            noop("lit").payload(serde_json::json!({ "note": "ab" })),
        ],
    )
    .await;
    let id = |i: usize| made[i].job.id;
    for (text, expected) in [
        ("50%_off", vec![id(0)]),
        ("%", vec![id(0)]),
        ("_", vec![id(0)]),
        ("\\", vec![id(2)]),
        ("a\\\\b", vec![id(2)]),
        ("a\\b", vec![]),
    ] {
        let filter = queue::JobFilter {
            queue: Some("lit".into()),
            text: Some(text.to_string()),
            ..Default::default()
        };
        let (page, n) =
            t.db.run(move |c| {
                let page = queue::list_jobs(c, &filter, queue::SortKey::Id, false, None, 50)?;
                let n = queue::count_jobs(c, &filter)?;
                Ok((page, n))
            })
            .await
            .unwrap();
        assert_eq!(ids(&page.jobs), expected, "jobs containing {text:?}");
        assert_eq!(
            n,
            expected.len() as i64,
            "count of jobs containing {text:?}"
        );
    }
}

/// Keyset paging, two jobs a page, in every sort order both ways: the pages together hold
/// every job once, in (sort value, id) order; ties on the sort value straddle page ends.
async fn pages_in_every_sort_order_hold_each_job_once_in_order(t: TestDb) {
    let at = in_secs(60);
    let reqs: Vec<EnqueueRequest> = (0..7)
        .map(|i| {
            noop("pages")
                .priority(i % 2)
                .run_at(at + TimeDelta::seconds(i64::from(i / 3)))
        })
        .collect();
    let made: Vec<Job> = enqueue_all(&t.db, reqs)
        .await
        .into_iter()
        .map(|e| e.job)
        .collect();
    for sort in [
        queue::SortKey::Id,
        queue::SortKey::CreatedAt,
        queue::SortKey::RunAt,
        queue::SortKey::Priority,
    ] {
        for descending in [false, true] {
            let mut expected = made.clone();
            expected.sort_by_key(|j| match sort {
                queue::SortKey::Id => (0, None, j.id),
                queue::SortKey::CreatedAt => (0, Some(j.created_at), j.id),
                queue::SortKey::RunAt => (0, Some(j.run_at), j.id),
                queue::SortKey::Priority => (j.priority, None, j.id),
            });
            if descending {
                expected.reverse();
            }
            let mut seen = Vec::new();
            let mut cursor: Option<queue::Cursor> = None;
            loop {
                let filter = queue::JobFilter {
                    queue: Some("pages".into()),
                    ..Default::default()
                };
                let at = cursor.clone();
                let page = t
                    .db
                    .run(move |c| queue::list_jobs(c, &filter, sort, descending, at.as_ref(), 2))
                    .await
                    .unwrap();
                assert!(page.jobs.len() <= 2);
                seen.extend(page.jobs);
                match page.next {
                    Some(next) => cursor = Some(next),
                    None => break,
                }
            }
            assert_eq!(
                ids(&seen),
                ids(&expected),
                "{sort:?}, descending: {descending}"
            );
        }
    }
    let refused =
        t.db.run(|c| {
            let wrong = queue::Cursor::Id(JobId(1));
            queue::list_jobs(
                c,
                &queue::JobFilter::default(),
                queue::SortKey::RunAt,
                false,
                Some(&wrong),
                2,
            )
        })
        .await;
    assert!(
        refused.is_err(),
        "a cursor of another sort order is refused"
    );
}

/// A transaction opened inside another (on SQLite too, whose outer one holds the write
/// lock) is a savepoint: it commits with the outer one, and its failure undoes its own
/// writes only.
async fn a_transaction_inside_another_rolls_back_alone(t: TestDb) {
    let filter = queue::JobFilter {
        queue: Some("nested".into()),
        ..Default::default()
    };
    let n =
        t.db.run(move |c| {
            transaction(c, |c| {
                queue::enqueue(c, &noop("nested"))?;
                transaction(c, |c| queue::enqueue(c, &noop("nested")))?;
                let failed = transaction(c, |c| {
                    queue::enqueue(c, &noop("nested"))?;
                    Err::<(), _>(diesel::result::Error::RollbackTransaction)
                });
                assert!(failed.is_err());
                queue::count_jobs(c, &filter)
            })
        })
        .await
        .unwrap();
    assert_eq!(
        n, 2,
        "the outer job and the committed inner one stay, the failed one is gone"
    );
}

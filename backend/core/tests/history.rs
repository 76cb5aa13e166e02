//! The history of finished jobs on PostgreSQL, SQLite and MySQL / MariaDB: minute and hour
//! rows match the jobs they came from (a generated run compared with a naive count), the
//! roll-up counts each job once however many workers run it, the numbers outlive the pruned
//! job rows (and the pruner waits for the roll-up), and rows older than the retention go.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DurationRound, NaiveDateTime, TimeDelta};
use longjobs_core::history::{self, Aggregate, HOUR, MINUTE, SeriesQuery};
use longjobs_core::queue::{self, EnqueueRequest, Failure, Retention};
use longjobs_core::testing::TestDb;
use longjobs_core::{Db, JobState, clock};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

longjobs_core::on_every_database! {
    threads = 4;
    generated_jobs_roll_up_to_what_a_naive_count_says,
    two_workers_rolling_up_at_once_count_each_job_once,
    the_history_outlives_pruned_jobs_and_the_pruner_waits_for_it,
    rows_older_than_the_retention_are_dropped,
}

const OWNER: &str = "history-test";

fn ms(n: i64) -> TimeDelta {
    TimeDelta::milliseconds(n)
}

/// One job as the test means it to happen.
#[derive(Debug, Clone)]
struct Planned {
    queue: String,
    kind: String,
    run_at: NaiveDateTime,
    /// Milliseconds between due and the (last) attempt's start.
    wait_ms: i64,
    /// Milliseconds the last attempt ran.
    run_ms: i64,
    outcome: JobState,
    /// Failed attempts before the last one.
    retries: i32,
}

impl Planned {
    fn finished_at(&self) -> NaiveDateTime {
        self.last_run_at() + ms(self.wait_ms) + ms(self.run_ms)
    }
    /// When the last attempt became due (after its retries).
    fn last_run_at(&self) -> NaiveDateTime {
        self.run_at + TimeDelta::seconds(30 * i64::from(self.retries))
    }
}

/// Drives one job through the real queue: enqueue, claim, fail `retries` times, then
/// complete, discard or cancel, at the planned times. Each job has its queue to itself
/// while it runs, so the claim takes it.
async fn run(db: &Db, p: Planned) {
    db.run(move |c| {
        let req = EnqueueRequest::new(p.queue.clone(), p.kind.clone())
            .run_at(p.run_at)
            .max_attempts(p.retries + 1);
        queue::enqueue_many(c, &[req])?;
        let mut due = p.run_at;
        for i in 0..=p.retries {
            let last = i == p.retries;
            let start = if last {
                due + ms(p.wait_ms)
            } else {
                due + ms(5)
            };
            let got = queue::claim(c, &p.queue, 1, OWNER, start, start + TimeDelta::hours(2))?;
            assert_eq!(got.len(), 1, "claim of {p:?}");
            let job = got.into_iter().next().unwrap();
            if !last {
                due = p.run_at + TimeDelta::seconds(30 * i64::from(i + 1));
                let f = Failure::Retry {
                    error: "try again".into(),
                    retry_at: due,
                };
                queue::record_failures(c, OWNER, &[(job, f)], start + ms(10))?;
                continue;
            }
            let end = start + ms(p.run_ms);
            let n = match p.outcome {
                JobState::Completed => queue::complete_many(c, OWNER, &[job.id], end)?,
                JobState::Discarded => {
                    let f = Failure::Discard { error: "no".into() };
                    queue::record_failures(c, OWNER, &[(job, f)], end)?
                }
                _ => {
                    let f = Failure::Cancel {
                        reason: "stop".into(),
                    };
                    queue::record_failures(c, OWNER, &[(job, f)], end)?
                }
            };
            assert_eq!(n, 1);
        }
        Ok::<_, diesel::result::Error>(())
    })
    .await
    .unwrap();
}

/// The naive answer: per bucket, counts and sorted durations of the planned jobs.
#[derive(Debug, Default)]
struct Naive {
    completed: i64,
    discarded: i64,
    cancelled: i64,
    failed_attempts: i64,
    run: Vec<i64>,
    wait: Vec<i64>,
}

fn naive(plan: &[Planned], span: i32, queue: Option<&str>) -> BTreeMap<NaiveDateTime, Naive> {
    let mut out: BTreeMap<NaiveDateTime, Naive> = BTreeMap::new();
    for p in plan.iter().filter(|p| queue.is_none_or(|q| p.queue == q)) {
        let n = out
            .entry(history::bucket_start(p.finished_at(), span))
            .or_default();
        match p.outcome {
            JobState::Completed => {
                n.completed += 1;
                n.failed_attempts += i64::from(p.retries);
            }
            JobState::Discarded => {
                n.discarded += 1;
                n.failed_attempts += i64::from(p.retries) + 1;
            }
            _ => n.cancelled += 1,
        }
        if p.outcome != JobState::Cancelled {
            n.run.push(p.run_ms);
            n.wait.push(p.wait_ms);
        }
    }
    for n in out.values_mut() {
        n.run.sort_unstable();
        n.wait.sort_unstable();
    }
    out
}

/// Nearest rank: the ⌈q·n⌉-th smallest.
fn rank(sorted: &[i64], q: f64) -> i64 {
    let r = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[r - 1]
}

fn assert_matches(at: NaiveDateTime, got: &Aggregate, want: &Naive) {
    assert_eq!(got.completed, want.completed, "completed at {at}");
    assert_eq!(got.discarded, want.discarded, "discarded at {at}");
    assert_eq!(got.cancelled, want.cancelled, "cancelled at {at}");
    assert_eq!(
        got.failed_attempts, want.failed_attempts,
        "failed attempts at {at}"
    );
    for (what, h, sorted) in [
        ("run", &got.run, &want.run),
        ("wait", &got.wait, &want.wait),
    ] {
        assert_eq!(h.count, sorted.len() as i64, "{what} samples at {at}");
        if sorted.is_empty() {
            continue;
        }
        assert_eq!(h.max_ms, *sorted.last().unwrap(), "{what} max at {at}");
        assert_eq!(h.sum_ms, sorted.iter().sum::<i64>(), "{what} sum at {at}");
        for q in [0.5, 0.95, 0.99] {
            let truth = rank(sorted, q);
            let p = h.quantile(q).unwrap();
            assert!(
                truth <= p && p as f64 <= truth as f64 * 2f64.powf(1.0 / 8.0) + 1.0,
                "{what} p{} at {at}: {p} ms read, {truth} ms true",
                q * 100.0
            );
        }
    }
}

/// A whole minute, `hours` before now.
fn hours_ago(hours: i64) -> NaiveDateTime {
    (clock::now() - TimeDelta::hours(hours))
        .duration_trunc(TimeDelta::minutes(1))
        .unwrap()
}

fn plan(rng: &mut StdRng, n: usize, base: NaiveDateTime, spread_secs: i64) -> Vec<Planned> {
    (0..n)
        .map(|i| {
            let outcome = match rng.random_range(0..10) {
                0..=5 => JobState::Completed,
                6..=8 => JobState::Discarded,
                _ => JobState::Cancelled,
            };
            Planned {
                // A queue per job keeps each claim to its own job.
                queue: format!("hist-{i}"),
                kind: ["copy", "report"][i % 2].to_string(),
                run_at: base + TimeDelta::seconds(rng.random_range(0..spread_secs)),
                // Log-spread durations: 0 ms to about 10 minutes.
                wait_ms: (rng.random_range(0.0..20.0f64)).exp2() as i64 - 1,
                run_ms: (rng.random_range(0.0..19.0f64)).exp2() as i64 - 1,
                outcome,
                retries: rng.random_range(0..3),
            }
        })
        .collect()
}

async fn series(
    db: &Db,
    span: i32,
    from: NaiveDateTime,
    to: NaiveDateTime,
    queue: Option<String>,
) -> Vec<(NaiveDateTime, Aggregate)> {
    let q = SeriesQuery {
        span_secs: span,
        from,
        to,
        queue,
        kind: None,
    };
    db.run(move |c| history::series(c, &q)).await.unwrap()
}

/// 400 jobs at random times over three hours, random outcomes, retries and durations:
/// every minute and hour row, all queues merged and one queue alone, says what a naive
/// count of the planned jobs says; percentiles within the histogram's 9 %.
async fn generated_jobs_roll_up_to_what_a_naive_count_says(t: TestDb) {
    let seed = std::env::var("HISTORY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    eprintln!("seed {seed} (HISTORY_SEED reruns it)");
    let mut rng = StdRng::seed_from_u64(seed);
    let base = hours_ago(5).duration_trunc(TimeDelta::hours(1)).unwrap();
    let plan = plan(&mut rng, 400, base, 3 * 3600);
    for p in plan.clone() {
        run(&t.db, p).await;
    }
    // In small batches, so minutes are rolled up in parts and merged.
    let done =
        t.db.run(|c| history::roll_up_in_batches(c, clock::now(), 7))
            .await
            .unwrap();
    assert_eq!(done.jobs, plan.len(), "jobs rolled up");

    let end = base + TimeDelta::hours(4);
    // Every job rolled up: no tail is read, the stored rows alone answer.
    for span in [MINUTE, HOUR] {
        let got = series(&t.db, span, base, end, None).await;
        let want = naive(&plan, span, None);
        let mut seen = 0;
        for (at, agg) in &got {
            match want.get(at) {
                Some(w) => {
                    assert_matches(*at, agg, w);
                    seen += 1;
                }
                None => assert!(agg.is_empty(), "bucket {at} has jobs none finished in"),
            }
        }
        assert_eq!(seen, want.len(), "span {span}: buckets with jobs");
    }
    let one = plan[7].queue.clone();
    let got = series(&t.db, HOUR, base, end, Some(one.clone())).await;
    let want = naive(&plan, HOUR, Some(&one));
    let total: i64 = got
        .iter()
        .map(|(_, a)| a.completed + a.discarded + a.cancelled)
        .sum();
    assert_eq!(total, 1, "one queue's series counts its one job");
    for (at, agg) in &got {
        if let Some(w) = want.get(at) {
            assert_matches(*at, agg, w);
        }
    }
}

fn simple(queue: &str, base: NaiveDateTime, i: i64) -> Planned {
    Planned {
        queue: format!("{queue}-{i}"),
        kind: "noop".into(),
        run_at: base + TimeDelta::seconds(i * 7),
        wait_ms: 100 * i,
        run_ms: 1_000 + i,
        outcome: JobState::Completed,
        retries: 0,
    }
}

async fn totals(db: &Db, from: NaiveDateTime, to: NaiveDateTime) -> i64 {
    series(db, HOUR, from, to, None)
        .await
        .iter()
        .map(|(_, a)| a.completed + a.discarded + a.cancelled)
        .sum()
}

/// Four workers roll up the same jobs at the same moment, in batches of 4 (and 5 jobs
/// completed in one batch, at one instant): each job is counted once, and a later roll-up
/// adds nothing.
async fn two_workers_rolling_up_at_once_count_each_job_once(t: TestDb) {
    let base = hours_ago(3);
    for i in 0..55 {
        run(&t.db, simple("twice", base, i)).await;
    }
    let at = base + TimeDelta::minutes(30);
    t.db.run(move |c| {
        let reqs: Vec<_> = (0..5)
            .map(|_| EnqueueRequest::new("together", "noop").run_at(at))
            .collect();
        queue::enqueue_many(c, &reqs)?;
        let got = queue::claim(c, "together", 5, OWNER, at, at + TimeDelta::hours(1))?;
        let ids: Vec<_> = got.iter().map(|j| j.id).collect();
        queue::complete_many(c, OWNER, &ids, at + TimeDelta::seconds(1))
    })
    .await
    .unwrap();
    let now = clock::now();
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let db = t.db.clone();
        tasks.push(tokio::spawn(async move {
            db.run(move |c| history::roll_up_in_batches(c, now, 4))
                .await
                .unwrap()
        }));
    }
    let mut counted = 0;
    for task in tasks {
        counted += task.await.unwrap().jobs;
    }
    assert_eq!(counted, 60, "jobs counted by the four roll-ups together");
    let again = t.db.run(move |c| history::roll_up(c, now)).await.unwrap();
    assert_eq!(again.jobs, 0);
    let from = base.duration_trunc(TimeDelta::hours(1)).unwrap();
    assert_eq!(totals(&t.db, from, from + TimeDelta::hours(3)).await, 60);
    let minutes: i64 = series(&t.db, MINUTE, from, from + TimeDelta::hours(3), None)
        .await
        .iter()
        .map(|(_, a)| a.completed)
        .sum();
    assert_eq!(minutes, 60, "minute rows");
}

/// Jobs pruned after their retention are still in the history; a job finished a minute
/// ago is not pruned even with no retention at all, until the roll-up has counted it.
async fn the_history_outlives_pruned_jobs_and_the_pruner_waits_for_it(t: TestDb) {
    let base = hours_ago(2);
    for i in 0..10 {
        run(&t.db, simple("pruned", base, i)).await;
    }
    let recent = Planned {
        run_at: clock::now() - TimeDelta::seconds(61),
        ..simple("recent", base, 0)
    };
    run(&t.db, recent.clone()).await;
    let retention = Retention {
        completed: Duration::ZERO,
        ..Retention::default()
    };
    let now = clock::now();
    let pruned =
        t.db.run(move |c| queue::prune(c, &retention, now))
            .await
            .unwrap();
    assert_eq!(pruned, 10, "the old jobs go, the one not rolled up stays");
    let left =
        t.db.run(|c| queue::count_jobs(c, &Default::default()))
            .await
            .unwrap();
    assert_eq!(left, 1);

    let from = base.duration_trunc(TimeDelta::hours(1)).unwrap();
    let to = now.duration_trunc(TimeDelta::hours(1)).unwrap() + TimeDelta::hours(1);
    // Ten from the rows, the recent one from the job row past the watermark.
    assert_eq!(totals(&t.db, from, to).await, 11);
    let later = now + TimeDelta::minutes(5);
    let pruned =
        t.db.run(move |c| queue::prune(c, &retention, later))
            .await
            .unwrap();
    assert_eq!(pruned, 1, "rolled up now, so pruned");
    assert_eq!(
        totals(&t.db, from, to).await,
        11,
        "counted once, after its row went"
    );
    let hours = series(&t.db, HOUR, from, to, None).await;
    let runs: i64 = hours.iter().map(|(_, a)| a.run.count).sum();
    assert_eq!(runs, 11, "run times kept with the counts");
}

/// With a 90-day retention, rows of 91 days ago go and rows of 89 days ago stay.
async fn rows_older_than_the_retention_are_dropped(t: TestDb) {
    let old = hours_ago(91 * 24);
    let kept = hours_ago(89 * 24);
    run(&t.db, simple("old", old, 0)).await;
    run(&t.db, simple("kept", kept, 0)).await;
    let now = clock::now();
    t.db.run(move |c| history::roll_up(c, now)).await.unwrap();
    let day = TimeDelta::days(1);
    assert_eq!(totals(&t.db, old - day, old + day).await, 1, "rolled up");
    let retention = Retention::default();
    assert_eq!(retention.history, history::DEFAULT_HISTORY_RETENTION);
    t.db.run(move |c| queue::prune(c, &retention, now))
        .await
        .unwrap();
    assert_eq!(
        totals(&t.db, old - day, old + day).await,
        0,
        "91 days old, dropped"
    );
    assert_eq!(
        totals(&t.db, kept - day, kept + day).await,
        1,
        "89 days old, kept"
    );
    let minutes = series(&t.db, MINUTE, kept - day, kept + day, None).await;
    assert_eq!(minutes.iter().map(|(_, a)| a.completed).sum::<i64>(), 1);
}

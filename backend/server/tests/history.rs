//! `GET /api/stats/history` on PostgreSQL, SQLite and MySQL / MariaDB: minute buckets for
//! the last hour (current even before the roll-up), hour buckets beyond, numbers that stay
//! once the job rows are pruned, filters by queue and kind, and a 400 for a bad range.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use chrono::{DurationRound, NaiveDateTime, TimeDelta};
use longjobs_core::access::Role;
use longjobs_core::queue::{self, EnqueueRequest, Retention};
use longjobs_core::{Db, clock};
use poem::http::Method;
use serde_json::Value;

mod common;
use common::{TestServer, assert_problem};

longjobs_core::on_every_database! {
    threads = 2, setup = |t| super::TestServer::new(t).await;
    the_history_answers_by_minute_and_hour_and_outlives_the_job_rows,
}

/// Runs one job of `queue` / `kind`: due at `due`, started `wait_ms` later, done
/// `run_ms` after that.
async fn run_job(db: &Db, queue: &str, kind: &str, due: NaiveDateTime, wait_ms: i64, run_ms: i64) {
    let (queue, kind) = (queue.to_string(), kind.to_string());
    db.run(move |c| {
        queue::enqueue_many(c, &[EnqueueRequest::new(&queue, &kind).run_at(due)])?;
        let start = due + TimeDelta::milliseconds(wait_ms);
        let got = queue::claim(c, &queue, 1, "w", start, start + TimeDelta::hours(1))?;
        assert_eq!(got.len(), 1);
        queue::complete_many(
            c,
            "w",
            &[got[0].id],
            start + TimeDelta::milliseconds(run_ms),
        )
    })
    .await
    .unwrap();
}

fn sum(body: &Value, field: &str) -> i64 {
    body["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[field].as_i64().unwrap())
        .sum()
}

async fn the_history_answers_by_minute_and_hour_and_outlives_the_job_rows(s: TestServer) {
    let viewer = s.user("vic", Role::Viewer).await;
    let now = clock::now();
    // Three days ago: two copies (waits 1 s and 3 s, runs 10 s and 20 s) and a report.
    let old = (now - TimeDelta::days(3))
        .duration_trunc(TimeDelta::hours(1))
        .unwrap()
        + TimeDelta::minutes(10);
    run_job(&s.t.db, "zenodo", "zenodo.copy", old, 1_000, 10_000).await;
    run_job(&s.t.db, "zenodo", "zenodo.copy", old, 3_000, 20_000).await;
    run_job(&s.t.db, "default", "report", old, 0, 5).await;
    // Just now: one more copy, not rolled up yet.
    run_job(
        &s.t.db,
        "zenodo",
        "zenodo.copy",
        now - TimeDelta::seconds(2),
        500,
        1_000,
    )
    .await;

    // The old jobs are rolled up and pruned (a day's retention), the recent one stays.
    let pruned =
        s.t.db
            .run(move |c| queue::prune(c, &Retention::default(), clock::now()))
            .await
            .unwrap();
    assert_eq!(pruned, 3);

    let (st, hour) = s.get("/api/stats/history?range=1h", &viewer).await;
    assert_eq!(st, 200, "{hour}");
    assert_eq!(
        (hour["range"].as_str(), hour["bucket_secs"].as_i64()),
        (Some("1h"), Some(60))
    );
    assert_eq!(hour["points"].as_array().unwrap().len(), 60);
    assert_eq!(
        sum(&hour, "completed"),
        1,
        "the recent job, read from its row"
    );
    assert!(hour["rolled_through"].is_string());

    let (_, day) = s.get("/api/stats/history?range=24h", &viewer).await;
    assert_eq!(
        (
            day["bucket_secs"].as_i64(),
            day["points"].as_array().unwrap().len()
        ),
        (Some(3600), 24)
    );
    assert_eq!(sum(&day, "completed"), 1);

    let (_, week) = s.get("/api/stats/history?range=7d", &viewer).await;
    assert_eq!(week["points"].as_array().unwrap().len(), 168);
    assert_eq!(sum(&week, "completed"), 4, "pruned jobs still counted");
    let busy: Vec<&Value> = week["points"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["completed"].as_i64() == Some(3))
        .collect();
    assert_eq!(busy.len(), 1, "three days ago, one hour with three jobs");
    assert_eq!(busy[0]["wait"]["max_ms"], 3_000);
    assert_eq!(busy[0]["run"]["max_ms"], 20_000);
    assert_eq!(busy[0]["run"]["count"], 3);

    let (_, copies) = s
        .get(
            "/api/stats/history?range=30d&queue=zenodo&kind=zenodo.copy",
            &viewer,
        )
        .await;
    assert_eq!(copies["points"].as_array().unwrap().len(), 720);
    assert_eq!(sum(&copies, "completed"), 3);
    let two = copies["points"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["completed"] == 2)
        .unwrap();
    // Runs of 10 s and 20 s: the median is the 10 s one (within the histogram's 9 %).
    let p50 = two["run"]["p50_ms"].as_i64().unwrap();
    assert!((10_000..=10_906).contains(&p50), "p50 {p50}");
    assert_eq!(two["run"]["p99_ms"], 20_000);
    let (_, none) = s
        .get("/api/stats/history?range=30d&queue=nothing", &viewer)
        .await;
    assert_eq!(sum(&none, "completed"), 0);

    for bad in ["2h", "", "7D"] {
        let got = s
            .call(
                Method::GET,
                &format!("/api/stats/history?range={bad}"),
                Some(&viewer),
                None,
            )
            .await;
        assert_problem(&got, 400, "range must be one of");
    }
    let long = "q".repeat(300);
    let got = s
        .call(
            Method::GET,
            &format!("/api/stats/history?queue={long}"),
            Some(&viewer),
            None,
        )
        .await;
    assert_problem(&got, 400, "queue must be at most");
}

//! Zenodo copies that tell the truth, on the whole stack: a failed attempt that will be
//! retried reads `retrying` (not `error`), `attempts` counts attempts, an operator can give
//! up on a copy or keep it out of the daily retry, and a long copy shows its upload progress.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

mod stack;

use std::time::{Duration, Instant};

use longjobs_sim::{FaultPlan, RouteFaults};
use serde_json::{Value, json};
use stack::Stack;

longjobs_core::on_every_database! {
    threads = 4, setup = |t| super::Stack::start(t).await;
    a_failed_attempt_that_will_retry_reads_retrying_not_error,
    giving_up_on_a_copy_releases_the_copies_behind_it,
    the_daily_retry_counts_its_own_resends_and_skips_excluded_copies,
    a_long_copy_shows_its_upload_progress_while_it_uploads,
}

fn plan(route: &str, f: RouteFaults) -> FaultPlan {
    let mut p = FaultPlan::default();
    p.routes.insert(route.to_string(), f);
    p
}

fn refuse_depositions() -> FaultPlan {
    plan(
        "zenodo.create",
        RouteFaults {
            error_rate: 1.0,
            status: 400,
            ..Default::default()
        },
    )
}

fn ids(page: &Value) -> Vec<i64> {
    page["copies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

/// The copy once its job has ended after a permanent failure (the copy's state is written
/// before the job is marked discarded).
async fn failed_for_good(s: &Stack, id: i64, attempts: i64) -> Value {
    s.wait_view(id, Duration::from_secs(30), "in error for good", |c| {
        c["copy"]["state"] == "error"
            && c["copy"]["attempts"] == attempts
            && c["job"]["job"]["state"] == "discarded"
    })
    .await
}

async fn a_failed_attempt_that_will_retry_reads_retrying_not_error(mut s: Stack) {
    // A backoff long enough to look at the copy while it waits.
    let mut slow = stack::settings(&s.sim);
    slow.remote_retry_base = Duration::from_secs(4);
    s.stop_worker().await;
    s.start_worker_with(&slow);
    s.sim
        .set_faults(plan(
            "zenodo.create",
            RouteFaults {
                storm_next: 1,
                ..Default::default()
            },
        ))
        .unwrap();
    let ident = "doi:10.5061/dryad.rt";
    let first = s
        .request_copy(ident, 1, "data", vec![s.file("a.csv", 100, 1)])
        .await;
    let second = s
        .request_copy(ident, 2, "data", vec![s.file("a.csv", 100, 2)])
        .await;
    let c = s
        .wait_copy(first, Duration::from_secs(30), "retrying", |c| {
            // The copy reads `retrying` as its attempt fails; when the next one starts is
            // told once the worker has recorded the failure.
            c["state"] == "retrying" && !c["retry"].is_null()
        })
        .await;
    let copy = &c["copy"];
    assert_eq!(copy["attempts"], 1, "{copy}");
    assert_eq!(copy["retry"]["attempt"], 1, "{copy}");
    assert_eq!(copy["retry"]["max_attempts"], 5, "{copy}");
    let next: chrono::DateTime<chrono::Utc> =
        copy["retry"]["next_at"].as_str().unwrap().parse().unwrap();
    assert!(
        next > chrono::Utc::now(),
        "the next attempt is ahead: {copy}"
    );
    assert!(
        copy["note"]
            .as_str()
            .unwrap()
            .contains("attempt 1 of 5 failed"),
        "{copy}"
    );
    assert!(
        copy["last_error"]
            .as_str()
            .unwrap()
            .contains("answered 504"),
        "{copy}"
    );
    // Not an error anywhere: the error filter, the listing and the metrics leave it out.
    let errors = s
        .get(&format!(
            "/api/zenodo/copies?identifier={ident}&state=error"
        ))
        .await;
    assert_eq!(ids(&errors), Vec::<i64>::new(), "{errors}");
    let retrying = s
        .get(&format!(
            "/api/zenodo/copies?identifier={ident}&state=retrying"
        ))
        .await;
    assert_eq!(ids(&retrying), vec![first], "{retrying}");
    assert_eq!(retrying["copies"][0]["retry"]["attempt"], 1, "{retrying}");
    let metrics = reqwest::Client::new()
        .get(format!("{}/metrics", s.api))
        .bearer_auth(&s.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("longjobs_zenodo_copies{state=\"retrying\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("longjobs_zenodo_copies{state=\"error\"} 0"),
        "{metrics}"
    );
    // The next copy of the group stays held behind it.
    let later = s.copy(second).await;
    assert_eq!(later["copy"]["state"], "enqueued", "{}", later["copy"]);
    assert_eq!(later["copy"]["waiting_on"], first, "{}", later["copy"]);
    // The retry succeeds: two attempts, no error on the way.
    let done = s.wait_state(first, "finished").await;
    assert_eq!(done["copy"]["attempts"], 2, "{}", done["copy"]);
    assert!(done["copy"]["retry"].is_null(), "{}", done["copy"]);
    s.wait_state(second, "finished").await;
}

async fn giving_up_on_a_copy_releases_the_copies_behind_it(s: Stack) {
    s.sim.set_faults(refuse_depositions()).unwrap();
    let ident = "doi:10.5061/dryad.gu";
    let first = s
        .request_copy(ident, 1, "data", vec![s.file("a.csv", 100, 1)])
        .await;
    let second = s
        .request_copy(ident, 2, "data", vec![s.file("a.csv", 100, 2)])
        .await;
    let third = s
        .request_copy(ident, 3, "data", vec![s.file("a.csv", 100, 3)])
        .await;
    failed_for_good(&s, first, 1).await;
    s.sim.set_faults(FaultPlan::default()).unwrap();
    assert_eq!(s.copy(second).await["copy"]["waiting_on"], first);

    // A reason is required.
    let give_up = |id: i64| format!("/api/zenodo/copies/{id}/give-up");
    let (st, v) = s.post(&give_up(first), json!({ "reason": "  " })).await;
    assert_eq!(st, 400, "{v}");
    let (st, v) = s.post(&give_up(first), json!({})).await;
    assert_eq!(st, 400, "{v}");
    assert_eq!(s.copy(first).await["copy"]["state"], "error");

    let reason = "v1 was withdrawn by the curators";
    let (st, v) = s.post(&give_up(first), json!({ "reason": reason })).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["copy"]["state"], "given_up", "{v}");
    assert_eq!(v["copy"]["given_up_reason"], reason, "{v}");
    assert_eq!(v["released"][0], second, "{v}");
    // The copies behind it run, in order, and the given-up copy is never sent.
    let t2 = s.wait_state(second, "finished").await;
    let t3 = s.wait_state(third, "finished").await;
    assert!(t2["copy"]["updated_at"].as_str() <= t3["copy"]["updated_at"].as_str());
    let c1 = s.copy(first).await;
    assert_eq!(c1["copy"]["state"], "given_up", "{}", c1["copy"]);
    assert_eq!(c1["copy"]["attempts"], 1);
    assert!(c1["copy"]["waiting_on"].is_null());
    assert!(c1["log"].to_string().contains(reason), "{}", c1["log"]);
    assert_eq!(c1["job"]["job"]["state"], "cancelled", "{}", c1["job"]);
    let given_up = s
        .get(&format!(
            "/api/zenodo/copies?identifier={ident}&state=given_up"
        ))
        .await;
    assert_eq!(ids(&given_up), vec![first], "{given_up}");

    // Where it cannot apply: 409 problem+json.
    for (id, why) in [(first, "already given up"), (third, "already finished")] {
        let (st, v) = s.post(&give_up(id), json!({ "reason": "again" })).await;
        assert_eq!(st, 409, "{v}");
        assert_eq!(v["detail"], why, "{v}");
    }
    let (st, v) = s.post(&give_up(999_999), json!({ "reason": "x" })).await;
    assert_eq!(st, 404, "{v}");
    let audit = s.get("/api/audit?action=zenodo.give_up").await;
    let entries = audit["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 4, "{audit}");
    assert!(audit.to_string().contains(reason), "{audit}");

    // A resend brings it back.
    let (st, v) = s
        .post(&format!("/api/zenodo/copies/{first}/resend"), json!({}))
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["requeued"], json!([first]), "{v}");
    let back = s.wait_state(first, "finished").await;
    assert!(
        back["copy"]["given_up_reason"].is_null(),
        "{}",
        back["copy"]
    );
    assert_eq!(back["copy"]["attempts"], 2);

    // Giving up on a copy waiting for its retry cancels its job: nothing runs it again.
    let mut slow = FaultPlan::default();
    slow.routes.insert(
        "zenodo.create".into(),
        RouteFaults {
            storm_next: 1_000,
            ..Default::default()
        },
    );
    s.sim.set_faults(slow).unwrap();
    let lone = s
        .request_copy(
            "doi:10.5061/dryad.gu2",
            9,
            "data",
            vec![s.file("a.csv", 100, 9)],
        )
        .await;
    s.wait_copy(lone, Duration::from_secs(30), "failed once", |c| {
        c["attempts"].as_i64().unwrap_or(0) >= 1 && c["state"] != "replicating"
    })
    .await;
    let (st, v) = s
        .post(&give_up(lone), json!({ "reason": "Zenodo refuses it" }))
        .await;
    assert_eq!(st, 200, "{v}");
    let c = s
        .wait_view(lone, Duration::from_secs(10), "its job ended", |c| {
            // Cancelled, or (when the attempt was running) ended by the handler at once.
            c["job"]["job"]["state"] == "cancelled" || c["job"]["job"]["state"] == "completed"
        })
        .await;
    let attempts = c["copy"]["attempts"].clone();
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let c = s.copy(lone).await;
    assert_eq!(c["copy"]["state"], "given_up", "{}", c["copy"]);
    assert_eq!(
        c["copy"]["attempts"], attempts,
        "it ran again: {}",
        c["copy"]
    );
    s.sim.set_faults(FaultPlan::default()).unwrap();
}

async fn the_daily_retry_counts_its_own_resends_and_skips_excluded_copies(s: Stack) {
    s.sim.set_faults(refuse_depositions()).unwrap();
    let ident = "doi:10.5061/dryad.dr";
    let id = s
        .request_copy(ident, 1, "software", vec![s.file("code.zip", 100, 1)])
        .await;
    let behind = s
        .request_copy(ident, 2, "software", vec![s.file("code.zip", 100, 2)])
        .await;
    failed_for_good(&s, id, 1).await;
    let retry = |limit: i32| {
        let db = s.t.db.clone();
        async move {
            db.run(move |c| longjobs_replication::zenodo::store::retry_errors(c, limit))
                .await
                .unwrap()
        }
    };

    // Excluded (as the runbook did by editing `retries` by hand): left alone, with the
    // copies held behind it.
    let choice = format!("/api/zenodo/copies/{id}/daily-retry");
    let (st, v) = s
        .post(&choice, json!({ "excluded": true, "reason": "" }))
        .await;
    assert_eq!(st, 400, "a reason is required: {v}");
    let (st, v) = s
        .post(
            &choice,
            json!({ "excluded": true, "reason": "waiting for the curators" }),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["daily_retry_excluded"], true, "{v}");
    assert!(
        v["daily_retry_note"]
            .as_str()
            .unwrap()
            .contains("waiting for the curators"),
        "{v}"
    );
    let listed = s
        .get(&format!("/api/zenodo/copies?identifier={ident}"))
        .await;
    let row = listed["copies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap();
    assert_eq!(row["daily_retry_excluded"], true, "{row}");
    assert_eq!(retry(4).await, Vec::<i64>::new());
    assert_eq!(s.copy(behind).await["copy"]["state"], "enqueued");
    let audit = s.get("/api/audit?action=zenodo.daily_retry").await;
    assert!(
        audit.to_string().contains("waiting for the curators"),
        "{audit}"
    );

    // Back in: the limit counts the daily retry's own resends, not attempts. With a limit
    // of 2 the copy is resent twice (it had 1, then 2 attempts) and then left in error.
    let (st, v) = s
        .post(
            &choice,
            json!({ "excluded": false, "reason": "curators done" }),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["daily_retry_excluded"], false, "{v}");
    for round in 1..=2 {
        assert_eq!(retry(2).await, vec![id, behind], "round {round}");
        let c = failed_for_good(&s, id, round + 1).await;
        assert_eq!(c["copy"]["daily_retries"], round, "{}", c["copy"]);
    }
    assert_eq!(retry(2).await, Vec::<i64>::new(), "the limit is reached");
    let c = s.copy(id).await;
    assert_eq!(c["copy"]["attempts"], 3, "{}", c["copy"]);
    assert_eq!(c["copy"]["daily_retries"], 2, "{}", c["copy"]);
    s.sim.set_faults(FaultPlan::default()).unwrap();
}

async fn a_long_copy_shows_its_upload_progress_while_it_uploads(s: Stack) {
    // Every upload takes a while: the copy is watched between files.
    s.sim
        .set_faults(plan(
            "zenodo.upload",
            RouteFaults {
                latency_ms: 600,
                ..Default::default()
            },
        ))
        .unwrap();
    let files: Vec<Value> = (1..=4)
        .map(|i| s.file(&format!("part{i}.csv"), 1_000 * i, i))
        .collect();
    let total: i64 = (1..=4).map(|i| 1_000 * i).sum();
    let id = s
        .request_copy("doi:10.5061/dryad.pg", 1, "data", files)
        .await;
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let c = s.copy(id).await;
        let copy = &c["copy"];
        let p = &copy["progress"];
        assert_eq!(p["files_total"], 4, "{copy}");
        assert_eq!(p["bytes_total"], total, "{copy}");
        if copy["state"] == "replicating" {
            let step = (
                p["files_done"].as_i64().unwrap(),
                p["bytes_done"].as_i64().unwrap(),
            );
            if seen.last() != Some(&step) {
                seen.push(step);
            }
        }
        if copy["state"] == "finished" {
            assert_eq!(p["files_done"], 4, "{copy}");
            assert_eq!(p["bytes_done"], total, "{copy}");
            break;
        }
        assert!(Instant::now() < deadline, "never finished: {copy}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Intermediate steps, not only 0 and done, each a whole number of files.
    let between: Vec<_> = seen.iter().filter(|(f, _)| *f > 0 && *f < 4).collect();
    assert!(
        between.len() >= 2,
        "no intermediate progress seen: {seen:?}"
    );
    for (files, bytes) in &seen {
        let expected: i64 = (1..=*files).map(|i| 1_000 * i).sum();
        assert_eq!(*bytes, expected, "{seen:?}");
    }
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "{seen:?}");
    // The listing carries it too.
    let page = s
        .get("/api/zenodo/copies?identifier=doi:10.5061/dryad.pg")
        .await;
    assert_eq!(page["copies"][0]["progress"]["files_done"], 4, "{page}");
    s.sim.set_faults(FaultPlan::default()).unwrap();
}

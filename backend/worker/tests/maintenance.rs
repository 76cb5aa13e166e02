//! The maintenance workflow on the whole stack: drain under load, a live `drained`
//! signal, restart from another server, and a dead worker that does not block the drain.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

mod stack;

use std::time::{Duration, Instant};

use chrono::TimeDelta;
use longjobs_core::clock;
use longjobs_core::queue::{self, EnqueueRequest};
use longjobs_sim::{FaultPlan, RouteFaults};
use serde_json::{Value, json};
use stack::Stack;

longjobs_core::on_every_database! {
    threads = 4, setup = |t| super::Stack::start(t).await;
    a_drain_under_load_lets_running_work_finish_starts_none_and_restart_requeues_all,
    a_dead_workers_job_does_not_block_the_drained_signal,
    a_drain_while_a_copy_waits_out_its_backoff_strands_nothing,
    restart_brings_back_what_the_drain_parked_and_no_more,
}

async fn copies(s: &Stack) -> Vec<Value> {
    s.get("/api/zenodo/copies?limit=500").await["copies"]
        .as_array()
        .unwrap()
        .clone()
}

fn count(all: &[Value], state: &str) -> usize {
    all.iter().filter(|c| c["state"] == state).count()
}

async fn a_drain_under_load_lets_running_work_finish_starts_none_and_restart_requeues_all(
    s: Stack,
) {
    // Slow uploads so that copies are mid-flight when the drain begins.
    let mut faults = FaultPlan::default();
    faults.routes.insert(
        "zenodo.upload".into(),
        RouteFaults {
            latency_ms: 1_500,
            ..Default::default()
        },
    );
    s.sim.set_faults(faults).unwrap();
    const N: i64 = 120;
    for i in 0..N {
        s.request_copy(
            &format!("doi:10.5061/dryad.d{}", i % 40),
            i + 1,
            "data",
            vec![s.file("a.csv", 300, i as u64)],
        )
        .await;
    }
    for i in 0..4 {
        let f = s.file("m.csv", 100, 50 + i);
        s.post("/api/merritt/submissions", json!({ "resource_id": 100 + i, "identifier": format!("doi:10.5061/dryad.m{i}"), "profile": "p", "submitter": "ops",
            "files": [{ "url": f["url"], "size": f["size"], "md5": f["md5"], "name": "m.csv" }] })).await;
    }
    // Wait until work is under way, then drain: what replicates now must finish, not be cut.
    let deadline = Instant::now() + Duration::from_secs(20);
    let replicating_at_drain: Vec<i64> = loop {
        let ids: Vec<i64> = copies(&s)
            .await
            .iter()
            .filter(|c| c["state"] == "replicating")
            .map(|c| c["id"].as_i64().unwrap())
            .collect();
        if !ids.is_empty() {
            break ids;
        }
        assert!(Instant::now() < deadline, "nothing started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let (st, status) = s.post("/api/maintenance/drain", json!({})).await;
    assert_eq!(st, 200, "{status}");
    assert!(status["zenodo_deferred"]["by"] == "ops" && status["merritt_held"]["by"] == "ops");
    // The answer is consistent: drained exactly when nothing it covers runs.
    assert_eq!(
        status["drained"].as_bool(),
        Some(status["running"].as_array().unwrap().is_empty()),
        "{status}"
    );
    // Copies requested during the drain are deferred too.
    let late = s
        .request_copy(
            "doi:10.5061/dryad.late",
            999,
            "data",
            vec![s.file("a.csv", 300, 999)],
        )
        .await;

    // Poll: drained turns true exactly when the last covered job ends.
    let deadline = Instant::now() + Duration::from_secs(60);
    let at_drained = loop {
        let st = s.get("/api/maintenance").await;
        let running = st["running"].as_array().unwrap().len();
        let all = copies(&s).await;
        if st["drained"] == true {
            assert_eq!(running, 0);
            assert_eq!(
                count(&all, "replicating"),
                0,
                "drained while a copy replicates"
            );
            break st;
        }
        assert!(
            running > 0 || count(&all, "replicating") > 0 || st["drained"] == true,
            "not drained though nothing runs: {st}"
        );
        assert!(Instant::now() < deadline, "never drained: {st}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(at_drained["drained_at"].is_string(), "{at_drained}");
    let all = copies(&s).await;
    for id in &replicating_at_drain {
        let c = all.iter().find(|c| c["id"] == *id).unwrap();
        assert_eq!(
            c["state"], "finished",
            "a copy running at the drain was cut off: {c}"
        );
    }
    let (finished, deferred, enqueued) = (
        count(&all, "finished"),
        count(&all, "deferred"),
        count(&all, "enqueued"),
    );
    assert_eq!(
        finished + deferred + enqueued,
        N as usize + 1,
        "copies are conserved"
    );
    assert!(deferred > 0, "nothing was deferred");
    // Nothing starts while drained; the late copy is parked too.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let again = copies(&s).await;
    assert_eq!(
        count(&again, "finished"),
        finished,
        "a copy ran during the drain"
    );
    assert_eq!(count(&again, "replicating"), 0);
    assert_eq!(
        again.iter().find(|c| c["id"] == late).unwrap()["state"],
        "deferred"
    );
    let status = s.get("/api/maintenance").await;
    assert_eq!(status["drained"], true);
    let (deferred, enqueued) = (count(&again, "deferred"), count(&again, "enqueued"));
    assert_eq!(status["deferred_copies"].as_u64(), Some(deferred as u64));

    // Restart from a second server instance on the same database.
    let second = Stack::second_server(&s).await;
    let (st, restarted) = second.post("/api/maintenance/restart", json!({})).await;
    assert_eq!(st, 200, "{restarted}");
    let requeued = restarted["copies_requeued"].as_array().unwrap().len();
    assert_eq!(
        requeued,
        deferred + enqueued,
        "every deferred copy (and those queued behind them) goes back: {restarted}"
    );
    let held = restarted["submissions_requeued"].as_array().unwrap().len();
    assert_eq!(held as i64, status["held_submissions"].as_i64().unwrap());
    let (_, twice) = second.post("/api/maintenance/restart", json!({})).await;
    assert_eq!(
        (
            twice["copies_requeued"].as_array().unwrap().len(),
            twice["submissions_requeued"].as_array().unwrap().len()
        ),
        (0, 0),
        "a second restart changed something: {twice}"
    );
    s.sim.set_faults(FaultPlan::default()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let all = copies(&s).await;
        if count(&all, "finished") == N as usize + 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not all copies finished after restart: {:?}",
            all.iter()
                .map(|c| (c["id"].clone(), c["state"].clone()))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let subs = s.get("/api/merritt/submissions").await["submissions"].clone();
        if subs
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["state"] == "completed")
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "submissions did not complete: {subs}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let audit = s.get("/api/audit?action=maintenance.restart").await;
    assert_eq!(audit["entries"].as_array().unwrap().len(), 2);
}

async fn a_dead_workers_job_does_not_block_the_drained_signal(s: Stack) {
    // A copy job held by a worker that died: its lease has run out.
    let now = clock::now();
    s.t.db
        .run(move |c| {
            queue::enqueue(
                c,
                &EnqueueRequest::new("zenodo-dead", "zenodo.copy")
                    .payload(json!({ "copy_id": 424242 })),
            )?;
            queue::claim(
                c,
                "zenodo-dead",
                1,
                "dead-host:1:x",
                now,
                now - TimeDelta::seconds(1),
            )
        })
        .await
        .unwrap();
    let (_, st) = s
        .post("/api/maintenance/drain", json!({ "merritt": false }))
        .await;
    assert_eq!(
        st["drained"], true,
        "an expired lease kept the drain open: {st}"
    );
    assert!(st["merritt_held"].is_null());
    let status = s.get("/api/maintenance").await;
    assert_eq!(status["running"].as_array().unwrap().len(), 0);
}

async fn wait_job_state(s: &Stack, id: i64, state: &str) -> Value {
    s.wait_view(id, Duration::from_secs(30), state, |c| {
        c["job"]["job"]["state"] == state
    })
    .await
}

async fn wait_drained(s: &Stack) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let st = s.get("/api/maintenance").await;
        if st["drained"] == true {
            return;
        }
        assert!(Instant::now() < deadline, "never drained: {st}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Issue 13's maintenance case: X1's job waits out a retry backoff, X2 waits behind it;
/// `drain --zenodo-only --wait` then `restart`. X2 (whose job the drain cancelled) goes back
/// in the queue though X1's job is live, and both finish: nothing stays deferred.
async fn a_drain_while_a_copy_waits_out_its_backoff_strands_nothing(mut s: Stack) {
    s.stop_worker().await;
    let mut settings = stack::settings(&s.sim);
    settings.remote_retry_base = Duration::from_secs(4);
    s.start_worker_with(&settings);
    let mut faults = FaultPlan::default();
    faults.routes.insert(
        "zenodo.create".into(),
        RouteFaults {
            error_rate: 1.0,
            status: 503,
            ..Default::default()
        },
    );
    s.sim.set_faults(faults).unwrap();
    let ident = "doi:10.5061/dryad.mx";
    let x1 = s
        .request_copy(ident, 1, "data", vec![s.file("a.csv", 300, 1)])
        .await;
    let x2 = s
        .request_copy(ident, 2, "data", vec![s.file("a.csv", 300, 2)])
        .await;
    wait_job_state(&s, x1, "retryable").await;
    s.sim.set_faults(FaultPlan::default()).unwrap();
    let (st, v) = s
        .post("/api/maintenance/drain", json!({ "merritt": false }))
        .await;
    assert_eq!(st, 200, "{v}");
    wait_drained(&s).await;
    assert_eq!(s.copy(x2).await["copy"]["state"], "deferred");
    let (st, restarted) = s.post("/api/maintenance/restart", json!({})).await;
    assert_eq!(st, 200, "{restarted}");
    assert_eq!(restarted["copies_requeued"], json!([x2]), "{restarted}");
    assert_eq!(restarted["notes"], json!([]), "{restarted}");
    for id in [x1, x2] {
        s.wait_copy(id, Duration::from_secs(60), "finished", |c| {
            c["state"] == "finished"
        })
        .await;
    }
    assert_eq!(count(&copies(&s).await, "deferred"), 0);
}

/// A copy that failed for good before the drain is not resent by restart (that is what
/// resend is for): restart requeues only the copy the drain parked behind it and says what
/// it waits on. Restarting held Merritt submissions while the hold is on is refused.
async fn restart_brings_back_what_the_drain_parked_and_no_more(s: Stack) {
    let mut faults = FaultPlan::default();
    faults.routes.insert(
        "zenodo.create".into(),
        RouteFaults {
            error_rate: 1.0,
            status: 400,
            ..Default::default()
        },
    );
    s.sim.set_faults(faults).unwrap();
    let ident = "doi:10.5061/dryad.mf";
    let x1 = s
        .request_copy(ident, 1, "data", vec![s.file("a.csv", 300, 1)])
        .await;
    let x2 = s
        .request_copy(ident, 2, "data", vec![s.file("a.csv", 300, 2)])
        .await;
    wait_job_state(&s, x1, "discarded").await;
    s.sim.set_faults(FaultPlan::default()).unwrap();
    let (st, v) = s.post("/api/maintenance/drain", json!({})).await;
    assert_eq!(st, 200, "{v}");
    wait_drained(&s).await;
    assert_eq!(s.copy(x2).await["copy"]["state"], "deferred");

    let (st, v) = s.post("/api/merritt/submissions/restart", json!({})).await;
    assert_eq!(st, 409, "restarting held submissions during a hold: {v}");
    assert!(
        v["detail"]
            .as_str()
            .unwrap()
            .contains("held for maintenance"),
        "{v}"
    );

    let (st, restarted) = s.post("/api/maintenance/restart", json!({})).await;
    assert_eq!(st, 200, "{restarted}");
    assert_eq!(restarted["copies_requeued"], json!([x2]), "{restarted}");
    let notes = restarted["notes"].to_string();
    assert!(
        notes.contains(&format!("wait on copy #{x1}")) && notes.contains("resend"),
        "{restarted}"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let c1 = s.copy(x1).await;
    assert_eq!(c1["copy"]["state"], "error", "{}", c1["copy"]);
    assert_eq!(
        c1["copy"]["attempts"], 1,
        "restart resent a copy that had failed for good"
    );
    let c2 = s.copy(x2).await;
    assert_eq!(c2["copy"]["state"], "enqueued", "{}", c2["copy"]);
    assert_eq!(c2["copy"]["waiting_on"], x1, "{}", c2["copy"]);
    // Once resent, the chain finishes.
    let (st, v) = s
        .post(&format!("/api/zenodo/copies/{x1}/resend"), json!({}))
        .await;
    assert_eq!(st, 200, "{v}");
    for id in [x1, x2] {
        s.wait_state(id, "finished").await;
    }
    // Without a hold, the Merritt restart answers as before.
    let (st, v) = s.post("/api/merritt/submissions/restart", json!({})).await;
    assert_eq!(st, 200, "{v}");
}

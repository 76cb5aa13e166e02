//! Control while running through the API, on the three databases: queue limits, kind
//! pauses and worker commands are stored where workers read them, refused with a 4xx when
//! wrong, and audited.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use longjobs_core::access::Role;
use longjobs_core::clock;
use longjobs_core::queue::{self, WorkerCommand, WorkerRow};
use poem::http::Method;
use serde_json::{Value, json};

mod common;
use common::{TestServer, assert_problem};

longjobs_core::on_every_database! {
    threads = 2, setup = |t| super::TestServer::new(t).await;
    queue_limits_are_set_listed_checked_and_audited,
    kinds_are_listed_paused_and_resumed,
    workers_are_quieted_resumed_and_stopped,
}

async fn audit_actions(s: &TestServer, token: &str) -> Vec<(String, String, String)> {
    let (_, audit) = s.get("/api/audit?actor=otto", token).await;
    audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["target"].as_str().unwrap().to_string(),
                e["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn put(s: &TestServer, path: &str, token: &str, body: Value) -> (u16, Value) {
    let (st, body, _) = s.call(Method::PUT, path, Some(token), Some(body)).await;
    (st.as_u16(), body)
}

async fn queue_limits_are_set_listed_checked_and_audited(s: TestServer) {
    let op = s.user("otto", Role::Operator).await;
    let (st, q) = put(
        &s,
        "/api/queues/zenodo/limits",
        &op,
        json!({ "concurrency": 3, "rate_limit": 30 }),
    )
    .await;
    assert_eq!(st, 200, "{q}");
    assert_eq!(
        (
            &q["name"],
            &q["concurrency"],
            &q["rate_limit"],
            &q["rate_period_secs"]
        ),
        (&json!("zenodo"), &json!(3), &json!(30), &json!(60))
    );
    // Stored where the workers' claims read them.
    let rules = s.t.db.run(queue::claim_rules).await.unwrap();
    assert_eq!(rules, (vec!["zenodo".to_string()], false));
    // Pausing keeps the limits.
    let (st, _) = s.post("/api/queues/zenodo/pause", &op, json!({})).await;
    assert_eq!(st, 200);
    let (_, list) = s.get("/api/queues", &op).await;
    let z = list
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["name"] == "zenodo")
        .unwrap();
    assert_eq!((&z["paused"], &z["concurrency"]), (&json!(true), &json!(3)));

    // Bad input: 400 problem, nothing changed.
    for (body, needle) in [
        (json!({ "concurrency": 0 }), "concurrency must be between 1"),
        (
            json!({ "concurrency": 10001 }),
            "concurrency must be between 1",
        ),
        (json!({ "rate_limit": -1 }), "rate_limit must be between 1"),
        (
            json!({ "rate_limit": 5, "rate_period_secs": 0 }),
            "rate_period_secs must be",
        ),
        (json!({ "rate_period_secs": 60 }), "needs a rate_limit"),
        (json!({ "concurrency": "many" }), ""),
    ] {
        let got = s
            .call(
                Method::PUT,
                "/api/queues/zenodo/limits",
                Some(&op),
                Some(body.clone()),
            )
            .await;
        assert_problem(&got, 400, needle);
    }
    let long = "q".repeat(300);
    let got = s
        .call(
            Method::PUT,
            &format!("/api/queues/{long}/limits"),
            Some(&op),
            Some(json!({ "concurrency": 1 })),
        )
        .await;
    assert_problem(&got, 400, "queue name");

    // An empty body lifts both limits.
    let (st, q) = put(&s, "/api/queues/zenodo/limits", &op, json!({})).await;
    assert_eq!(st, 200);
    assert!(
        q["concurrency"].is_null() && q["rate_limit"].is_null(),
        "{q}"
    );
    assert_eq!(
        s.t.db.run(queue::claim_rules).await.unwrap(),
        (vec![], false)
    );

    let audit = audit_actions(&s, &op).await;
    let limits: Vec<_> = audit
        .iter()
        .filter(|(a, _, _)| a == "queues.limits")
        .collect();
    assert_eq!(limits.len(), 2, "{audit:?}");
    assert_eq!(limits[0].1, "queue zenodo");
    let (_, entries) = s.get("/api/audit?action=queues.limits", &op).await;
    let details: Vec<&str> = entries["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    assert_eq!(details, ["no limits", "concurrency 3, 30 starts per 60 s"]);
}

async fn kinds_are_listed_paused_and_resumed(s: TestServer) {
    let op = s.user("otto", Role::Operator).await;
    let viewer = s.user("vera", Role::Viewer).await;
    let now = clock::now();
    let row = WorkerRow {
        id: "host-k:1".into(),
        host: "host-k".into(),
        pid: 1,
        queues: r#"{"zenodo":3}"#.into(),
        kinds: Some(r#"["zenodo.copy","noop"]"#.into()),
        started_at: now,
        heartbeat_at: now,
        stopped_at: None,
    };
    s.t.db
        .run(move |c| queue::register_worker(c, &row))
        .await
        .unwrap();
    let (st, kinds) = s.get("/api/kinds", &viewer).await;
    assert_eq!(st, 200);
    assert_eq!(
        kinds,
        json!([
            { "kind": "noop", "paused": false, "paused_at": null, "paused_by": null, "workers": 1 },
            { "kind": "zenodo.copy", "paused": false, "paused_at": null, "paused_by": null, "workers": 1 },
        ])
    );
    let (st, k) = s.post("/api/kinds/zenodo.copy/pause", &op, json!({})).await;
    assert_eq!(st, 200, "{k}");
    assert_eq!(
        (&k["paused"], &k["paused_by"]),
        (&json!(true), &json!("otto"))
    );
    // A kind no worker runs can be paused ahead.
    let (st, k) = s
        .post("/api/kinds/merritt.submit/pause", &op, json!({}))
        .await;
    assert_eq!((st.as_u16(), &k["workers"]), (200, &json!(0)));
    let (_, kinds) = s.get("/api/kinds", &viewer).await;
    let paused: Vec<&str> = kinds
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["paused"] == true)
        .map(|k| k["kind"].as_str().unwrap())
        .collect();
    assert_eq!(paused, ["merritt.submit", "zenodo.copy"]);
    assert!(s.t.db.run(queue::claim_rules).await.unwrap().1);

    let (st, k) = s
        .post("/api/kinds/zenodo.copy/resume", &op, json!({}))
        .await;
    assert_eq!((st.as_u16(), &k["paused"]), (200, &json!(false)));
    let got = s
        .call(
            Method::POST,
            "/api/kinds/zenodo.copy/pause",
            Some(&viewer),
            None,
        )
        .await;
    assert_eq!(got.0, 403);
    let long = "k".repeat(300);
    let got = s
        .call(
            Method::POST,
            &format!("/api/kinds/{long}/pause"),
            Some(&op),
            None,
        )
        .await;
    assert_problem(&got, 400, "job kind");

    let audit = audit_actions(&s, &op).await;
    let ours: Vec<(&str, &str)> = audit
        .iter()
        .map(|(a, t, _)| (a.as_str(), t.as_str()))
        .collect();
    assert_eq!(
        ours,
        [
            ("kinds.resume", "kind zenodo.copy"),
            ("kinds.pause", "kind merritt.submit"),
            ("kinds.pause", "kind zenodo.copy"),
        ]
    );
}

async fn workers_are_quieted_resumed_and_stopped(s: TestServer) {
    let op = s.user("otto", Role::Operator).await;
    let now = clock::now();
    let row = WorkerRow {
        id: "host-w:1".into(),
        host: "host-w".into(),
        pid: 1,
        queues: r#"{"zenodo":3}"#.into(),
        kinds: None,
        started_at: now,
        heartbeat_at: now,
        stopped_at: None,
    };
    s.t.db
        .run(move |c| queue::register_worker(c, &row))
        .await
        .unwrap();
    let (st, w) = s.post("/api/workers/host-w:1/quiet", &op, json!({})).await;
    assert_eq!(st, 200, "{w}");
    assert_eq!(w["command"], "quiet");
    // What the worker's heartbeat reads.
    let hb =
        s.t.db
            .run(|c| {
                let now = clock::now();
                queue::heartbeat(c, "host-w:1", now, now)
            })
            .await
            .unwrap();
    assert_eq!(hb.command, Some(WorkerCommand::Quiet));
    let (st, w) = s.post("/api/workers/host-w:1/resume", &op, json!({})).await;
    assert_eq!((st.as_u16(), &w["command"]), (200, &Value::Null));
    let (st, w) = s.post("/api/workers/host-w:1/stop", &op, json!({})).await;
    assert_eq!((st.as_u16(), &w["command"]), (200, &json!("stop")));
    let (_, list) = s.get("/api/workers", &op).await;
    assert_eq!(list[0]["command"], "stop");
    // A stop cannot be taken back; an unknown worker is 404; a stopped one 409.
    let got = s
        .call(
            Method::POST,
            "/api/workers/host-w:1/resume",
            Some(&op),
            None,
        )
        .await;
    assert_problem(&got, 409, "cannot be taken back");
    let got = s
        .call(Method::POST, "/api/workers/nobody/quiet", Some(&op), None)
        .await;
    assert_problem(&got, 404, "no worker");
    s.t.db
        .run(|c| queue::mark_stopped(c, "host-w:1", clock::now()))
        .await
        .unwrap();
    let got = s
        .call(Method::POST, "/api/workers/host-w:1/quiet", Some(&op), None)
        .await;
    assert_problem(&got, 409, "stopped already");

    let audit = audit_actions(&s, &op).await;
    let ours: Vec<(&str, &str)> = audit
        .iter()
        .map(|(a, _, o)| (a.as_str(), o.as_str()))
        .collect();
    assert_eq!(
        ours[0],
        (
            "workers.quiet",
            "refused: worker \"host-w:1\" has stopped already"
        )
    );
    assert_eq!(ours[1].0, "workers.quiet");
    assert!(ours[1].1.starts_with("refused: no worker"), "{ours:?}");
    assert_eq!(ours[2].0, "workers.resume");
    assert!(ours[2].1.starts_with("refused:"), "{ours:?}");
    assert_eq!(
        &ours[3..],
        [
            ("workers.stop", "done"),
            ("workers.resume", "done"),
            ("workers.quiet", "done"),
        ]
    );
}

//! Work no live worker would run, through the API on the three databases: the maintenance
//! status counts it, the queues list (and the dashboard's stats) mark the queue and name
//! the kinds, a waiting job says why it waits; a pause is not "unserved".
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use longjobs_core::access::Role;
use longjobs_core::clock;
use longjobs_core::queue::{self, EnqueueRequest, WorkerRow};
use serde_json::{Value, json};

mod common;
use common::TestServer;

longjobs_core::on_every_database! {
    threads = 2, setup = |t| super::TestServer::new(t).await;
    status_queues_and_job_page_say_what_no_worker_serves,
}

fn queue_row<'a>(list: &'a Value, name: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|q| q["name"] == name)
        .unwrap_or_else(|| panic!("no queue {name} in {list}"))
}

async fn status_queues_and_job_page_say_what_no_worker_serves(s: TestServer) {
    let viewer = s.user("vera", Role::Viewer).await;
    let op = s.user("otto", Role::Operator).await;
    let ids =
        s.t.db
            .run(|c| {
                let now = clock::now();
                queue::register_worker(
                    c,
                    &WorkerRow {
                        id: "w-1".into(),
                        host: "host-a".into(),
                        pid: 7,
                        queues: r#"{"default":1}"#.into(),
                        kinds: Some(r#"["noop"]"#.into()),
                        started_at: now,
                        heartbeat_at: now,
                        stopped_at: None,
                    },
                )?;
                let mut ids = Vec::new();
                for (q, k) in [
                    ("reports", "noop"),
                    ("reports", "build_usage_report"),
                    ("default", "build_usage_report"),
                    ("default", "noop"),
                ] {
                    ids.push(queue::enqueue(c, &EnqueueRequest::new(q, k))?.job.id.0);
                }
                Ok(ids)
            })
            .await
            .unwrap();
    let [report, _, unknown_kind, served] = ids[..] else {
        panic!("{ids:?}")
    };

    let (st, m) = s.get("/api/maintenance", &viewer).await;
    assert_eq!(st, 200, "{m}");
    assert_eq!(m["unserved_jobs"], 3, "{m}");
    let rows: Vec<Value> = m["unserved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| json!([u["queue"], u["kind"], u["jobs"], u["reason"]]))
        .collect();
    assert_eq!(
        rows,
        [
            json!([
                "default",
                "build_usage_report",
                1,
                "no live worker of queue default runs kind build_usage_report"
            ]),
            json!(["reports", null, 2, "no live worker serves queue reports"]),
        ]
    );

    for path in ["/api/queues", "/api/stats"] {
        let (st, body) = s.get(path, &viewer).await;
        assert_eq!(st, 200, "{body}");
        let list = if path == "/api/stats" {
            &body["queues"]
        } else {
            &body
        };
        let r = queue_row(list, "reports");
        assert_eq!(
            (&r["served"], &r["unserved_jobs"], &r["unserved_kinds"]),
            (&json!(false), &json!(2), &json!([])),
            "{path}"
        );
        let d = queue_row(list, "default");
        assert_eq!(
            (&d["served"], &d["unserved_jobs"], &d["unserved_kinds"]),
            (
                &json!(true),
                &json!(1),
                &json!([{ "kind": "build_usage_report", "jobs": 1 }])
            ),
            "{path}"
        );
    }

    let reason = |id: i64| {
        let (s, viewer) = (&s, &viewer);
        async move {
            let (st, j) = s.get(&format!("/api/jobs/{id}"), viewer).await;
            assert_eq!(st, 200, "{j}");
            j["unserved_reason"].clone()
        }
    };
    assert_eq!(
        reason(report).await,
        json!("no live worker serves queue reports")
    );
    assert_eq!(
        reason(unknown_kind).await,
        json!("no live worker of queue default runs kind build_usage_report")
    );
    assert_eq!(reason(served).await, Value::Null);

    // Paused, the queue waits for an operator, not for a worker; a cancelled job waits for
    // nothing.
    let (st, q) = s.post("/api/queues/reports/pause", &op, json!({})).await;
    assert_eq!(st, 200, "{q}");
    assert_eq!(
        (&q["served"], &q["unserved_jobs"]),
        (&json!(false), &json!(0))
    );
    assert_eq!(reason(report).await, Value::Null);
    let (st, _) = s
        .post(&format!("/api/jobs/{unknown_kind}/cancel"), &op, json!({}))
        .await;
    assert_eq!(st, 200);
    assert_eq!(reason(unknown_kind).await, Value::Null);
    let (_, m) = s.get("/api/maintenance", &viewer).await;
    assert_eq!(
        (&m["unserved_jobs"], &m["unserved"]),
        (&json!(0), &json!([]))
    );

    // A quiet worker serves nothing: its queue is unserved again.
    let (st, w) = s.post("/api/workers/w-1/quiet", &op, json!({})).await;
    assert_eq!(st, 200, "{w}");
    assert_eq!(
        reason(served).await,
        json!("no live worker serves queue default")
    );
    let (_, m) = s.get("/api/maintenance", &viewer).await;
    assert_eq!(m["unserved_jobs"], 1, "{m}");
}

//! API behaviour over a real database (PostgreSQL and SQLite): each area's success and
//! error paths, as a script or the console would call them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use longjobs_core::access::Role;
use longjobs_core::clock;
use longjobs_core::queue::{self, WorkerRow};
use poem::http::Method;
use serde_json::{Value, json};

mod common;
use common::{PASSWORD, TestServer, assert_problem};

longjobs_core::on_every_database! {
    threads = 2, setup = |t| super::TestServer::new(t).await;
    login_gives_a_token_and_refuses_wrong_passwords_then_rate_limits,
    jobs_are_enqueued_listed_filtered_and_paged,
    job_actions_work_on_one_on_a_list_and_on_a_filter,
    an_action_on_all_matching_pinned_to_its_dry_run_leaves_later_jobs_alone,
    queues_are_counted_paused_and_resumed,
    workers_stats_and_time_series_report_real_counts,
    users_and_api_tokens_are_managed_by_admins,
    bad_input_is_a_clear_4xx_problem,
    status_alerts_tell_work_no_live_worker_would_run_and_old_holds_by_one_set_of_limits,
}

async fn login_gives_a_token_and_refuses_wrong_passwords_then_rate_limits(s: TestServer) {
    s.user("ada", Role::Admin).await;
    let (st, body, _) = s
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({ "username": "ada", "password": PASSWORD })),
        )
        .await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["role"], "admin");
    assert_eq!(body["token_type"], "Bearer");
    let token = body["token"].as_str().unwrap().to_string();
    let (st, me) = s.get("/api/auth/me", &token).await;
    assert_eq!((st.as_u16(), me["name"].as_str()), (200, Some("ada")));

    let wrong = json!({ "username": "ada", "password": "nope" });
    let got = s
        .call(Method::POST, "/api/auth/login", None, Some(wrong.clone()))
        .await;
    assert_problem(&got, 401, "invalid username or password");
    let unknown = s
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({ "username": "nobody", "password": "x" })),
        )
        .await;
    assert_problem(&unknown, 401, "invalid username or password");
    for _ in 0..10 {
        s.call(Method::POST, "/api/auth/login", None, Some(wrong.clone()))
            .await;
    }
    let limited = s
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({ "username": "ada", "password": PASSWORD })),
        )
        .await;
    assert_problem(&limited, 429, "too many failed sign-ins");
}

async fn jobs_are_enqueued_listed_filtered_and_paged(s: TestServer) {
    let op = s.user("otto", Role::Operator).await;
    let jobs: Vec<Value> = (0..7)
        .map(|i| json!({ "queue": if i % 2 == 0 { "zenodo" } else { "merritt" }, "kind": "noop", "payload": { "doi": format!("10.5061/dryad.{i}") }, "priority": i }))
        .collect();
    let (st, body) = s.post("/api/jobs", &op, json!({ "jobs": jobs })).await;
    assert_eq!(st, 201, "{body}");
    assert_eq!(body["jobs"].as_array().unwrap().len(), 7);
    let (st, again) = s
        .post(
            "/api/jobs",
            &op,
            json!({ "jobs": [{ "queue": "zenodo", "kind": "noop", "unique_key": "copy-1" }] }),
        )
        .await;
    assert_eq!(st, 201);
    let holder = again["jobs"][0]["job"]["id"].as_i64().unwrap();
    let (st, dup) = s
        .post(
            "/api/jobs",
            &op,
            json!({ "jobs": [{ "queue": "zenodo", "kind": "noop", "unique_key": "copy-1" }] }),
        )
        .await;
    assert_eq!(st, 200, "an existing unique job answers 200");
    assert_eq!(
        (
            dup["jobs"][0]["inserted"].as_bool(),
            dup["jobs"][0]["job"]["id"].as_i64()
        ),
        (Some(false), Some(holder))
    );

    let (_, page) = s.get("/api/jobs?queue=zenodo", &op).await;
    assert_eq!(page["jobs"].as_array().unwrap().len(), 5);
    let (_, found) = s.get("/api/jobs?q=dryad.3", &op).await;
    assert_eq!(found["jobs"].as_array().unwrap().len(), 1);
    assert_eq!(found["jobs"][0]["queue"], "merritt");
    let (_, none) = s
        .get("/api/jobs?q=%25%27%3B%20DROP%20TABLE%20jobs%3B--", &op)
        .await;
    assert_eq!(
        none["jobs"].as_array().unwrap().len(),
        0,
        "SQL metacharacters are plain text"
    );
    let (_, by_state) = s
        .get("/api/jobs?state=available&state=completed", &op)
        .await;
    assert_eq!(by_state["jobs"].as_array().unwrap().len(), 8);

    // Keyset paging by priority, descending: every job once, in order.
    let mut seen = Vec::new();
    let mut url = "/api/jobs?sort=priority&order=desc&limit=3".to_string();
    loop {
        let (st, page) = s.get(&url, &op).await;
        assert_eq!(st, 200, "{page}");
        for j in page["jobs"].as_array().unwrap() {
            seen.push((j["priority"].as_i64().unwrap(), j["id"].as_i64().unwrap()));
        }
        match page["next_cursor"].as_str() {
            Some(c) => url = format!("/api/jobs?sort=priority&order=desc&limit=3&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 8);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted);
    let (_, first) = s.get("/api/jobs?sort=priority&limit=1", &op).await;
    let cursor = first["next_cursor"].as_str().unwrap().to_string();
    let wrong_sort = s
        .call(
            Method::GET,
            &format!("/api/jobs?sort=id&cursor={cursor}"),
            Some(&op),
            None,
        )
        .await;
    assert_problem(&wrong_sort, 400, "another sort order");

    let (st, detail) = s.get(&format!("/api/jobs/{holder}"), &op).await;
    assert_eq!(st, 200);
    assert_eq!(detail["job"]["unique_key"], "copy-1");
    assert_eq!(detail["payload"], json!({}));
    assert!(detail["history"].as_array().unwrap().is_empty());
    let missing = s
        .call(Method::GET, "/api/jobs/999999", Some(&op), None)
        .await;
    assert_problem(&missing, 404, "no job 999999");
}

async fn job_actions_work_on_one_on_a_list_and_on_a_filter(s: TestServer) {
    let op = s.user("otto", Role::Operator).await;
    let (_, body) = s
        .post("/api/jobs", &op, json!({ "jobs": (0..6).map(|i| json!({ "queue": "acts", "kind": "noop", "payload": { "n": i } })).collect::<Vec<_>>() }))
        .await;
    let ids: Vec<i64> = body["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["job"]["id"].as_i64().unwrap())
        .collect();

    let (st, out) = s
        .post(&format!("/api/jobs/{}/discard", ids[0]), &op, json!({}))
        .await;
    assert_eq!(
        (st.as_u16(), out["state"].as_str()),
        (200, Some("discarded"))
    );
    let again = s
        .call(
            Method::POST,
            &format!("/api/jobs/{}/discard", ids[0]),
            Some(&op),
            None,
        )
        .await;
    assert_problem(&again, 409, "already discarded");
    let (st, out) = s
        .post(&format!("/api/jobs/{}/retry", ids[0]), &op, json!({}))
        .await;
    assert_eq!(
        (st.as_u16(), out["state"].as_str()),
        (200, Some("available"))
    );
    let (_, detail) = s.get(&format!("/api/jobs/{}", ids[0]), &op).await;
    let history = detail["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1]["message"], "retried by otto");

    // A list, with one id that does not exist.
    let (st, res) = s
        .post(
            "/api/jobs/actions",
            &op,
            json!({ "action": "cancel", "ids": [ids[1], ids[2], 424242] }),
        )
        .await;
    assert_eq!(st, 200, "{res}");
    assert_eq!(
        (res["changed"].as_i64(), res["refused"].as_i64()),
        (Some(2), Some(1))
    );
    assert!(
        res["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["id"] == 424242 && o["outcome"] == "not_found")
    );

    // All matching a filter: a dry run counts, the real run acts.
    let filter = json!({ "queue": "acts", "states": ["available"] });
    let (_, dry) = s
        .post(
            "/api/jobs/actions",
            &op,
            json!({ "action": "discard", "filter": filter, "dry_run": true }),
        )
        .await;
    assert_eq!(
        (dry["matched"].as_i64(), dry["changed"].as_i64()),
        (Some(4), Some(0))
    );
    let (_, still) = s.get("/api/jobs?queue=acts&state=available", &op).await;
    assert_eq!(
        still["jobs"].as_array().unwrap().len(),
        4,
        "a dry run changed something"
    );
    let (_, real) = s
        .post(
            "/api/jobs/actions",
            &op,
            json!({ "action": "discard", "filter": filter }),
        )
        .await;
    assert_eq!(
        (real["matched"].as_i64(), real["changed"].as_i64()),
        (Some(4), Some(4))
    );
    let both = s
        .call(
            Method::POST,
            "/api/jobs/actions",
            Some(&op),
            Some(json!({ "action": "retry", "ids": [1], "filter": {} })),
        )
        .await;
    assert_problem(&both, 400, "not both");

    let (_, audit) = s.get("/api/audit?actor=otto", &op).await;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec![
            "jobs.discard",
            "jobs.cancel",
            "jobs.retry",
            "jobs.discard",
            "jobs.discard",
            "jobs.enqueue"
        ]
    );
    assert_eq!(audit["entries"][0]["outcome"], "4 changed, 0 refused");
    assert_eq!(audit["entries"][3]["target"], format!("job {}", ids[0]));
}

async fn an_action_on_all_matching_pinned_to_its_dry_run_leaves_later_jobs_alone(s: TestServer) {
    let op = s.user("otto", Role::Operator).await;
    let viewer = s.user("vera", Role::Viewer).await;
    let enqueue = |n: usize| json!({ "jobs": (0..n).map(|i| json!({ "queue": "pinned", "kind": "noop", "payload": { "n": i } })).collect::<Vec<_>>() });
    let (_, first) = s.post("/api/jobs", &op, enqueue(3)).await;
    let last_counted = first["jobs"][2]["job"]["id"].as_i64().unwrap();

    // A viewer can count what a filter matches.
    let (st, count) = s
        .get("/api/jobs/count?queue=pinned&state=available", &viewer)
        .await;
    assert_eq!(st, 200, "{count}");
    assert_eq!(
        (count["count"].as_i64(), count["max_id"].as_i64()),
        (Some(3), Some(last_counted))
    );
    let (_, none) = s.get("/api/jobs/count?queue=nothing-here", &viewer).await;
    assert_eq!(
        (none["count"].as_i64(), none["max_id"].as_i64()),
        (Some(0), None)
    );

    let filter = json!({ "queue": "pinned", "states": ["available"] });
    let (_, dry) = s
        .post(
            "/api/jobs/actions",
            &op,
            json!({ "action": "cancel", "filter": filter, "dry_run": true }),
        )
        .await;
    assert_eq!(
        (dry["matched"].as_i64(), dry["max_id"].as_i64()),
        (Some(3), Some(last_counted))
    );

    // Two more matching jobs arrive while the operator reads the confirmation.
    let (_, late) = s.post("/api/jobs", &op, enqueue(2)).await;
    let late: Vec<i64> = late["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["job"]["id"].as_i64().unwrap())
        .collect();

    let pinned = json!({ "queue": "pinned", "states": ["available"], "max_id": dry["max_id"] });
    let (st, real) = s
        .post(
            "/api/jobs/actions",
            &op,
            json!({ "action": "cancel", "filter": pinned }),
        )
        .await;
    assert_eq!(st, 200, "{real}");
    assert_eq!(
        (real["matched"].as_i64(), real["changed"].as_i64()),
        (Some(3), Some(3))
    );
    for id in late {
        let (_, d) = s.get(&format!("/api/jobs/{id}"), &op).await;
        assert_eq!(
            d["job"]["state"], "available",
            "job {id} came after the dry run"
        );
    }
    let (_, audit) = s.get("/api/audit?actor=otto&action=jobs.cancel", &op).await;
    assert_eq!(
        audit["entries"][0]["target"],
        format!("jobs matching a filter, up to job {last_counted}")
    );

    let bad = s
        .call(
            Method::POST,
            "/api/jobs/actions",
            Some(&op),
            Some(json!({ "action": "cancel", "filter": { "max_id": 0 } })),
        )
        .await;
    assert_problem(&bad, 400, "max_id must be a positive whole number");
    let bad = s
        .call(
            Method::GET,
            "/api/jobs/count?state=finished",
            Some(&viewer),
            None,
        )
        .await;
    assert_problem(&bad, 400, "state");
}

async fn queues_are_counted_paused_and_resumed(s: TestServer) {
    let op = s.user("otto", Role::Operator).await;
    s.post("/api/jobs", &op, json!({ "jobs": [{ "queue": "zenodo", "kind": "noop" }, { "queue": "zenodo", "kind": "noop" }, { "queue": "merritt", "kind": "noop" }] })).await;
    let (st, paused) = s.post("/api/queues/zenodo/pause", &op, json!({})).await;
    assert_eq!(st, 200, "{paused}");
    assert_eq!(
        (
            paused["paused"].as_bool(),
            paused["paused_by"].as_str(),
            paused["total"].as_i64()
        ),
        (Some(true), Some("otto"), Some(2))
    );
    let (_, queues) = s.get("/api/queues", &op).await;
    let names: Vec<&str> = queues
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["merritt", "zenodo"]);
    let available = |q: &Value| {
        q["counts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["state"] == "available")
            .unwrap()["count"]
            .as_i64()
    };
    assert_eq!(available(&queues[1]), Some(2));
    assert_eq!(
        queues[1]["counts"].as_array().unwrap().len(),
        7,
        "every state is counted"
    );
    // A worker sees the pause: nothing of zenodo can be claimed.
    let now = clock::now();
    let claimed =
        s.t.db
            .run(move |c| queue::claim(c, "zenodo", 10, "w", now, now))
            .await
            .unwrap();
    assert!(claimed.is_empty());
    let (_, resumed) = s.post("/api/queues/zenodo/resume", &op, json!({})).await;
    assert_eq!(resumed["paused"], false);
    let bad = s
        .call(
            Method::POST,
            "/api/queues/has%20space/pause",
            Some(&op),
            None,
        )
        .await;
    assert_problem(&bad, 400, "queue name");
}

async fn workers_stats_and_time_series_report_real_counts(s: TestServer) {
    let viewer = s.user("vera", Role::Viewer).await;
    let now = clock::now();
    let row = WorkerRow {
        id: "host-a:1:abc".into(),
        host: "host-a".into(),
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
    let reqs: Vec<_> = (0..3)
        .map(|_| queue::EnqueueRequest::new("zenodo", "noop"))
        .collect();
    s.t.db
        .run(move |c| queue::enqueue_many(c, &reqs))
        .await
        .unwrap();
    let got =
        s.t.db
            .run(|c| {
                let now = clock::now();
                queue::claim(
                    c,
                    "zenodo",
                    2,
                    "host-a:1:abc",
                    now,
                    now + chrono::TimeDelta::seconds(30),
                )
            })
            .await
            .unwrap();
    let first = got[0].id;
    s.t.db
        .run(move |c| queue::complete_many(c, "host-a:1:abc", &[first], clock::now()))
        .await
        .unwrap();

    let (_, workers) = s.get("/api/workers", &viewer).await;
    assert_eq!(workers[0]["running_jobs"], 1);
    assert_eq!(workers[0]["alive"], true);
    assert_eq!(workers[0]["queues"], json!({ "zenodo": 3 }));
    let (_, stats) = s.get("/api/stats", &viewer).await;
    let total = |st: &str| {
        stats["totals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["state"] == st)
            .unwrap()["count"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(
        (total("completed"), total("running"), total("available")),
        (1, 1, 1)
    );
    assert_eq!(stats["workers_alive"], 1);
    let (st, series) = s.get("/api/stats/timeseries?minutes=5", &viewer).await;
    assert_eq!(st, 200);
    let points = series["points"].as_array().unwrap();
    assert_eq!(points.len(), 5);
    assert_eq!(
        points
            .iter()
            .map(|p| p["completed"].as_i64().unwrap())
            .sum::<i64>(),
        1
    );
    assert_eq!(
        points[4]["completed"], 1,
        "the completion lands in the current minute"
    );
    let bad = s
        .call(
            Method::GET,
            "/api/stats/timeseries?minutes=0",
            Some(&viewer),
            None,
        )
        .await;
    assert_problem(&bad, 400, "parameter `minutes`");
}

async fn users_and_api_tokens_are_managed_by_admins(s: TestServer) {
    let admin = s.user("ada", Role::Admin).await;
    let (st, u) = s
        .post(
            "/api/users",
            &admin,
            json!({ "username": "vera", "password": "a long enough password", "role": "viewer" }),
        )
        .await;
    assert_eq!((st.as_u16(), u["role"].as_str()), (201, Some("viewer")));
    let dup = s.call(Method::POST, "/api/users", Some(&admin), Some(json!({ "username": "vera", "password": "a long enough password", "role": "viewer" }))).await;
    assert_problem(&dup, 409, "already exists");
    let short = s
        .call(
            Method::POST,
            "/api/users",
            Some(&admin),
            Some(json!({ "username": "x", "password": "short", "role": "viewer" })),
        )
        .await;
    assert_problem(&short, 400, "password");
    let (st, u) = s
        .call(
            Method::PATCH,
            "/api/users/vera",
            Some(&admin),
            Some(json!({ "role": "operator" })),
        )
        .await
        .into_pair();
    assert_eq!((st, u["role"].as_str()), (200, Some("operator")));
    let (_, all) = s.get("/api/users", &admin).await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert!(
        all.to_string().find("password").is_none(),
        "a password hash leaked: {all}"
    );
    let me = s
        .call(Method::DELETE, "/api/users/ada", Some(&admin), None)
        .await;
    assert_problem(&me, 409, "cannot delete yourself");

    let (st, t) = s
        .post(
            "/api/tokens",
            &admin,
            json!({ "name": "nightly", "role": "viewer" }),
        )
        .await;
    assert_eq!(st, 201);
    let secret = t["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("lj_"));
    let (st, me) = s.get("/api/auth/me", &secret).await;
    assert_eq!(
        (st.as_u16(), me["name"].as_str(), me["role"].as_str()),
        (200, Some("token:nightly"), Some("viewer"))
    );
    let (_, listed) = s.get("/api/tokens", &admin).await;
    assert!(listed[0]["last_used_at"].is_string());
    assert!(
        !listed.to_string().contains(&secret),
        "the secret is shown again"
    );
    let id = t["token"]["id"].as_i64().unwrap();
    assert_eq!(
        s.post(&format!("/api/tokens/{id}/revoke"), &admin, json!({}))
            .await
            .0,
        200
    );
    let refused = s
        .call(Method::GET, "/api/auth/me", Some(&secret), None)
        .await;
    assert_problem(&refused, 401, "revoked");
    let (_, audit) = s.get("/api/audit?actor=ada", &admin).await;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec![
            "tokens.revoke",
            "tokens.create",
            "users.update",
            "users.create"
        ]
    );
}

trait IntoPair {
    fn into_pair(self) -> (u16, Value);
}

impl IntoPair for (poem::http::StatusCode, Value, Option<String>) {
    fn into_pair(self) -> (u16, Value) {
        (self.0.as_u16(), self.1)
    }
}

async fn bad_input_is_a_clear_4xx_problem(s: TestServer) {
    let op = s.user("otto", Role::Operator).await;
    let cases: Vec<(Method, &str, Option<Value>, u16, &str)> = vec![
        (
            Method::POST,
            "/api/jobs",
            Some(json!({ "jobs": [{ "queue": "q", "kind": 5 }] })),
            400,
            "Expected input type \"string\"",
        ),
        (
            Method::POST,
            "/api/jobs",
            Some(json!({ "jobs": [] })),
            400,
            "EnqueueJobs",
        ),
        (
            Method::POST,
            "/api/jobs",
            Some(json!({ "jobs": [{ "queue": "q", "kind": "k", "max_attempts": 0 }] })),
            400,
            "max_attempts must be between 1 and 1000",
        ),
        (
            Method::POST,
            "/api/jobs",
            Some(json!({ "jobs": [{ "queue": "q", "kind": "k", "priority": "high" }] })),
            400,
            "found \"high\"",
        ),
        (
            Method::POST,
            "/api/jobs",
            Some(json!("not an object")),
            400,
            "EnqueueJobs",
        ),
        (
            Method::POST,
            "/api/jobs/actions",
            Some(json!({ "action": "explode", "ids": [1] })),
            400,
            "JobAction",
        ),
        (Method::GET, "/api/jobs?state=finished", None, 400, "state"),
        (
            Method::GET,
            "/api/jobs?limit=501",
            None,
            400,
            "parameter `limit`: verification failed. maximum(500",
        ),
        (Method::GET, "/api/jobs?limit=-1", None, 400, "limit"),
        (Method::GET, "/api/jobs?cursor=zzz", None, 400, "cursor"),
        (
            Method::GET,
            "/api/jobs?created_after=yesterday",
            None,
            400,
            "created_after",
        ),
        (Method::GET, "/api/jobs/-5", None, 400, "parameter `id`"),
        (Method::GET, "/api/jobs/abc", None, 400, "integer"),
        (
            Method::GET,
            "/api/jobs/99999999999999999999",
            None,
            400,
            "integer",
        ),
        (
            Method::POST,
            "/api/jobs/0/retry",
            None,
            400,
            "parameter `id`",
        ),
        (Method::GET, "/api/no-such-thing", None, 404, "not found"),
        (Method::DELETE, "/api/jobs", None, 405, ""),
    ];
    for (method, path, body, status, needle) in cases {
        let got = s.call(method.clone(), path, Some(&op), body).await;
        assert_problem(&got, status, needle);
    }
    // Deeply nested JSON, invalid UTF-8 and an oversized body.
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let resp = s
        .client
        .post("/api/jobs")
        .header("Authorization", format!("Bearer {op}"))
        .content_type("application/json")
        .body(deep)
        .send()
        .await;
    assert_eq!(resp.0.status(), 400);
    let resp = s
        .client
        .post("/api/jobs")
        .header("Authorization", format!("Bearer {op}"))
        .content_type("application/json")
        .body(vec![0xff, 0xfe, b'{'])
        .send()
        .await;
    assert_eq!(resp.0.status(), 400);
    let huge = format!(
        "{{\"jobs\":[{{\"queue\":\"q\",\"kind\":\"k\",\"payload\":\"{}\"}}]}}",
        "x".repeat(9 * 1024 * 1024)
    );
    let resp = s
        .client
        .post("/api/jobs")
        .header("Authorization", format!("Bearer {op}"))
        .header("Content-Length", huge.len())
        .content_type("application/json")
        .body(huge.clone())
        .send()
        .await;
    assert_eq!(resp.0.status(), 413);
    // Without a declared length the body is cut at the limit and refused as unparsable.
    let resp = s
        .client
        .post("/api/jobs")
        .header("Authorization", format!("Bearer {op}"))
        .content_type("application/json")
        .body(huge)
        .send()
        .await;
    assert_eq!(resp.0.status(), 400);
    // Nothing of that created a job.
    let count =
        s.t.db
            .run(|c| queue::count_jobs(c, &Default::default()))
            .await
            .unwrap();
    assert_eq!(count, 0);
}

async fn status_alerts_tell_work_no_live_worker_would_run_and_old_holds_by_one_set_of_limits(
    s: TestServer,
) {
    use longjobs_core::maintenance::{self, HOLD_MERRITT};
    let token = s.user("otto", Role::Operator).await;
    let (st, body) = s.get("/api/maintenance", &token).await;
    assert_eq!((st.as_u16(), body["alerts"].clone()), (200, json!([])));

    let two_min_ago = clock::now() - chrono::TimeDelta::minutes(2);
    s.state
        .db
        .run(move |c| {
            queue::enqueue(
                c,
                &queue::EnqueueRequest::new("reports", "report.build").run_at(two_min_ago),
            )
        })
        .await
        .unwrap();
    let alerts = |body: &Value| -> Vec<String> {
        body["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect()
    };
    let (_, body) = s.get("/api/maintenance", &token).await;
    let a = alerts(&body);
    assert!(
        a.len() == 1 && a[0].starts_with("no worker is alive: 1 due jobs wait in reports"),
        "{a:?}"
    );

    let now = clock::now();
    let row = WorkerRow {
        id: "w-reports".into(),
        host: "host-a".into(),
        pid: 1,
        queues: r#"{"reports":1}"#.into(),
        kinds: Some(r#"["report.mail"]"#.into()),
        started_at: now,
        heartbeat_at: now,
        stopped_at: None,
    };
    let three_hours_ago = now - chrono::TimeDelta::hours(3);
    s.state
        .db
        .run(move |c| {
            queue::register_worker(c, &row)?;
            maintenance::set(c, HOLD_MERRITT, "ops", three_hours_ago).map(|_| ())
        })
        .await
        .unwrap();
    let (_, body) = s.get("/api/maintenance", &token).await;
    let a = alerts(&body);
    assert_eq!(a.len(), 2, "{a:?}");
    assert!(
        a.iter()
            .any(|x| x.contains("has been on for 180 min (limit 120 min)")),
        "the 2 h default of LONGJOBS_ALERT_HOLD_MAX: {a:?}"
    );
    assert!(
        a.iter()
            .any(|x| x.contains("no live worker of queue reports runs kind report.build: 1 wait")),
        "{a:?}"
    );
    // The Merritt page's hold alert follows the same limit.
    let (_, body) = s.get("/api/merritt/status", &token).await;
    let a = alerts(&body);
    assert!(
        a.len() == 1 && a[0].contains("held for 180 min, longer than 120 min"),
        "{a:?}"
    );
}

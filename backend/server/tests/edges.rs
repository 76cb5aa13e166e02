//! Edges that were 500s or loose ends, on every database: times outside years 0001–9999,
//! a very long `q`, a drain racing a restart, the bounds the spec states; and the modes of
//! a new SQLite file.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use std::sync::Arc;

use longjobs_core::access::Role;
use poem::http::Method;
use serde_json::{Value, json};

mod common;
use common::{TestServer, assert_problem};

longjobs_core::on_every_database! {
    threads = 4, setup = |t| super::TestServer::new(t).await;
    times_outside_years_0001_to_9999_are_a_400_everywhere,
    a_very_long_search_text_is_a_400,
    a_drain_racing_a_restart_never_fails,
    the_bounds_the_spec_states_are_the_ones_the_server_keeps,
}

async fn times_outside_years_0001_to_9999_are_a_400_everywhere(s: TestServer) {
    let op = s.user("otto", Role::Operator).await;
    for bad in ["-4713-01-01T00:00:00Z", "0000-12-31T23:59:59Z"] {
        for param in [
            "created_after",
            "created_before",
            "finished_after",
            "finished_before",
        ] {
            let q = bad.replace(':', "%3A").replace('+', "%2B");
            for path in ["/api/jobs", "/api/jobs/count"] {
                let got = s
                    .call(Method::GET, &format!("{path}?{param}={q}"), Some(&op), None)
                    .await;
                assert_problem(&got, 400, "years 0001 to 9999");
            }
            let got = s
                .call(
                    Method::POST,
                    "/api/jobs/actions",
                    Some(&op),
                    Some(json!({ "action": "cancel", "filter": { param: bad }, "dry_run": true })),
                )
                .await;
            assert_problem(&got, 400, "years 0001 to 9999");
        }
        let got = s
            .call(
                Method::POST,
                "/api/jobs",
                Some(&op),
                Some(json!({ "jobs": [{ "queue": "q", "kind": "noop", "run_at": bad }] })),
            )
            .await;
        assert_problem(&got, 400, "jobs[0].run_at");
    }
    // The ends of the range are fine.
    for good in ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"] {
        let q = good.replace(':', "%3A");
        let (st, body) = s.get(&format!("/api/jobs?created_after={q}"), &op).await;
        assert_eq!(st, 200, "{good}: {body}");
    }
    // Stored: years up to 9999, except on MySQL / MariaDB, which binds times as TIMESTAMP
    // values (up to 2038-01-19T03:14:07Z) — a clear 400 there, not a 500.
    let far = "9999-12-31T23:59:59Z";
    let enqueue = |at: &str| json!({ "jobs": [{ "queue": "q", "kind": "noop", "run_at": at }] });
    let mysql = s.state.db.backend() == longjobs_core::Backend::Mysql;
    let (st, body) = s.post("/api/jobs", &op, enqueue(far)).await;
    if mysql {
        assert_eq!(st, 400, "{body}");
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("2038-01-19T03:14:07"),
            "{body}"
        );
        let (st, body) = s
            .post("/api/jobs", &op, enqueue("2038-01-19T03:14:07Z"))
            .await;
        assert!(st.is_success(), "{body}");
    } else {
        assert!(st.is_success(), "{body}");
        let (_, page) = s.get("/api/jobs", &op).await;
        let at = page["jobs"][0]["run_at"].as_str().unwrap();
        assert!(at.starts_with("9999-12-31T23:59:59"), "{page}");
    }
    // A filter reaching past what MySQL binds still matches the stored jobs.
    let (_, page) = s
        .get("/api/jobs?created_after=0001-01-01T00%3A00%3A00Z&created_before=9999-12-31T00%3A00%3A00Z", &op)
        .await;
    assert_eq!(page["jobs"].as_array().unwrap().len(), 1, "{page}");
}

async fn a_very_long_search_text_is_a_400(s: TestServer) {
    let op = s.user("otto", Role::Operator).await;
    let ok = "a".repeat(500);
    let (st, body) = s.get(&format!("/api/jobs?q={ok}"), &op).await;
    assert_eq!(st, 200, "{body}");
    for long in ["a".repeat(501), "%25".repeat(20_000)] {
        for path in ["/api/jobs", "/api/jobs/count"] {
            let got = s
                .call(Method::GET, &format!("{path}?q={long}"), Some(&op), None)
                .await;
            assert_problem(&got, 400, "at most 500");
        }
    }
    let got = s
        .call(
            Method::POST,
            "/api/jobs/actions",
            Some(&op),
            Some(json!({ "action": "cancel", "filter": { "text": "%".repeat(30_000) }, "dry_run": true })),
        )
        .await;
    assert_problem(&got, 400, "at most 500");
}

async fn a_drain_racing_a_restart_never_fails(s: TestServer) {
    let op = s.user("otto", Role::Operator).await;
    let s = Arc::new(s);
    let mut tasks = Vec::new();
    for i in 0..4 {
        let (s, op) = (s.clone(), op.clone());
        tasks.push(tokio::spawn(async move {
            let mut bad = Vec::new();
            for _ in 0..40 {
                let (st, body) = if i % 2 == 0 {
                    s.post(
                        "/api/maintenance/drain",
                        &op,
                        json!({ "zenodo": true, "merritt": true }),
                    )
                    .await
                } else {
                    s.post("/api/maintenance/restart", &op, json!({})).await
                };
                if st != 200 {
                    bad.push(format!("{st} {body}"));
                }
            }
            bad
        }));
    }
    let mut failures: Vec<String> = Vec::new();
    for t in tasks {
        failures.extend(t.await.unwrap());
    }
    assert!(
        failures.is_empty(),
        "{} failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
}

async fn the_bounds_the_spec_states_are_the_ones_the_server_keeps(s: TestServer) {
    let spec: Value =
        serde_json::from_str(&longjobs_server::openapi_json(s.state.clone())).unwrap();
    let param = |path: &str, method: &str, name: &str| -> Value {
        spec["paths"][path][method]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{method} {path} has no {name}"))["schema"]
            .clone()
    };
    for (path, method) in [
        ("/api/jobs/{id}", "get"),
        ("/api/jobs/{id}/retry", "post"),
        ("/api/jobs/{id}/cancel", "post"),
        ("/api/jobs/{id}/discard", "post"),
        ("/api/tokens/{id}/revoke", "post"),
        ("/api/zenodo/copies/{id}", "get"),
    ] {
        assert_eq!(
            param(path, method, "id")["minimum"].as_f64(),
            Some(1.0),
            "{method} {path}"
        );
    }
    for path in [
        "/api/jobs",
        "/api/audit",
        "/api/merritt/submissions",
        "/api/zenodo/copies",
    ] {
        let limit = param(path, "get", "limit");
        assert_eq!(
            (limit["minimum"].as_f64(), limit["maximum"].as_f64()),
            (Some(1.0), Some(500.0)),
            "{path}"
        );
    }
    let minutes = param("/api/stats/timeseries", "get", "minutes");
    assert_eq!(minutes["maximum"].as_f64(), Some(10080.0));

    // And the server answers them with a 400, not a 404 or a 500.
    let admin = s.user("ada", Role::Admin).await;
    for (method, path) in [
        (Method::GET, "/api/jobs/0"),
        (Method::POST, "/api/jobs/-1/retry"),
        (Method::POST, "/api/tokens/0/revoke"),
        (Method::GET, "/api/jobs?limit=501"),
        (Method::GET, "/api/audit?limit=0"),
        (Method::GET, "/api/stats/timeseries?minutes=10081"),
    ] {
        let (st, body, _) = s.call(method.clone(), path, Some(&admin), None).await;
        assert_eq!(st, 400, "{method} {path}: {body}");
    }
}

#[tokio::test]
async fn a_new_sqlite_file_and_its_directory_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let base = std::env::temp_dir().join(format!("longjobs-modes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    let dir = base.join("data");
    let file = dir.join("longjobs.db");
    let db = longjobs_core::Db::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700, "directory");
    assert_eq!(mode(&file), 0o600, "database file");
    for side in ["longjobs.db-wal", "longjobs.db-shm"] {
        let p = dir.join(side);
        if p.exists() {
            assert_eq!(mode(&p), 0o600, "{side}");
        }
    }
    drop(db);
    let _ = std::fs::remove_dir_all(&base);
}

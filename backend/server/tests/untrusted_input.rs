//! What the API refuses because of what it would make a worker do: internal job kinds
//! through the jobs API (answered with the endpoint to use), job kinds not allowed, file
//! URLs off the source hosts when the server knows them; and that every enqueue is audited.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

mod common;

use common::TestServer;
use longjobs_core::access::Role;
use longjobs_core::testing::TestDb;
use longjobs_replication::source::SourcePolicy;
use longjobs_server::HttpOptions;
use longjobs_server::policy::ApiPolicy;
use poem::http::{Method, StatusCode};
use serde_json::{Value, json};

longjobs_core::on_every_database! {
    threads = 2, setup = |t| super::TestServer::new(t).await;
    internal_kinds_are_refused_by_the_jobs_api_with_the_endpoint_to_use,
    every_enqueue_is_audited_with_actor_kind_and_job_ids,
}

async fn enqueue(s: &TestServer, token: &str, jobs: Value) -> (StatusCode, Value) {
    let (st, v, _) = s
        .call(
            Method::POST,
            "/api/jobs",
            Some(token),
            Some(json!({ "jobs": jobs })),
        )
        .await;
    (st, v)
}

async fn internal_kinds_are_refused_by_the_jobs_api_with_the_endpoint_to_use(s: TestServer) {
    let ops = s.user("ops", Role::Operator).await;
    for (kind, endpoint) in [
        ("zenodo.copy", "POST /api/zenodo/copies"),
        ("merritt.submit", "POST /api/merritt/submissions"),
        ("merritt.check", "POST /api/merritt/submissions/resend"),
        ("zenodo.retry_errors", "POST /api/zenodo/copies/resend"),
        ("notify.send", "notifications"),
    ] {
        let (st, v) = enqueue(
            &s,
            &ops,
            json!([{ "queue": "default", "kind": "noop" }, { "queue": "zenodo", "kind": kind, "payload": { "copy_id": 1 } }]),
        )
        .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{kind}: {v}");
        let detail = v["detail"].as_str().unwrap();
        assert!(
            detail.starts_with("jobs[1].kind") && detail.contains(endpoint),
            "{detail}"
        );
    }
    // A job of an allowed kind may not hold a replication job's keys either.
    for (key, value) in [
        ("unique_key", "zenodo.copy:1"),
        ("unique_key", "zenodo.retry_errors:2026-12-01"),
        ("ordering_key", "zenodo:doi:10.5061/dryad.x:data"),
        ("ordering_key", "merritt:7"),
    ] {
        let (st, v) = enqueue(
            &s,
            &ops,
            json!([{ "queue": "default", "kind": "noop", key: value }]),
        )
        .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{key} {value}: {v}");
        assert!(v["detail"].as_str().unwrap().contains("reserved"), "{v}");
    }
    let (st, v) = enqueue(
        &s,
        &ops,
        json!([{ "queue": "reports", "kind": "build_report" }]),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["detail"]
            .as_str()
            .unwrap()
            .contains("LONGJOBS_API_JOB_KINDS"),
        "{v}"
    );
    let (_, page, _) = s.call(Method::GET, "/api/jobs", Some(&ops), None).await;
    assert!(
        page["jobs"].as_array().unwrap().is_empty(),
        "a refused request enqueued something: {page}"
    );
}

async fn every_enqueue_is_audited_with_actor_kind_and_job_ids(s: TestServer) {
    let ops = s.user("ops", Role::Operator).await;
    let admin = s.user("root", Role::Admin).await;
    let (st, v) = enqueue(
        &s,
        &ops,
        json!([
            { "queue": "default", "kind": "noop", "unique_key": "once" },
            { "queue": "default", "kind": "noop" },
            { "queue": "default", "kind": "sleep", "payload": { "ms": 1 } },
        ]),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let ids: Vec<i64> = v["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["job"]["id"].as_i64().unwrap())
        .collect();
    let (st, again) = enqueue(
        &s,
        &ops,
        json!([{ "queue": "default", "kind": "noop", "unique_key": "once" }]),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{again}");
    let (_, audit, _) = s
        .call(
            Method::GET,
            "/api/audit?action=jobs.enqueue",
            Some(&admin),
            None,
        )
        .await;
    let entries = audit["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("{audit}"));
    let seen: Vec<(String, String, String, String)> = entries
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_string(),
                e["target"].as_str().unwrap().to_string(),
                e["outcome"].as_str().unwrap().to_string(),
                e["detail"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let noop = if ids[1] == ids[0] + 1 {
        format!("jobs {}-{}", ids[0], ids[1])
    } else {
        format!("jobs {}, {}", ids[0].min(ids[1]), ids[0].max(ids[1]))
    };
    for want in [
        ("ops", noop.as_str(), "created", "kind noop, queue default"),
        (
            "ops",
            &format!("job {}", ids[2]),
            "created",
            "kind sleep, queue default",
        ),
        (
            "ops",
            &format!("job {}", ids[0]),
            "existing",
            "kind noop, queue default",
        ),
    ] {
        assert!(
            seen.iter()
                .any(|(a, t, o, d)| (a.as_str(), t.as_str(), o.as_str(), d.as_str()) == want),
            "{want:?} not in {seen:?}"
        );
    }
}

fn copy_with(url: &str) -> Value {
    json!({ "identifier": "doi:10.5061/dryad.u", "resource_id": 1, "copy_type": "data",
            "metadata": { "title": "t", "upload_type": "dataset", "description": "d", "creators": [{ "name": "Doe, J" }] },
            "files": [{ "name": "a.csv", "size": 1, "md5": "0123456789abcdef0123456789abcdef", "url": url }] })
}

fn submission_with(url: &str) -> Value {
    json!({ "resource_id": 1, "identifier": "doi:10.5061/dryad.u", "profile": "p", "submitter": "s",
            "files": [{ "url": url, "size": 1, "md5": "0123456789abcdef0123456789abcdef", "name": "a.csv" }] })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_told_the_source_hosts_refuses_other_urls_up_front() {
    let sources = SourcePolicy::from_settings(&["files.example.org".into()], &[]).unwrap();
    let policy = ApiPolicy::new(&["noop".into()], Some(sources)).unwrap();
    let s = TestServer::with_policy(
        TestDb::sqlite().await.unwrap(),
        HttpOptions::default(),
        policy,
    )
    .await;
    let ops = s.user("ops", Role::Operator).await;
    for url in [
        "http://127.0.0.1:9187/metrics",
        "http://169.254.169.254/latest/meta-data/",
        "https://files.example.org.evil.net/a.csv",
        "file:///etc/passwd",
    ] {
        for (path, body) in [
            ("/api/zenodo/copies", copy_with(url)),
            ("/api/merritt/submissions", submission_with(url)),
        ] {
            let (st, v, _) = s.call(Method::POST, path, Some(&ops), Some(body)).await;
            assert_eq!(st, StatusCode::BAD_REQUEST, "{path} {url}: {v}");
            assert!(
                v["detail"].as_str().unwrap().contains("files[0].url"),
                "{v}"
            );
        }
    }
    let (st, v, _) = s
        .call(
            Method::POST,
            "/api/zenodo/copies",
            Some(&ops),
            Some(copy_with("https://files.example.org/a.csv")),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let (st, v, _) = s
        .call(
            Method::POST,
            "/api/merritt/submissions",
            Some(&ops),
            Some(submission_with("https://files.example.org/a.csv")),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merritt_names_and_urls_with_line_breaks_or_bars_are_a_400() {
    let s = TestServer::new(TestDb::sqlite().await.unwrap()).await;
    let ops = s.user("ops", Role::Operator).await;
    for (url, name) in [
        (
            "https://f.example.org/a",
            "a.csv\nhttps://evil.example/x | md5 | 0 | 1 | | x",
        ),
        ("https://f.example.org/a", "a\r.csv"),
        ("https://f.example.org/a", "a|b.csv"),
        ("https://f.example.org/a\n", "a.csv"),
        ("https://f.example.org/a|b", "a.csv"),
    ] {
        let mut body = submission_with(url);
        body["files"][0]["name"] = json!(name);
        let (st, v, _) = s
            .call(
                Method::POST,
                "/api/merritt/submissions",
                Some(&ops),
                Some(body),
            )
            .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{url:?} {name:?}: {v}");
    }
}

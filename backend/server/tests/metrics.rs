//! `GET /metrics` over a real database: closed without a token unless made public, and the
//! gauges follow the jobs, queues and maintenance switches.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use longjobs_core::access::Role;
use longjobs_core::queue::{self, EnqueueRequest};
use longjobs_core::testing::TestDb;
use longjobs_server::HttpOptions;
use poem::http::Method;
use serde_json::json;

mod common;
use common::{TestServer, assert_problem};

longjobs_core::on_every_database! {
    threads = 2;
    metrics_need_a_token_of_any_role_unless_made_public,
    metrics_follow_jobs_queues_and_the_maintenance_switches,
}

/// The value of `name{labels}` (labels in the order the server writes them).
fn sample(page: &str, series: &str) -> Option<f64> {
    page.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

async fn metrics(s: &TestServer, token: Option<&str>) -> (u16, String, Option<String>) {
    let mut req = s.client.request(Method::GET, "/metrics");
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    let resp = req.send().await;
    let status = resp.0.status().as_u16();
    let ctype = resp
        .0
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (
        status,
        resp.0.into_body().into_string().await.unwrap(),
        ctype,
    )
}

async fn metrics_need_a_token_of_any_role_unless_made_public(t: TestDb) {
    let s = TestServer::new(t).await;
    let (st, body, ctype) = metrics(&s, None).await;
    assert_eq!(st, 401, "{body}");
    assert_eq!(ctype.as_deref(), Some("application/problem+json"));
    assert!(body.contains("LONGJOBS_METRICS_PUBLIC"), "{body}");
    let got = s.call(Method::GET, "/metrics", Some("forged"), None).await;
    assert_problem(&got, 401, "");

    // A viewer API token — what a Prometheus scrape job would carry.
    let admin = s.user("root", Role::Admin).await;
    let (st, tok) = s
        .post(
            "/api/tokens",
            &admin,
            json!({ "name": "prometheus", "role": "viewer" }),
        )
        .await;
    assert_eq!(st, 201, "{tok}");
    let secret = tok["token"]["secret"]
        .as_str()
        .or(tok["secret"].as_str())
        .unwrap()
        .to_string();
    let (st, body, ctype) = metrics(&s, Some(&secret)).await;
    assert_eq!(st, 200, "{body}");
    assert!(
        ctype.unwrap().starts_with("application/openmetrics-text"),
        "wrong content type"
    );
    assert!(
        body.contains("# TYPE longjobs_workers_alive gauge"),
        "{body}"
    );
    assert!(body.trim_end().ends_with("# EOF"), "{body}");

    // Revoked: closed again.
    let id = tok["token"]["id"].as_i64().unwrap();
    let (st, _) = s
        .post(&format!("/api/tokens/{id}/revoke"), &admin, json!({}))
        .await;
    assert!(st.is_success());
    assert_eq!(metrics(&s, Some(&secret)).await.0, 401);

    // Public: no token needed.
    let public = TestServer::with_options(
        TestDb::sqlite().await.unwrap(),
        HttpOptions {
            metrics_public: true,
            ..Default::default()
        },
    )
    .await;
    let (st, body, _) = metrics(&public, None).await;
    assert_eq!(st, 200, "{body}");
}

async fn metrics_follow_jobs_queues_and_the_maintenance_switches(t: TestDb) {
    let s = TestServer::new(t).await;
    let ops = s.user("ops", Role::Operator).await;
    let before = metrics(&s, Some(&ops)).await.1;
    assert_eq!(
        sample(
            &before,
            r#"longjobs_jobs{queue="reports",state="available"}"#
        ),
        None
    );
    s.t.db
        .run(|c| {
            for _ in 0..3 {
                queue::enqueue(c, &EnqueueRequest::new("reports", "noop"))?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let (st, v) = s.post("/api/queues/reports/pause", &ops, json!({})).await;
    assert_eq!(st, 200, "{v}");
    let (st, v) = s
        .post(
            "/api/maintenance/drain",
            &ops,
            json!({ "zenodo": false, "merritt": true }),
        )
        .await;
    assert_eq!(st, 200, "{v}");

    let page = metrics(&s, Some(&ops)).await.1;
    let at = |series: &str| sample(&page, series);
    assert_eq!(
        at(r#"longjobs_jobs{queue="reports",state="available"}"#),
        Some(3.0)
    );
    assert_eq!(
        at(r#"longjobs_jobs{queue="reports",state="running"}"#),
        Some(0.0)
    );
    assert_eq!(
        at(r#"longjobs_jobs{queue="reports",state="completed"}"#),
        Some(0.0)
    );
    assert_eq!(at(r#"longjobs_queue_paused{queue="reports"}"#), Some(1.0));
    assert_eq!(
        at(r#"longjobs_maintenance_switch{switch="hold_merritt"}"#),
        Some(1.0)
    );
    assert_eq!(
        at(r#"longjobs_maintenance_switch{switch="defer_zenodo"}"#),
        Some(0.0)
    );
    assert!(
        at(r#"longjobs_maintenance_switch_since_timestamp_seconds{switch="hold_merritt"}"#)
            .unwrap()
            > 1.7e9
    );
    assert_eq!(at("longjobs_drained"), Some(1.0));
    assert_eq!(at("longjobs_workers_alive"), Some(0.0));
    assert_eq!(
        at(r#"longjobs_merritt_submissions{state="errored"}"#),
        Some(0.0)
    );
    assert_eq!(at("longjobs_notify_events_pending"), Some(0.0));

    let (st, v) = s.post("/api/maintenance/restart", &ops, json!({})).await;
    assert_eq!(st, 200, "{v}");
    let page = metrics(&s, Some(&ops)).await.1;
    assert_eq!(
        sample(
            &page,
            r#"longjobs_maintenance_switch{switch="hold_merritt"}"#
        ),
        Some(0.0)
    );
    assert_eq!(sample(&page, "longjobs_drained"), Some(0.0));
}

//! Passwords, login tokens, API token secrets and the JWT secret never reach the log (at
//! any level) or a stored row: every auth path is exercised with the log captured, then the
//! log, the API's own listings and the SQLite file itself are searched for each secret.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use longjobs_core::access::Role;
use longjobs_core::testing::TestDb;
use poem::http::Method;
use serde_json::json;

mod common;
use common::{PASSWORD, SECRET, TestServer};

/// Everything logged in this test process.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_the_log_or_a_stored_row() {
    let log = Captured::default();
    let writer = log.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let t = TestDb::sqlite().await.unwrap();
    let db_file = t.url.trim_start_matches("sqlite://").to_string();
    let s = TestServer::new(t).await;
    let admin = s.user("root", Role::Admin).await;
    let mut secrets: Vec<(&str, String)> = vec![
        ("the admin's password", PASSWORD.to_string()),
        ("the admin's login token", admin.clone()),
        (
            "the JWT secret",
            String::from_utf8_lossy(SECRET).into_owned(),
        ),
    ];

    // Sign in: right, wrong, and a password typed into the right field of a wrong user.
    let wrong = "a wrong password that must not be logged";
    let (st, v) = s
        .post(
            "/api/auth/login",
            "",
            json!({ "username": "root", "password": PASSWORD }),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    secrets.push((
        "a fresh login token",
        v["token"].as_str().unwrap().to_string(),
    ));
    let (st, _) = s
        .post(
            "/api/auth/login",
            "",
            json!({ "username": "root", "password": wrong }),
        )
        .await;
    assert_eq!(st, 401);
    secrets.push(("a wrong password", wrong.to_string()));
    let (st, _) = s
        .post(
            "/api/auth/login",
            "",
            json!({ "username": "ghost", "password": "ghost's own password" }),
        )
        .await;
    assert_eq!(st, 401);
    secrets.push((
        "an unknown user's password",
        "ghost's own password".to_string(),
    ));

    // Users: created with a password, then given another.
    let (st, v) = s
        .post(
            "/api/users",
            &admin,
            json!({ "username": "nora", "password": "nora's first password", "role": "operator" }),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    let (st, v, _) = s
        .call(
            Method::PATCH,
            "/api/users/nora",
            Some(&admin),
            Some(json!({ "password": "nora's second password" })),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    secrets.push(("a new user's password", "nora's first password".to_string()));
    secrets.push(("a changed password", "nora's second password".to_string()));

    // An API token: created, used, revoked, refused.
    let (st, v) = s
        .post(
            "/api/tokens",
            &admin,
            json!({ "name": "nightly", "role": "operator" }),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    let api_token = v["secret"].as_str().unwrap().to_string();
    let token_id = v["token"]["id"].as_i64().unwrap();
    assert_eq!(s.get("/api/jobs", &api_token).await.0, 200);
    let (st, _) = s
        .post(&format!("/api/tokens/{token_id}/revoke"), &admin, json!({}))
        .await;
    assert_eq!(st, 200);
    assert_eq!(s.get("/api/jobs", &api_token).await.0, 401);
    secrets.push(("an API token's secret", api_token));

    // Forged and unknown tokens are refused without being echoed.
    let forged = format!("{}x", &admin[..admin.len() - 1]);
    assert_eq!(s.get("/api/jobs", &forged).await.0, 401);
    let unknown = "lj_an-unknown-api-token-that-must-not-be-logged".to_string();
    assert_eq!(s.get("/api/jobs", &unknown).await.0, 401);
    secrets.push(("a forged token", forged));
    secrets.push(("an unknown API token", unknown));

    // What the API itself shows: users, tokens, the audit log.
    let mut shown = String::new();
    for path in ["/api/users", "/api/tokens", "/api/audit?limit=500"] {
        let (st, v) = s.get(path, &admin).await;
        assert_eq!(st, 200, "{path}");
        shown.push_str(&v.to_string());
    }
    assert!(
        shown.contains("nightly") && shown.contains("users.create"),
        "{shown}"
    );
    // And every byte the database holds (WAL included).
    let mut stored = Vec::new();
    for suffix in ["", "-wal"] {
        if let Ok(bytes) = std::fs::read(format!("{db_file}{suffix}")) {
            stored.extend(bytes);
        }
    }
    assert!(!stored.is_empty());
    let stored = String::from_utf8_lossy(&stored).into_owned();

    let logged = log.text();
    assert!(
        logged.contains("failed sign-in"),
        "the log was not captured: {logged}"
    );
    for (what, secret) in &secrets {
        assert!(!logged.contains(secret.as_str()), "{what} is in the log");
        assert!(
            !shown.contains(secret.as_str()),
            "{what} is shown by the API"
        );
        assert!(
            !stored.contains(secret.as_str()),
            "{what} is stored in the database"
        );
    }
}

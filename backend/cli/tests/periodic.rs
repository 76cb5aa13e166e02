//! `longjobs periodic`: list, run now, pause and resume periodic jobs, against a real
//! server on loopback over a real SQLite database.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use std::process::Command;
use std::time::Duration;

use longjobs_core::access::{Role, users};
use longjobs_core::clock;
use longjobs_core::periodic::{self, PeriodicDef, Schedule};
use longjobs_core::testing::TestDb;
use longjobs_server::auth::{AuthConfig, hash_password};
use longjobs_server::{AppState, HttpOptions, app};
use poem::Server;
use poem::listener::{Acceptor, Listener, TcpListener};

const PASSWORD: &str = "a long enough password";

fn longjobs(server: &str, home: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_longjobs"))
        .args(args)
        .env("LONGJOBS_SERVER", server)
        .env("XDG_CONFIG_HOME", home)
        .env_remove("LONGJOBS_TOKEN")
        .env_remove("LONGJOBS_PASSWORD")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_lists_runs_pauses_and_resumes_periodic_jobs() {
    let t = TestDb::sqlite().await.unwrap();
    let hash = hash_password(PASSWORD).unwrap();
    t.db.run(move |c| users::create(c, "otto", &hash, Role::Operator, clock::now()))
        .await
        .unwrap();
    // The row a worker writes at start-up.
    let def = PeriodicDef {
        name: "zenodo.retry_errors".into(),
        queue: "zenodo".into(),
        kind: "zenodo.retry_errors".into(),
        priority: 100,
        max_attempts: 3,
        schedule: "daily 03:00".parse::<Schedule>().unwrap(),
    };
    t.db.run(move |c| periodic::ensure(c, &def, "settings", clock::now()))
        .await
        .unwrap();
    let state = AppState::new(
        t.db.clone(),
        AuthConfig::new(
            b"cli-test-secret-cli-test-secret-xx".to_vec(),
            Duration::from_secs(600),
        ),
        Default::default(),
    );
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap();
    let addr = acceptor.local_addr()[0].as_socket_addr().copied().unwrap();
    tokio::spawn(Server::new_with_acceptor(acceptor).run(app(state, &HttpOptions::default())));
    let server = format!("http://{addr}");
    let home = std::env::temp_dir().join(format!("longjobs-cli-periodic-{}", std::process::id()));
    let run = |args: &[&str]| longjobs(&server, &home, args);

    let (ok, _, err) = run(&["login", "--username", "otto", "--password", PASSWORD]);
    assert!(ok, "{err}");
    let (ok, out, err) = run(&["periodic", "list"]);
    assert!(ok, "{err}");
    assert!(out.contains("zenodo.retry_errors"), "{out}");
    assert!(out.contains("daily at 03:00 UTC"), "{out}");

    let (ok, out, err) = run(&["periodic", "run", "zenodo.retry_errors"]);
    assert!(ok, "{err}");
    assert!(
        out.starts_with("zenodo.retry_errors enqueued as job #1"),
        "{out}"
    );
    let (ok, _, err) = run(&["periodic", "run", "zenodo.retry_errors"]);
    assert!(!ok && err.contains("still running as job #1"), "{err}");

    let (ok, out, err) = run(&["periodic", "pause", "zenodo.retry_errors"]);
    assert!(ok && out.contains("paused"), "{out}{err}");
    let (ok, out, _) = run(&["--json", "periodic", "list"]);
    assert!(ok);
    let listed: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(listed[0]["paused"], true);
    assert_eq!(listed[0]["last_job_id"], 1);
    assert_eq!(listed[0]["last_job_state"], "available");
    let (ok, out, err) = run(&["periodic", "resume", "zenodo.retry_errors"]);
    assert!(ok && out.contains("resumed; next run"), "{out}{err}");
    let (ok, _, err) = run(&["periodic", "run", "nope"]);
    assert!(!ok && err.contains("no periodic job"), "{err}");
    let _ = std::fs::remove_dir_all(home);
}

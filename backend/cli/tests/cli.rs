//! The `longjobs` binary against a real server on loopback over a real SQLite database.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use std::process::Command;
use std::time::Duration;

use longjobs_core::access::{Role, users};
use longjobs_core::clock;
use longjobs_core::testing::TestDb;
use longjobs_server::auth::{AuthConfig, hash_password};
use longjobs_server::{AppState, HttpOptions, app};
use poem::Server;
use poem::listener::{Acceptor, Listener, TcpListener};

const PASSWORD: &str = "a long enough password";

async fn start_server(t: &TestDb) -> String {
    let state = AppState::new(
        t.db.clone(),
        AuthConfig::new(
            b"cli-test-secret-cli-test-secret-xx".to_vec(),
            Duration::from_secs(600),
        ),
        Default::default(),
    );
    for (name, role) in [("otto", Role::Operator), ("vera", Role::Viewer)] {
        let hash = hash_password(PASSWORD).unwrap();
        t.db.run(move |c| users::create(c, name, &hash, role, clock::now()))
            .await
            .unwrap();
    }
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap();
    let addr = acceptor.local_addr()[0].as_socket_addr().copied().unwrap();
    let ep = app(state, &HttpOptions::default());
    tokio::spawn(Server::new_with_acceptor(acceptor).run(ep));
    format!("http://{addr}")
}

struct Cli {
    server: String,
    home: std::path::PathBuf,
}

impl Cli {
    fn run(&self, args: &[&str]) -> (bool, String, String) {
        self.run_with_input(args, None)
    }

    /// Runs with `input` piped to standard input (else standard input is empty and not a
    /// terminal, as in a script).
    fn run_with_input(&self, args: &[&str], input: Option<&str>) -> (bool, String, String) {
        use std::io::Write;
        use std::process::Stdio;
        let mut child = Command::new(env!("CARGO_BIN_EXE_longjobs"))
            .args(args)
            .env("LONGJOBS_SERVER", &self.server)
            .env("XDG_CONFIG_HOME", &self.home)
            .env_remove("LONGJOBS_TOKEN")
            .env_remove("LONGJOBS_PASSWORD")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        if let Some(text) = input {
            stdin.write_all(text.as_bytes()).unwrap();
        }
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_signs_in_with_the_password_on_standard_input() {
    let t = TestDb::sqlite().await.unwrap();
    let server = start_server(&t).await;
    let home = std::env::temp_dir().join(format!("longjobs-cli-stdin-{}", std::process::id()));
    let cli = Cli {
        server,
        home: home.clone(),
    };

    // No --password and no terminal: a clear refusal at once, not a wait for input.
    let (ok, out, err) = cli.run(&["login", "--username", "otto"]);
    assert!(!ok && out.is_empty(), "{out}");
    assert!(err.contains("--password-stdin"), "{err}");

    let (ok, _, err) = cli.run_with_input(
        &["login", "--username", "otto", "--password-stdin"],
        Some("wrong password\n"),
    );
    assert!(!ok, "a wrong password on stdin signed in");
    assert!(err.contains("invalid username or password"), "{err}");

    let (ok, out, err) = cli.run_with_input(
        &["login", "--username", "otto", "--password-stdin"],
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(ok, "{err}");
    assert!(out.contains("signed in as otto (operator)"), "{out}");
    let (ok, _, err) = cli.run(&["jobs", "list"]);
    assert!(ok, "the saved token did not work: {err}");

    let (ok, _, err) = cli.run_with_input(
        &["login", "--username", "otto", "--password-stdin"],
        Some(""),
    );
    assert!(!ok && err.contains("standard input was empty"), "{err}");
    let _ = std::fs::remove_dir_all(home);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_lists_acts_and_pauses_from_the_command_line() {
    let t = TestDb::sqlite().await.unwrap();
    let server = start_server(&t).await;
    let home = std::env::temp_dir().join(format!("longjobs-cli-{}", std::process::id()));
    let cli = Cli {
        server,
        home: home.clone(),
    };

    let (ok, _, err) = cli.run(&["jobs", "list"]);
    assert!(!ok && err.contains("longjobs login"), "{err}");
    let (ok, out, err) = cli.run(&["login", "--username", "otto", "--password", PASSWORD]);
    assert!(ok, "{err}");
    assert!(out.contains("signed in as otto (operator)"), "{out}");
    let (ok, out, _) = cli.run(&["login", "--username", "otto", "--password", "wrong"]);
    assert!(!ok && out.is_empty());

    let (ok, out, err) = cli.run(&[
        "jobs",
        "enqueue",
        "--queue",
        "zenodo",
        "--kind",
        "sleep",
        "--payload",
        r#"{"ms": 5}"#,
    ]);
    assert!(ok, "{err}");
    assert!(out.starts_with("job 1 enqueued"), "{out}");
    cli.run(&["jobs", "enqueue", "--queue", "zenodo", "--kind", "noop"]);
    let (ok, out, _) = cli.run(&["jobs", "list"]);
    assert!(ok);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("ID") && lines[0].contains("STATE"),
        "{out}"
    );
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[1].starts_with("2 ") && lines[1].contains("available"));

    let (ok, out, _) = cli.run(&[
        "--json",
        "jobs",
        "list",
        "--state",
        "available",
        "--limit",
        "1",
    ]);
    assert!(ok);
    let page: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(page["jobs"].as_array().unwrap().len(), 1);
    assert!(page["next_cursor"].is_string());

    let (ok, out, _) = cli.run(&["jobs", "cancel", "1", "2"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("job 1: cancelled") && out.contains("2 changed, 0 refused"),
        "{out}"
    );
    let (ok, out, err) = cli.run(&["jobs", "cancel", "1"]);
    assert!(!ok, "refusals make the command fail");
    assert!(
        out.contains("refused: the job is already cancelled"),
        "{out}"
    );
    assert!(err.contains("1 of 1 jobs were refused"), "{err}");
    let (ok, out, _) = cli.run(&["jobs", "retry", "1"]);
    assert!(ok && out.contains("job 1: available"), "{out}");
    let (ok, out, _) = cli.run(&["jobs", "show", "1"]);
    assert!(
        ok && out.contains("cancelled by otto") && out.contains("retried by otto"),
        "{out}"
    );

    let (ok, out, _) = cli.run(&["queues", "pause", "zenodo"]);
    assert!(ok && out.contains("queue zenodo paused"), "{out}");
    let (ok, out, _) = cli.run(&["queues", "list"]);
    assert!(ok);
    let row = out.lines().find(|l| l.starts_with("zenodo")).unwrap();
    assert!(row.split_whitespace().nth(1) == Some("yes"), "{out}");
    let (ok, _, _) = cli.run(&["queues", "resume", "zenodo"]);
    assert!(ok);
    let (ok, out, _) = cli.run(&["workers"]);
    assert!(ok && out.starts_with("ID"), "{out}");

    // A viewer's token cannot act; the error says why.
    cli.run(&["login", "--username", "vera", "--password", PASSWORD]);
    let (ok, _, err) = cli.run(&["jobs", "retry", "1"]);
    assert!(
        !ok && err.contains("403") && err.contains("needs operator"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(home);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_drain_and_restart_work_like_the_old_script() {
    let t = TestDb::sqlite().await.unwrap();
    let server = start_server(&t).await;
    let home = std::env::temp_dir().join(format!("longjobs-cli-m-{}", std::process::id()));
    let cli = Cli {
        server,
        home: home.clone(),
    };
    assert!(
        cli.run(&["login", "--username", "otto", "--password", PASSWORD])
            .0
    );
    // Due work in a queue no worker serves (no worker runs at all here).
    t.db.run(|c| {
        longjobs_core::queue::enqueue(
            c,
            &longjobs_core::queue::EnqueueRequest::new("reports", "noop"),
        )
    })
    .await
    .unwrap();
    let (ok, out, _) = cli.run(&["status"]);
    assert!(ok, "{out}");
    for line in [
        "unserved (no live worker):        1 jobs: 1 in reports (no live worker serves queue reports)",
        "submissions enqueued:",
        "submissions processing (7 days):",
        "zenodo enqueued:",
        "zenodo replicating (7 days):",
        "drained:                          no drain in progress",
        // No worker has probed and nothing was called: the status says so.
        "Zenodo: unknown (never probed: is a worker running?); no recent calls",
        "Merritt: unknown (never probed: is a worker running?); no recent calls",
    ] {
        assert!(out.contains(line), "{line:?} missing from:\n{out}");
    }
    let (ok, out, _) = cli.run(&["--json", "remotes"]);
    assert!(ok, "{out}");
    let remotes: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(remotes[0]["service"], "zenodo");
    assert_eq!(remotes[1]["verdict"], "unknown");
    let (ok, out, err) = cli.run(&["drain", "--wait", "--timeout", "20"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("draining: Zenodo deferred since") && out.contains("Merritt held since"),
        "{out}"
    );
    assert!(
        out.contains("drained:                          yes"),
        "{out}"
    );
    let (ok, out, _) = cli.run(&["--json", "status"]);
    assert!(ok);
    let st: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(st["drained"], true);
    let (ok, out, _) = cli.run(&["restart"]);
    assert!(
        ok && out.contains("switches cleared: defer_zenodo, hold_merritt"),
        "{out}"
    );
    let (ok, out, _) = cli.run(&["restart"]);
    assert!(
        ok && out.contains("switches cleared: none; 0 Zenodo copies and 0 Merritt submissions"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(home);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_ends_the_login_on_the_server_and_forgets_the_saved_token() {
    let t = TestDb::sqlite().await.unwrap();
    let server = start_server(&t).await;
    let home = std::env::temp_dir().join(format!("longjobs-cli-logout-{}", std::process::id()));
    let cli = Cli {
        server,
        home: home.clone(),
    };
    let (ok, _, err) = cli.run(&["login", "--username", "otto", "--password", PASSWORD]);
    assert!(ok, "{err}");
    let saved = home.join("longjobs").join("token");
    let token = std::fs::read_to_string(&saved).unwrap();
    let (ok, out, err) = cli.run(&["logout"]);
    assert!(ok, "{err}");
    assert!(out.contains("signed out"), "{out}");
    assert!(!saved.exists(), "the saved token is still there");
    // The token itself ended on the server, not just on this machine.
    let (ok, _, err) = cli.run(&["--token", token.trim(), "jobs", "list"]);
    assert!(!ok && err.contains("sign in again"), "{err}");
    let _ = std::fs::remove_dir_all(home);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drain_that_times_out_exits_with_the_code_its_help_names() {
    let t = TestDb::sqlite().await.unwrap();
    let server = start_server(&t).await;
    // A copy job running under a live lease: the drain cannot finish while it runs.
    let claimed =
        t.db.run(move |c| {
            longjobs_core::queue::enqueue(
                c,
                &longjobs_core::queue::EnqueueRequest::new("zenodo", "zenodo.copy")
                    .payload(serde_json::json!({ "copy_id": 1 })),
            )?;
            let now = clock::now();
            longjobs_core::queue::claim(
                c,
                "zenodo",
                1,
                "busy-host:1:x",
                now,
                now + chrono::TimeDelta::hours(1),
            )
        })
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let home = std::env::temp_dir().join(format!("longjobs-cli-t-{}", std::process::id()));
    let cli = Cli {
        server: server.clone(),
        home: home.clone(),
    };
    assert!(
        cli.run(&["login", "--username", "otto", "--password", PASSWORD])
            .0
    );
    let (_, help, _) = cli.run(&["drain", "--help"]);
    assert!(help.contains("(exit code 2)"), "{help}");
    let out = Command::new(env!("CARGO_BIN_EXE_longjobs"))
        .args(["drain", "--zenodo-only", "--wait", "--timeout", "2"])
        .env("LONGJOBS_SERVER", &server)
        .env("XDG_CONFIG_HOME", &home)
        .env_remove("LONGJOBS_TOKEN")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("not drained after 2 s: 1 jobs still running"),
        "{err}"
    );
    // Any other failure stays 1.
    let out = Command::new(env!("CARGO_BIN_EXE_longjobs"))
        .args(["jobs", "show", "999999"])
        .env("LONGJOBS_SERVER", &server)
        .env("XDG_CONFIG_HOME", &home)
        .env_remove("LONGJOBS_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let _ = std::fs::remove_dir_all(home);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_follows_and_resends_copies_and_submissions_from_the_command_line() {
    use longjobs_replication::merritt::model::{MerrittFile, SubmissionRequest};
    use longjobs_replication::zenodo::model::{CopyRequest, CopyType, ManifestFile};
    let t = TestDb::sqlite().await.unwrap();
    let server = start_server(&t).await;
    let home = std::env::temp_dir().join(format!("longjobs-cli-repl-{}", std::process::id()));
    let cli = Cli {
        server,
        home: home.clone(),
    };
    // No worker runs: what is requested stays where the commands put it.
    let (copy, copy_job) =
        t.db.run(|c| {
            let request = CopyRequest {
                metadata: serde_json::json!({ "title": "Bees", "upload_type": "dataset" }),
                files: vec![ManifestFile {
                    name: "bees.csv".into(),
                    size: 12,
                    md5: "0123456789abcdef0123456789abcdef".into(),
                    url: "https://data.example/bees.csv".into(),
                }],
            };
            Ok(longjobs_replication::zenodo::store::create(
                c,
                "doi:10.5061/dryad.cli",
                7,
                CopyType::Data,
                &request,
            ))
        })
        .await
        .unwrap()
        .unwrap();
    let sub =
        t.db.run(|c| {
            let request = SubmissionRequest {
                files: vec![MerrittFile {
                    url: "https://data.example/bees.csv".into(),
                    size: 12,
                    md5: "0123456789abcdef0123456789abcdef".into(),
                    name: "bees.csv".into(),
                }],
                profile: "dryad_ingest".into(),
                submitter: "dryad".into(),
            };
            longjobs_replication::merritt::store::create(
                c,
                7,
                "doi:10.5061/dryad.cli",
                &request,
                "h1",
            )
        })
        .await
        .unwrap()
        .0;
    cli.run(&["login", "--username", "otto", "--password", PASSWORD]);

    let (ok, out, err) = cli.run(&["zenodo", "list", "--identifier", "doi:10.5061/dryad.cli"]);
    assert!(ok, "{err}");
    let row = out.lines().nth(1).unwrap();
    assert!(
        row.starts_with(&format!("{} ", copy.id))
            && row.contains("data")
            && row.contains("enqueued"),
        "{out}"
    );
    let (ok, out, _) = cli.run(&["zenodo", "list", "--state", "error"]);
    assert!(ok && out.lines().count() == 1, "only the header: {out}");
    let (ok, _, err) = cli.run(&["zenodo", "list", "--state", "lost"]);
    assert!(
        !ok && err.contains("400"),
        "a state the API does not know: {err}"
    );

    // Its job cancelled, the copy is stalled; reset-stalled moves it to error, resend
    // brings it back with a new job.
    let (ok, _, err) = cli.run(&["jobs", "cancel", &copy_job.id.to_string()]);
    assert!(ok, "{err}");
    let (ok, out, err) = cli.run(&["zenodo", "reset-stalled"]);
    assert!(ok && out.contains(&format!("[{}]", copy.id)), "{out}{err}");
    let (ok, out, _) = cli.run(&["zenodo", "show", &copy.id.to_string()]);
    assert!(
        ok && out.contains(" error ") && out.contains("bees.csv  12 bytes"),
        "{out}"
    );
    let (ok, out, err) = cli.run(&["--json", "zenodo", "resend", &copy.id.to_string()]);
    assert!(ok, "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["outcomes"][0]["requeued"], serde_json::json!([copy.id]));
    let (ok, out, err) = cli.run(&["zenodo", "resend", &copy.id.to_string()]);
    assert!(
        !ok && out.contains("refused"),
        "a live copy is not resent: {out}"
    );
    assert!(err.contains("1 of 1 copies were refused"), "{err}");
    // The chain is sent again from its first unfinished copy; its waiting job is replaced.
    let (ok, out, err) = cli.run(&["zenodo", "resend-chain", "doi:10.5061/dryad.cli"]);
    assert!(
        ok && out.contains(&format!("requeued copies [{}]", copy.id)),
        "{out}{err}"
    );

    let id = copy.id.to_string();
    let (ok, out, err) = cli.run(&[
        "zenodo",
        "give-up",
        &id,
        "--reason",
        "withdrawn by the authors",
    ]);
    assert!(
        ok && out.contains("given up; released copies []"),
        "{out}{err}"
    );
    let (ok, out, _) = cli.run(&["zenodo", "show", &id]);
    assert!(
        ok && out.contains(" given_up ") && out.contains("given up: withdrawn by the authors"),
        "{out}"
    );
    let (ok, _, err) = cli.run(&["zenodo", "give-up", &id, "--reason", "again"]);
    assert!(!ok && err.contains("409"), "{err}");
    let (ok, out, err) = cli.run(&["zenodo", "daily-retry", &id, "--reason", "retired"]);
    assert!(ok && out.contains("out of the daily retry"), "{out}{err}");
    let (ok, out, _) = cli.run(&["zenodo", "show", &id]);
    assert!(ok && out.contains("daily retry: excluded ("), "{out}");

    let (ok, out, err) = cli.run(&["merritt", "status"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("not held")
            && out
                .lines()
                .any(|l| l.split_whitespace().eq(["enqueued", "1"])),
        "{out}"
    );
    let (ok, out, _) = cli.run(&["merritt", "list", "--state", "enqueued"]);
    assert!(
        ok && out
            .lines()
            .nth(1)
            .unwrap()
            .starts_with(&format!("{} ", sub.id)),
        "{out}"
    );
    let needle = sub.identifier.to_lowercase();
    let (ok, out, err) = cli.run(&["merritt", "list", "--search", &needle]);
    assert!(ok && out.contains(&sub.identifier), "{out}{err}");
    let (ok, out, _) = cli.run(&["merritt", "list", "--search", "no-such-dataset-anywhere"]);
    assert!(ok && !out.contains(&sub.identifier), "{out}");
    let (ok, out, _) = cli.run(&["merritt", "show", &sub.id.to_string()]);
    assert!(
        ok && out.contains("history:") && out.contains("enqueued"),
        "{out}"
    );
    let (ok, out, err) = cli.run(&["--json", "merritt", "restart"]);
    assert!(ok, "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        r["requeued"],
        serde_json::json!([]),
        "its job is live: {out}"
    );
    let id = sub.id.to_string();
    let (ok, out, err) = cli.run(&["merritt", "give-up", &id, "--reason", "withdrawn"]);
    assert!(ok && out.contains("given_up"), "{out}{err}");
    let (ok, _, err) = cli.run(&["merritt", "give-up", &id, "--reason", "again"]);
    assert!(!ok && err.contains("409"), "{err}");

    // A viewer can look but not act.
    cli.run(&["login", "--username", "vera", "--password", PASSWORD]);
    let (ok, _, err) = cli.run(&["zenodo", "show", &copy.id.to_string()]);
    assert!(ok, "{err}");
    let (ok, _, err) = cli.run(&["merritt", "resend", &sub.id.to_string()]);
    assert!(!ok && err.contains("403"), "{err}");
    let _ = std::fs::remove_dir_all(home);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_sets_limits_pauses_kinds_and_quiets_workers_from_the_command_line() {
    let t = TestDb::sqlite().await.unwrap();
    let server = start_server(&t).await;
    let home = std::env::temp_dir().join(format!("longjobs-cli-c-{}", std::process::id()));
    let cli = Cli {
        server,
        home: home.clone(),
    };
    assert!(
        cli.run(&["login", "--username", "otto", "--password", PASSWORD])
            .0
    );
    let (ok, out, err) = cli.run(&[
        "queues",
        "set",
        "zenodo",
        "--concurrency",
        "4",
        "--rate",
        "30/min",
    ]);
    assert!(ok, "{err}");
    assert_eq!(out, "queue zenodo limits: concurrency 4, 30 per 60 s\n");
    // A limit not given is kept; none removes one.
    let (ok, out, _) = cli.run(&["queues", "set", "zenodo", "--rate", "none"]);
    assert!(ok);
    assert_eq!(out, "queue zenodo limits: concurrency 4\n");
    let (ok, out, _) = cli.run(&["queues", "list"]);
    assert!(ok);
    let row = out.lines().find(|l| l.starts_with("zenodo")).unwrap();
    assert!(row.contains("concurrency 4"), "{out}");
    let (ok, _, err) = cli.run(&["queues", "set", "zenodo", "--rate", "30/fortnight"]);
    assert!(!ok && err.contains("is not a rate"), "{err}");
    let (ok, _, err) = cli.run(&["queues", "set", "zenodo"]);
    assert!(
        !ok && err.contains("give --concurrency, --rate or both"),
        "{err}"
    );

    let (ok, out, _) = cli.run(&["kinds", "pause", "zenodo.copy"]);
    assert!(ok && out == "kind zenodo.copy paused\n", "{out}");
    let (ok, out, _) = cli.run(&["kinds", "list"]);
    assert!(ok);
    let row = out.lines().find(|l| l.starts_with("zenodo.copy")).unwrap();
    assert_eq!(
        row.split_whitespace().collect::<Vec<_>>(),
        ["zenodo.copy", "yes", "otto", "0"]
    );
    let (ok, out, _) = cli.run(&["kinds", "resume", "zenodo.copy"]);
    assert!(ok && out == "kind zenodo.copy resumed\n", "{out}");

    let now = clock::now();
    let row = longjobs_core::queue::WorkerRow {
        id: "host-c:7".into(),
        host: "host-c".into(),
        pid: 7,
        queues: r#"{"zenodo":3}"#.into(),
        kinds: None,
        started_at: now,
        heartbeat_at: now,
        stopped_at: None,
    };
    t.db.run(move |c| longjobs_core::queue::register_worker(c, &row))
        .await
        .unwrap();
    let (ok, out, err) = cli.run(&["workers", "quiet", "host-c:7"]);
    assert!(ok, "{err}");
    assert_eq!(out, "worker host-c:7 quieted: it claims no more jobs\n");
    let (ok, out, _) = cli.run(&["workers"]);
    assert!(ok);
    let row = out.lines().find(|l| l.starts_with("host-c:7")).unwrap();
    assert_eq!(row.split_whitespace().last(), Some("quiet"), "{out}");
    let (ok, _, _) = cli.run(&["workers", "resume", "host-c:7"]);
    assert!(ok);
    let (ok, out, _) = cli.run(&["workers", "stop", "host-c:7"]);
    assert!(ok && out.contains("stopping"), "{out}");
    let (ok, out, _) = cli.run(&["workers", "list"]);
    assert!(ok);
    let row = out.lines().find(|l| l.starts_with("host-c:7")).unwrap();
    assert_eq!(row.split_whitespace().last(), Some("stopping"), "{out}");
    let (ok, _, err) = cli.run(&["workers", "resume", "host-c:7"]);
    assert!(!ok && err.contains("cannot be taken back"), "{err}");
    let _ = std::fs::remove_dir_all(home);
}

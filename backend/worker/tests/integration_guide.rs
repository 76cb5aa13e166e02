//! Runs every example of docs/integration.md as written — curl, Ruby and Python — against
//! the whole stack (the real server, a worker and the simulators on SQLite), so the guide
//! cannot rot: a block marked `test=<name>` is extracted and executed with the variables it
//! names, and what it prints is checked.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

mod stack;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use longjobs_core::access::{Role, users};
use longjobs_core::clock;
use longjobs_core::testing::TestDb;
use longjobs_notify::NotifyConfig;
use longjobs_notify::hooks::signature;
use longjobs_server::auth::hash_password;
use serde_json::Value;
use stack::Stack;

const SECRET: &str = "the guide's shared secret, long enough to sign";
const ADMIN_PASSWORD: &str = "an admin's long password";
const RUN_LIMIT: Duration = Duration::from_secs(90);

/// One fenced block of the guide: its language and its text.
struct Example {
    lang: String,
    code: String,
}

/// The guide's blocks marked `test=<name>`, by name.
fn examples() -> HashMap<String, Example> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/integration.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut out = HashMap::new();
    let mut open: Option<(String, String, String)> = None;
    for line in text.lines() {
        match open.as_mut() {
            None => {
                if let Some(info) = line.strip_prefix("```") {
                    let mut words = info.split_whitespace();
                    let lang = words.next().unwrap_or_default().to_string();
                    if let Some(name) = words.find_map(|w| w.strip_prefix("test=")) {
                        open = Some((name.to_string(), lang, String::new()));
                    }
                }
            }
            Some((_, _, code)) if line != "```" => {
                code.push_str(line);
                code.push('\n');
            }
            Some(_) => {
                let (name, lang, code) = open.take().unwrap();
                assert!(
                    out.insert(name.clone(), Example { lang, code }).is_none(),
                    "{name} twice"
                );
            }
        }
    }
    assert!(open.is_none(), "an unclosed block in {}", path.display());
    out
}

fn command(example: &Example, dir: &Path, name: &str) -> tokio::process::Command {
    let (program, ext): (&[&str], &str) = match example.lang.as_str() {
        "sh" => (&["bash", "-euo", "pipefail"], "sh"),
        "ruby" => (&["ruby"], "rb"),
        "python" => (&["python3"], "py"),
        other => panic!("{name}: no runner for {other}"),
    };
    let file: PathBuf = dir.join(format!("{name}.{ext}"));
    std::fs::write(&file, &example.code).unwrap();
    let mut cmd = tokio::process::Command::new(program[0]);
    cmd.args(&program[1..]).arg(file).kill_on_drop(true);
    cmd
}

/// Runs example `name` with `env`; returns its standard output, failing with its errors.
async fn run(
    examples: &HashMap<String, Example>,
    dir: &Path,
    name: &str,
    env: &[(&str, String)],
) -> String {
    let example = examples
        .get(name)
        .unwrap_or_else(|| panic!("no example {name}"));
    let mut cmd = command(example, dir, name);
    cmd.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    let out = tokio::time::timeout(RUN_LIMIT, cmd.output())
        .await
        .unwrap_or_else(|_| panic!("{name} ran past {RUN_LIMIT:?}"))
        .unwrap();
    assert!(
        out.status.success(),
        "{name} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_example_of_the_integration_guide_runs_as_written() {
    let examples = examples();
    for name in [
        "token",
        "copy-curl",
        "copy-ruby",
        "follow-python",
        "submission-ruby",
        "events-curl",
        "events-python",
        "receiver-python",
        "verify-ruby",
    ] {
        assert!(examples.contains_key(name), "the guide lost example {name}");
    }
    let dir = tempfile::tempdir().unwrap();
    let mut s = Stack::start(TestDb::sqlite().await.unwrap()).await;

    // The Python receiver of the guide, as the host's webhook.
    let port = free_port();
    let received = dir.path().join("received.txt");
    let mut receiver = command(&examples["receiver-python"], dir.path(), "receiver-python");
    receiver
        .env("PORT", port.to_string())
        .env("LONGJOBS_EVENTS_WEBHOOK_SECRET", SECRET)
        .stdout(std::fs::File::create(&received).unwrap())
        .stderr(Stdio::null());
    let _receiver = receiver.spawn().unwrap();
    let mut n = stack::notify_off();
    n.events_webhook_url = Some(format!("http://127.0.0.1:{port}/events"));
    n.events_webhook_secret = Some(SECRET.into());
    n.notify_check_interval = Duration::from_millis(100);
    n.notify_queue = "zenodo".into();
    s.notify = NotifyConfig::from_settings(&n).unwrap();
    s.stop_worker().await;
    s.start_worker();

    // 1. An admin creates the application's token.
    let hash = hash_password(ADMIN_PASSWORD).unwrap();
    s.t.db
        .run(move |c| users::create(c, "guide-admin", &hash, Role::Admin, clock::now()))
        .await
        .unwrap();
    let url = ("LONGJOBS_URL", s.api.clone());
    let token = run(
        &examples,
        dir.path(),
        "token",
        &[
            url.clone(),
            ("ADMIN_USER", "guide-admin".into()),
            ("ADMIN_PASSWORD", ADMIN_PASSWORD.into()),
        ],
    )
    .await
    .trim()
    .to_string();
    assert!(token.starts_with("lj_"), "{token}");
    let f = s.file("data.csv", 2_000, 7);
    let env = vec![
        url.clone(),
        ("LONGJOBS_TOKEN", token.clone()),
        ("FILE_URL", f["url"].as_str().unwrap().to_string()),
        ("FILE_SIZE", f["size"].to_string()),
        ("FILE_MD5", f["md5"].as_str().unwrap().to_string()),
    ];

    // 2. Copies requested from the shell and from Ruby; 3. followed from Python.
    let curl_copy: i64 = run(&examples, dir.path(), "copy-curl", &env)
        .await
        .trim()
        .parse()
        .unwrap();
    let ruby_copy: i64 = run(&examples, dir.path(), "copy-ruby", &env)
        .await
        .trim()
        .parse()
        .unwrap();
    for id in [curl_copy, ruby_copy] {
        let mut with_id = env.clone();
        with_id.push(("COPY_ID", id.to_string()));
        let out = run(&examples, dir.path(), "follow-python", &with_id).await;
        let seen: Value = serde_json::from_str(out.trim()).unwrap();
        assert_eq!(seen["state"], "finished", "{seen}");
        let api = s.copy(id).await;
        assert_eq!(seen["deposition_id"], api["copy"]["deposition_id"]);
        assert!(seen["software_doi"].is_string(), "{seen}");
    }

    // 4. A submission from Ruby, followed to its ARK.
    let out = run(&examples, dir.path(), "submission-ruby", &env).await;
    let sub: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(sub["state"], "completed", "{sub}");
    let ark = sub["ark"].as_str().unwrap().to_string();
    assert!(ark.starts_with("ark:/"), "{ark}");

    // 5. The events: listed by curl, read on with a saved cursor from Python.
    let out = run(&examples, dir.path(), "events-curl", &env).await;
    let mut words = out.split_whitespace();
    assert_eq!(words.next(), Some("3"), "{out}");
    let cursor_file = dir.path().join("cursor");
    let mut with_cursor = env.clone();
    with_cursor.push(("CURSOR_FILE", cursor_file.display().to_string()));
    let out = run(&examples, dir.path(), "events-python", &with_cursor).await;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    let doi = s.copy(curl_copy).await["copy"]["software_doi"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        lines[0].ends_with(&format!("copy.finished doi:10.5061/dryad.guide1 {doi}")),
        "{out}"
    );
    assert!(
        lines[1].contains("copy.finished doi:10.5061/dryad.guide2 "),
        "{out}"
    );
    assert!(
        lines[2].ends_with(&format!(
            "submission.completed doi:10.5061/dryad.guide1 {ark}"
        )),
        "{out}"
    );
    let last: i64 = lines[2].split_whitespace().next().unwrap().parse().unwrap();
    assert_eq!(
        std::fs::read_to_string(&cursor_file).unwrap(),
        last.to_string()
    );
    let again = run(&examples, dir.path(), "events-python", &with_cursor).await;
    assert_eq!(again, "", "the saved cursor reads on from the last event");

    // The receiver verified and took all three, in order.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = std::fs::read_to_string(&received).unwrap_or_default();
        if got.lines().count() == 3 {
            let kinds: Vec<&str> = got.lines().map(|l| l.split(' ').nth(1).unwrap()).collect();
            assert_eq!(
                kinds,
                ["copy.finished", "copy.finished", "submission.completed"]
            );
            break;
        }
        assert!(Instant::now() < deadline, "the receiver took: {got:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let page = s.wait_events_delivered().await;
    for e in page["events"].as_array().unwrap() {
        assert_eq!(e["delivery_attempts"], 1, "verified at the first call: {e}");
    }
    // A forged call is refused by the receiver.
    let forged = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/events"))
        .header(
            "Longjobs-Signature",
            signature("not the secret", clock::now().and_utc().timestamp(), "{}"),
        )
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);

    // The Ruby check: a real signature is valid; another body, secret or an old time is not.
    let body = page["events"][0]["body"].to_string();
    let now = clock::now().and_utc().timestamp();
    for (sig, body, want) in [
        (signature(SECRET, now, &body), body.clone(), "valid"),
        (signature(SECRET, now, &body), format!("{body} "), "invalid"),
        (
            signature("another secret", now, &body),
            body.clone(),
            "invalid",
        ),
        (
            signature(SECRET, now - 3_600, &body),
            body.clone(),
            "invalid",
        ),
        ("v1=00".to_string(), body.clone(), "invalid"),
    ] {
        let out = run(
            &examples,
            dir.path(),
            "verify-ruby",
            &[
                ("LONGJOBS_EVENTS_WEBHOOK_SECRET", SECRET.into()),
                ("SIGNATURE", sig.clone()),
                ("BODY", body),
            ],
        )
        .await;
        assert_eq!(out.trim(), want, "{sig}");
    }
    s.stop_worker().await;
}

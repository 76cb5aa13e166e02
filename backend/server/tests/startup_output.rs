//! The `longjobs-server serve` process as systemd or `scripts/run` sees it: what it writes
//! when its output goes to a file (plain text, no colour codes, and the first admin's
//! password in a block of its own, apart from the log lines, that really signs in), and
//! how it stops on SIGTERM with live streams open.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A server process over a SQLite file in `dir`, its stdout and stderr in `log`.
fn start(dir: &Path, log: &Path) -> (Child, String) {
    start_with(dir, log, &[])
}

/// [`start`] with more environment.
fn start_with(dir: &Path, log: &Path, env: &[(&str, &str)]) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = std::fs::File::create(log).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_longjobs-server"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env(
            "LONGJOBS_DATABASE_URL",
            format!("sqlite://{}/server.db", dir.display()),
        )
        .env("RUST_LOG", "info")
        .env_remove("NO_COLOR")
        .env_remove("LONGJOBS_ADMIN_PASSWORD")
        .env_remove("LONGJOBS_PRODUCTION")
        .env_remove("LONGJOBS_JWT_SECRET")
        .env_remove("LONGJOBS_LOG_FORMAT")
        .env_remove("LONGJOBS_LOG_JSON")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .unwrap();
    let addr = format!("127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while http(&addr, "GET /readyz HTTP/1.1", None).is_none_or(|r| !r.starts_with("HTTP/1.1 200")) {
        assert!(Instant::now() < deadline, "the server did not get ready");
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, addr)
}

/// One request over a fresh connection; the whole response, or `None` when nothing listens.
fn http(addr: &str, request_line: &str, json: Option<&str>) -> Option<String> {
    let mut s = TcpStream::connect(addr).ok()?;
    let body = json.unwrap_or("");
    let req = format!(
        "{request_line}\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_server_writing_to_a_file_logs_plain_text_and_sets_the_first_admin_password_apart() {
    let dir = std::env::temp_dir().join(format!("longjobs-startup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("server.log");
    let (child, _) = start(&dir, &log);
    stop(child);
    let text = std::fs::read_to_string(&log).unwrap();

    assert!(
        !text.contains('\u{1b}'),
        "colour codes in a log written to a file:\n{text:?}"
    );
    // There are log lines to colour at all: the migrations and the missing-secret warning.
    assert!(text.contains(" INFO "), "{text}");
    assert!(text.contains(" WARN "), "{text}");

    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim_start().starts_with("password:"))
        .unwrap_or_else(|| panic!("no password line:\n{text}"));
    let password = lines[at]
        .trim_start()
        .trim_start_matches("password:")
        .trim();
    assert_eq!(password.len(), 20, "{text}");
    // The block: a rule above and below, blank lines around it, no log line inside.
    let top = lines[..at]
        .iter()
        .rposition(|l| l.starts_with("====="))
        .unwrap_or_else(|| panic!("no rule above the password:\n{text}"));
    let bottom = at
        + lines[at..]
            .iter()
            .position(|l| l.starts_with("====="))
            .unwrap_or_else(|| panic!("no rule below the password:\n{text}"));
    assert!(top > 0 && lines[top - 1].is_empty(), "{text}");
    assert!(
        lines.get(bottom + 1).is_some_and(|l| l.is_empty()),
        "{text}"
    );
    let block = &lines[top..=bottom];
    assert!(
        block
            .iter()
            .all(|l| !l.contains(" INFO ") && !l.contains(" WARN ")),
        "a log line inside the block:\n{}",
        block.join("\n")
    );
    assert!(
        block.iter().any(|l| l.trim() == "username: admin"),
        "{text}"
    );

    // The printed password is the real one, and a second start on the same database shows
    // no password at all.
    let (child, addr2) = start(&dir, &dir.join("second.log"));
    let login = http(
        &addr2,
        "POST /api/auth/login HTTP/1.1",
        Some(&format!(
            r#"{{"username":"admin","password":"{password}"}}"#
        )),
    )
    .unwrap();
    stop(child);
    assert!(login.starts_with("HTTP/1.1 200"), "{login}");
    let second = std::fs::read_to_string(dir.join("second.log")).unwrap();
    assert!(!second.contains("password:"), "{second}");
    let _ = std::fs::remove_dir_all(dir);
}

/// The exit status of `child` if it ends within `limit`.
fn wait_for_exit(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

#[test]
fn sigterm_ends_open_live_streams_and_the_server_exits_well_within_its_grace() {
    let dir = std::env::temp_dir().join(format!("longjobs-sigterm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("server.log");
    let password = "a-long-enough-test-password";
    let (mut child, addr) = start_with(&dir, &log, &[("LONGJOBS_ADMIN_PASSWORD", password)]);
    let login = http(
        &addr,
        "POST /api/auth/login HTTP/1.1",
        Some(&format!(
            r#"{{"username":"admin","password":"{password}"}}"#
        )),
    )
    .unwrap();
    let body = login.split("\r\n\r\n").nth(1).unwrap();
    let token = serde_json::from_str::<serde_json::Value>(body).unwrap()["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token in {login}"))
        .to_string();

    // Two streams open, each past the server's hello.
    let mut streams: Vec<TcpStream> = (0..2)
        .map(|_| {
            let mut s = TcpStream::connect(&addr).unwrap();
            write!(
                s,
                "GET /api/live HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\r\n"
            )
            .unwrap();
            s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
            let mut seen = String::new();
            let mut buf = [0u8; 4096];
            while !seen.contains("event: hello") {
                let n = s.read(&mut buf).unwrap();
                assert!(n > 0, "the stream ended before its hello: {seen}");
                seen.push_str(&String::from_utf8_lossy(&buf[..n]));
            }
            assert!(seen.starts_with("HTTP/1.1 200"), "{seen}");
            s
        })
        .collect();

    let sent = Instant::now();
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    // Each stream reaches its end (not a read timeout) and the process exits cleanly, both
    // well before the 10 s the server would wait for a request that does not end.
    for s in &mut streams {
        let mut rest = Vec::new();
        s.read_to_end(&mut rest)
            .unwrap_or_else(|e| panic!("the stream did not end: {e}"));
    }
    let ended = sent.elapsed();
    let status = wait_for_exit(&mut child, Duration::from_secs(15));
    let exited = sent.elapsed();
    if status.is_none() {
        stop(child);
    }
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        ended < Duration::from_secs(5),
        "the streams ended {ended:?} after SIGTERM:\n{text}"
    );
    assert!(
        status.is_some_and(|s| s.success()),
        "exit {status:?} after {exited:?}:\n{text}"
    );
    assert!(
        exited < Duration::from_secs(5),
        "the server exited {exited:?} after SIGTERM:\n{text}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

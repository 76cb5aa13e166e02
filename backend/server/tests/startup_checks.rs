//! Start-up and `create-user` hold names, passwords and the JWT secret to the API's rules:
//! what the API refuses, the command line refuses too, before anything is created.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use std::path::PathBuf;
use std::process::Command;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("longjobs-checks-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs the server binary with `args` and `env` over a fresh SQLite file; returns whether it
/// succeeded and its stdout + stderr. `serve` runs on port 0 and is expected to stop at once.
fn run(name: &str, args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let d = dir(name);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_longjobs-server"));
    cmd.args(args)
        .env(
            "LONGJOBS_DATABASE_URL",
            format!("sqlite://{}/db.sqlite", d.display()),
        )
        .env_remove("LONGJOBS_ADMIN_PASSWORD")
        .env_remove("LONGJOBS_JWT_SECRET")
        .env_remove("LONGJOBS_PRODUCTION")
        .env_remove("LONGJOBS_NEW_PASSWORD");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&d);
    (out.status.success(), text)
}

#[test]
fn start_up_refuses_a_weak_admin_password_and_a_weak_jwt_secret() {
    let serve = ["serve", "--listen", "127.0.0.1:1"];
    let (ok, out) = run("pw", &serve, &[("LONGJOBS_ADMIN_PASSWORD", "a")]);
    assert!(!ok, "{out}");
    assert!(out.contains("LONGJOBS_ADMIN_PASSWORD"), "{out}");
    assert!(out.contains("12"), "{out}");
    let spaces = " ".repeat(32);
    let (ok, out) = run("spaces", &serve, &[("LONGJOBS_JWT_SECRET", &spaces)]);
    assert!(!ok, "{out}");
    assert!(out.contains("LONGJOBS_JWT_SECRET"), "{out}");
    let same = "a".repeat(64);
    let (ok, out) = run("same", &serve, &[("LONGJOBS_JWT_SECRET", &same)]);
    assert!(!ok, "{out}");
    assert!(out.contains("distinct"), "{out}");
}

#[test]
fn create_user_refuses_what_the_api_refuses() {
    let (ok, out) = run(
        "name",
        &[
            "create-user",
            "--username",
            "bad name",
            "--password",
            "a long enough password",
        ],
        &[],
    );
    assert!(!ok, "{out}");
    assert!(out.contains("must be 1 to 100 letters"), "{out}");
    let (ok, out) = run(
        "short",
        &["create-user", "--username", "ada", "--password", "short"],
        &[],
    );
    assert!(!ok, "{out}");
    assert!(out.contains("12 to 1000 characters"), "{out}");
    let (ok, out) = run(
        "good",
        &[
            "create-user",
            "--username",
            "ada",
            "--password",
            "a long enough password",
        ],
        &[],
    );
    assert!(ok, "{out}");
}

//! `longjobs import dryad` as an operator runs it: the binary, a MariaDB database holding the
//! old system's tables, and longjobs' SQLite database.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use std::process::Command;

use diesel::connection::SimpleConnection;
use diesel::{Connection, MysqlConnection};
use longjobs_core::testing::{TestDb, mysql_base_url};

const SCHEMA: &str = include_str!("../../replication/tests/fixtures/dryad_schema.sql");
const ROWS: &str = include_str!("../../replication/tests/fixtures/dryad_rows.sql");

struct Source {
    base: String,
    name: String,
}

impl Source {
    fn create() -> Self {
        let base = mysql_base_url();
        let name = format!("dryad_{}", uuid::Uuid::new_v4().simple());
        let mut admin = MysqlConnection::establish(&base).expect("test MariaDB");
        admin
            .batch_execute(&format!("CREATE DATABASE {name} CHARACTER SET utf8mb4"))
            .unwrap();
        let mut c = MysqlConnection::establish(&format!("{base}/{name}")).unwrap();
        c.batch_execute(SCHEMA).unwrap();
        c.batch_execute(ROWS).unwrap();
        Source { base, name }
    }
}

impl Drop for Source {
    fn drop(&mut self) {
        if let Ok(mut admin) = MysqlConnection::establish(&self.base) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {}", self.name));
        }
    }
}

fn longjobs(args: &[&str], database_url: &str) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_longjobs"))
        .args(args)
        .env("LONGJOBS_DATABASE_URL", database_url)
        .env_remove("LONGJOBS_SERVER")
        .env_remove("LONGJOBS_TOKEN")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn the_command_reports_a_dry_run_then_imports_once() {
    let src = Source::create();
    let from = format!("{}/{}", src.base, src.name);
    let t = TestDb::sqlite().await.unwrap();

    let (ok, out, err) = longjobs(&["import", "dryad", "--from", &from, "--dry-run"], &t.url);
    assert!(ok, "{err}");
    assert!(out.starts_with("dry run: nothing was written"), "{out}");
    for line in [
        "stash_engine_zenodo_copies: 15 rows",
        "replicating → error",
        "stash_engine_repo_queue_states: 15 rows",
        "latest processing → submission errored",
        "delayed_jobs: 9 rows",
        "longjobs jobs to create: 5",
        "stash_engine_zenodo_copies #15: a data copy of resource 41 is already copy #14",
    ] {
        assert!(out.contains(line), "{line:?} missing from\n{out}");
    }
    let copies = |t: &TestDb| {
        let db = t.db.clone();
        async move {
            db.run(|c| {
                longjobs_replication::zenodo::store::for_identifier(c, "doi:10.5061/dryad.aaa111")
            })
            .await
            .unwrap()
            .len()
        }
    };
    assert_eq!(copies(&t).await, 0, "the dry run wrote nothing");

    let (ok, out, err) = longjobs(&["import", "dryad", "--from", &from], &t.url);
    assert!(ok, "{err}");
    assert!(out.contains("longjobs jobs created: 5"), "{out}");
    assert_eq!(copies(&t).await, 5);

    let (ok, out, err) = longjobs(&["--json", "import", "dryad", "--from", &from], &t.url);
    assert!(ok, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["jobs_created"], 0, "{out}");
    assert_eq!(copies(&t).await, 5, "nothing imported twice");
}

#[tokio::test]
async fn a_source_that_is_not_mysql_is_refused_with_the_reason() {
    let t = TestDb::sqlite().await.unwrap();
    let (ok, _, err) = longjobs(
        &["import", "dryad", "--from", "postgres://u:secret@h/db"],
        &t.url,
    );
    assert!(!ok);
    assert!(err.contains("MySQL/MariaDB"), "{err}");
    assert!(!err.contains("secret"), "{err}");
}

//! `longjobs import dryad`: the tables of the system longjobs replaces, created in MariaDB
//! with rows in every state, imported into each of longjobs' databases.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use diesel::MysqlConnection;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use longjobs_core::schema::{jobs, merritt_submission_states, zenodo_copies};
use longjobs_core::testing::{TestDb, mysql_base_url};
use longjobs_core::{DbConn, JobId};
use longjobs_replication::import::{self, Report, T_COPIES, T_DELAYED, T_QUEUE};
use longjobs_replication::merritt::{self, SubmissionState};
use longjobs_replication::zenodo::{self, CopyState, CopyType};

const SCHEMA: &str = include_str!("fixtures/dryad_schema.sql");
const ROWS: &str = include_str!("fixtures/dryad_rows.sql");

/// A throwaway MariaDB database holding the old system's tables and rows.
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
            .batch_execute(&format!(
                "CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
            ))
            .unwrap();
        let s = Source { base, name };
        let mut c = s.conn();
        c.batch_execute(SCHEMA).unwrap();
        c.batch_execute(ROWS).unwrap();
        s
    }

    fn url(&self) -> String {
        format!("{}/{}", self.base, self.name)
    }

    fn conn(&self) -> MysqlConnection {
        MysqlConnection::establish(&self.url()).unwrap()
    }
}

impl Drop for Source {
    fn drop(&mut self) {
        if let Ok(mut admin) = MysqlConnection::establish(&self.base) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {}", self.name));
        }
    }
}

async fn run_import(t: &TestDb, src: &Source, dry_run: bool) -> Report {
    let url = src.url();
    t.db.run(move |c| {
        let mut source = MysqlConnection::establish(&url).unwrap();
        Ok(import::import_dryad(&mut source, c, dry_run, "importer-host").unwrap())
    })
    .await
    .unwrap()
}

async fn count_rows(t: &TestDb) -> (i64, i64, i64, i64) {
    t.db.run(|c: &mut DbConn| {
        Ok((
            zenodo_copies::table.count().get_result::<i64>(c)?,
            longjobs_core::schema::merritt_submissions::table
                .count()
                .get_result::<i64>(c)?,
            merritt_submission_states::table
                .count()
                .get_result::<i64>(c)?,
            jobs::table.count().get_result::<i64>(c)?,
        ))
    })
    .await
    .unwrap()
}

fn moved(r: &Report, table: &str, outcome: &str) -> usize {
    r.moved(table, outcome)
}

async fn the_history_of_every_state_moves_with_ids_order_and_reasons(t: TestDb) {
    let src = Source::create();

    // A dry run reports everything and writes nothing.
    let dry = run_import(&t, &src, true).await;
    assert!(dry.dry_run);
    assert_eq!(
        count_rows(&t).await,
        (0, 0, 0, 0),
        "a dry run writes nothing"
    );
    assert!(dry.text().contains("dry run"), "{}", dry.text());

    let r = run_import(&t, &src, false).await;
    assert_eq!(
        Report {
            dry_run: true,
            ..r.clone()
        },
        dry,
        "the dry run announces exactly what the import does"
    );

    // Zenodo copies: counts per old → new state.
    assert_eq!(
        r.tables.iter().find(|x| x.table == T_COPIES).unwrap().rows,
        15
    );
    assert_eq!(
        moved(&r, T_COPIES, "finished → finished"),
        4,
        "{}",
        r.text()
    );
    assert_eq!(moved(&r, T_COPIES, "error → error"), 3, "{}", r.text());
    assert_eq!(
        moved(&r, T_COPIES, "enqueued → enqueued + job"),
        3,
        "{}",
        r.text()
    );
    assert_eq!(
        moved(&r, T_COPIES, "replicating → error"),
        1,
        "{}",
        r.text()
    );
    assert_eq!(
        moved(&r, T_COPIES, "replicating → enqueued + job"),
        1,
        "{}",
        r.text()
    );
    assert_eq!(
        moved(&r, T_COPIES, "deferred → deferred"),
        1,
        "{}",
        r.text()
    );
    assert_eq!(moved(&r, T_COPIES, "cannot be imported"), 2, "{}", r.text());
    // delayed_jobs: one job per copy, never a job and a duplicate.
    assert_eq!(
        moved(&r, T_DELAYED, "pending → the job of its copy"),
        3,
        "{}",
        r.text()
    );
    assert_eq!(
        moved(
            &r,
            T_DELAYED,
            "pending → superseded (a duplicate for the same copy)"
        ),
        1
    );
    assert_eq!(
        moved(
            &r,
            T_DELAYED,
            "pending → superseded (its copy is finished: nothing to run)"
        ),
        1
    );
    assert_eq!(
        moved(&r, T_DELAYED, "failed in delayed_job: not imported"),
        1
    );
    assert_eq!(moved(&r, T_DELAYED, "not a Zenodo copy job: left alone"), 1);
    assert_eq!(moved(&r, T_DELAYED, "cannot be imported"), 2);
    // Merritt: one submission per resource, the latest state decides.
    for (outcome, n) in [
        ("latest completed → submission completed", 1),
        (
            "latest provisional_complete → submission provisional_complete + checker job",
            1,
        ),
        ("latest errored → submission errored", 1),
        ("latest processing → submission errored", 1),
        (
            "latest rejected_shutting_down → submission rejected_shutting_down",
            1,
        ),
        ("latest enqueued → submission rejected_shutting_down", 1),
        ("earlier state → submission history", 8),
        ("cannot be imported", 1),
    ] {
        assert_eq!(moved(&r, T_QUEUE, outcome), n, "{outcome}\n{}", r.text());
    }
    assert_eq!(r.jobs_created, 4 + 1);

    // What cannot be imported says why.
    let why = |table: &str, id: i64| {
        r.refused
            .iter()
            .find(|x| x.table == table && x.id == id)
            .map(|x| x.reason.clone())
            .unwrap_or_default()
    };
    assert!(why(T_COPIES, 13).contains("identifier"), "{}", r.text());
    assert!(
        why(T_COPIES, 15).contains("already copy #14"),
        "{}",
        r.text()
    );
    assert!(why(T_DELAYED, 8).contains("copy #999"), "{}", r.text());
    assert!(why(T_DELAYED, 9).contains("copy #13"), "{}", r.text());
    assert!(why(T_QUEUE, 115).contains("identifier"), "{}", r.text());

    // The rows, as stored.
    let all =
        t.db.run(|c| {
            let mut out = Vec::new();
            for id in 1..=15 {
                out.push(zenodo::store::get(c, id)?);
            }
            Ok(out)
        })
        .await
        .unwrap();
    let copy = |id: usize| all[id - 1].clone().unwrap_or_else(|| panic!("copy #{id}"));
    assert!(
        all[12].is_none() && all[14].is_none(),
        "refused copies are not written"
    );
    let c2 = copy(2);
    assert_eq!(
        (
            c2.identifier.as_str(),
            c2.resource_id,
            c2.copy_type,
            c2.state,
            c2.deposition_id,
            c2.software_doi.as_deref(),
            c2.conceptrecid.as_deref(),
            c2.attempts
        ),
        (
            "doi:10.5061/dryad.aaa111",
            11,
            CopyType::Software,
            CopyState::Finished,
            Some(1002),
            Some("10.5281/zenodo.1002"),
            Some("1010"),
            1
        )
    );
    assert_eq!(copy(3).note.as_deref(), Some("published"));
    let c4 = copy(4);
    assert_eq!(c4.state, CopyState::Error);
    assert_eq!(
        c4.last_error.as_deref(),
        Some("[2024-01-10 10:06:01 UTC] ERROR: final failure: 504 Gateway Timeout")
    );
    let c6 = copy(6);
    assert_eq!(c6.state, CopyState::Error);
    assert!(
        c6.note.as_deref().unwrap().contains("no live delayed_job"),
        "{c6:?}"
    );
    assert!(c6.job_id.is_none());
    assert_eq!(copy(7).state, CopyState::Enqueued);
    assert_eq!(copy(8).state, CopyState::Deferred);
    assert_eq!(copy(8).note.as_deref(), Some("Sent by migration"));
    assert_eq!(copy(12).attempts, 4);
    assert_eq!(copy(14).attempts, 100);
    assert_eq!(
        copy(14).daily_retries,
        100,
        "the old counter is the one the daily retry compares"
    );
    // Jobs only for copies that still have to run, in copy order, in their chains.
    let with_job: Vec<i64> = all
        .iter()
        .flatten()
        .filter(|c| c.job_id.is_some())
        .map(|c| c.id)
        .collect();
    assert_eq!(with_job, vec![5, 7, 9, 11]);
    let job_ids: Vec<i64> = [5, 7, 9, 11]
        .iter()
        .map(|i| copy(*i).job_id.unwrap())
        .collect();
    assert!(job_ids.windows(2).all(|w| w[0] < w[1]), "{job_ids:?}");
    let j7 =
        t.db.run(move |c| longjobs_core::queue::get_job(c, JobId(job_ids[1])))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(
        j7.ordering_key.as_deref(),
        Some("zenodo:doi:10.5061/dryad.bbb222:software")
    );
    assert_eq!(j7.kind, "zenodo.copy");
    // The old request log came along, its access token redacted.
    let log1 = t.db.run(|c| zenodo::store::log_lines(c, 1)).await.unwrap();
    assert!(
        log1[0]
            .message
            .contains("imported from stash_engine_zenodo_copies #1")
    );
    assert!(
        log1.iter()
            .any(|l| l.kind == "REQUEST" && l.message.contains("access_token=***"))
    );
    assert!(!log1.iter().any(|l| l.message.contains("s3cret")));

    // Submissions keep the id of their first row and every row as history.
    let (s101, h101, s105, s112, s113) =
        t.db.run(|c| {
            Ok((
                merritt::store::get(c, 101)?.unwrap(),
                merritt::store::history(c, 101)?,
                merritt::store::get(c, 105)?.unwrap(),
                merritt::store::get(c, 112)?.unwrap(),
                merritt::store::get(c, 113)?.unwrap(),
            ))
        })
        .await
        .unwrap();
    assert_eq!(s101.state, SubmissionState::Completed);
    assert_eq!(s101.identifier, "doi:10.5061/dryad.aaa111");
    assert_eq!(s101.host, "uc3-dryad-01");
    assert_eq!(
        h101.iter().map(|h| h.id).take(4).collect::<Vec<_>>(),
        vec![101, 102, 103, 104]
    );
    assert_eq!(h101.len(), 5, "four old rows and the import's own entry");
    assert_eq!(h101[4].host, "importer-host");
    assert_eq!(s105.state, SubmissionState::ProvisionalComplete);
    let check =
        t.db.run(move |c| longjobs_core::queue::get_job(c, JobId(s105.job_id.unwrap())))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(check.kind, "merritt.check");
    assert_eq!(s112.state, SubmissionState::RejectedShuttingDown);
    assert_eq!(s112.host, "importer-host", "the import changed its state");
    assert_eq!(s113.state, SubmissionState::Errored);
    assert!(s113.last_error.unwrap().contains("processing"));

    let after_first = count_rows(&t).await;
    assert_eq!(after_first, (13, 6, 14 + 6, 5));

    // Twice imports nothing twice.
    let again = run_import(&t, &src, false).await;
    assert_eq!(count_rows(&t).await, after_first, "{}", again.text());
    assert_eq!(again.jobs_created, 0);
    assert_eq!(moved(&again, T_COPIES, "already imported"), 13);
    assert_eq!(moved(&again, T_QUEUE, "already imported"), 14);
    assert_eq!(moved(&again, T_DELAYED, "already imported"), 5);

    // What longjobs creates next gets fresh ids (PostgreSQL's sequences moved past them).
    let (copy, sub) =
        t.db.run(|c| {
            let req = zenodo::CopyRequest {
                metadata: serde_json::json!({}),
                files: vec![],
            };
            let (copy, _) =
                zenodo::store::create(c, "doi:10.5061/dryad.new", 900, CopyType::Data, &req)
                    .map_err(|e| match e {
                        zenodo::store::StoreError::Db(e) => e,
                        other => panic!("{other}"),
                    })?;
            let sreq = merritt::SubmissionRequest {
                files: vec![],
                profile: "p".into(),
                submitter: "s".into(),
            };
            let (sub, _) = merritt::store::create(c, 900, "doi:10.5061/dryad.new", &sreq, "h")?;
            Ok((copy.id, sub.id))
        })
        .await
        .unwrap();
    assert!(copy > 14, "new copy #{copy}");
    assert!(sub > 113, "new submission #{sub}");

    // The application sends the manifest of an imported copy: the same copy takes it, in
    // its place in the chain; a finished one stays a duplicate.
    let job9 = all[8].as_ref().unwrap().job_id;
    let (c9, c6, dup) =
        t.db.run(|c| {
            let req = zenodo::CopyRequest {
                metadata: serde_json::json!({ "title": "t" }),
                files: vec![zenodo::ManifestFile {
                    name: "a.csv".into(),
                    size: 3,
                    md5: "0123456789abcdef0123456789abcdef".into(),
                    url: "https://files.example.org/a.csv".into(),
                }],
            };
            let send = |c: &mut DbConn, r: i64, t: CopyType, i: &str| {
                zenodo::store::create(c, i, r, t, &req)
            };
            let c9 = send(c, 22, CopyType::SuppPublish, "doi:10.5061/dryad.bbb222").unwrap();
            let c6 = send(c, 21, CopyType::Data, "doi:10.5061/dryad.bbb222").unwrap();
            let dup = send(c, 11, CopyType::Data, "doi:10.5061/dryad.aaa111").unwrap_err();
            Ok((c9, c6, dup.to_string()))
        })
        .await
        .unwrap();
    assert_eq!(c9.0.id, 9);
    assert_ne!(
        c9.0.job_id, job9,
        "a new job, in order, replaces the old one"
    );
    let old9 =
        t.db.run(move |c| longjobs_core::queue::get_job(c, JobId(job9.unwrap())))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(old9.state, longjobs_core::JobState::Cancelled);
    assert!(!import::is_imported_placeholder(&c9.0.request));
    assert_eq!(c6.0.id, 6);
    assert_eq!(c6.0.state, CopyState::Enqueued);
    assert_eq!(c6.0.job_id, Some(c6.1.id.0));
    assert!(dup.contains("already exists"), "{dup}");
}

async fn a_source_without_the_old_tables_is_refused_before_anything_is_written(t: TestDb) {
    let src = Source::create();
    src.conn().batch_execute("DROP TABLE delayed_jobs").unwrap();
    let url = src.url();
    let err =
        t.db.run(move |c| {
            let mut source = MysqlConnection::establish(&url).unwrap();
            Ok(import::import_dryad(&mut source, c, false, "h").unwrap_err())
        })
        .await
        .unwrap();
    assert!(err.to_string().contains("delayed_jobs"), "{err}");
    assert_eq!(count_rows(&t).await, (0, 0, 0, 0));
}

longjobs_core::on_every_database! { threads = 2;
    the_history_of_every_state_moves_with_ids_order_and_reasons,
    a_source_without_the_old_tables_is_refused_before_anything_is_written,
}

#[test]
fn only_imported_requests_without_files_are_placeholders() {
    assert!(import::is_imported_placeholder(
        r#"{"imported_from":"dryad","metadata":{},"files":[]}"#
    ));
    assert!(!import::is_imported_placeholder(
        r#"{"metadata":{},"files":[]}"#
    ));
}

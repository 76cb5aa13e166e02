//! Giving up on a Merritt submission, on PostgreSQL, SQLite and MySQL / MariaDB: it ends
//! `given_up` with the reason in its history and log, its job is cancelled, and it is
//! refused — saying which case — where it cannot apply: completed, already given up, or a
//! deposit Merritt may already hold.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use longjobs_core::queue::{self, Action};
use longjobs_core::testing::TestDb;
use longjobs_core::{Db, JobId, JobState, clock};
use longjobs_replication::merritt::store::{self, GiveUpRefused};
use longjobs_replication::merritt::{MerrittFile, Submission, SubmissionRequest, SubmissionState};

longjobs_core::on_every_database! {
    threads = 2;
    a_waiting_submission_is_given_up_with_its_reason_and_its_job_cancelled,
    give_up_is_refused_where_it_cannot_apply_saying_which_case,
    the_request_log_keeps_lines_in_order_without_credentials,
}

fn request() -> SubmissionRequest {
    SubmissionRequest {
        files: vec![MerrittFile {
            url: "http://127.0.0.1:9/f".into(),
            size: 1,
            md5: "0123456789abcdef0123456789abcdef".into(),
            name: "f".into(),
        }],
        profile: "p".into(),
        submitter: "s".into(),
    }
}

async fn submission(db: &Db, resource_id: i64) -> (Submission, JobId) {
    db.run(move |c| {
        let (sub, job) =
            store::create(c, resource_id, "doi:10.5061/dryad.g", &request(), "host-a")?;
        Ok((sub, job.id))
    })
    .await
    .unwrap()
}

async fn give_up(db: &Db, id: i64, reason: &str) -> Result<Submission, GiveUpRefused> {
    let reason = reason.to_string();
    db.run(move |c| Ok(store::give_up(c, id, &reason, "ada", "host-b")))
        .await
        .unwrap()
}

async fn job_state(db: &Db, id: JobId) -> JobState {
    db.run(move |c| queue::get_job(c, id))
        .await
        .unwrap()
        .unwrap()
        .state
}

fn conflict(r: Result<Submission, GiveUpRefused>) -> String {
    match r {
        Err(GiveUpRefused::Conflict(why)) => why,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn a_waiting_submission_is_given_up_with_its_reason_and_its_job_cancelled(t: TestDb) {
    let db = &t.db;
    let (sub, job) = submission(db, 1).await;
    let done = give_up(db, sub.id, "the dataset was withdrawn")
        .await
        .unwrap();
    assert_eq!(done.state, SubmissionState::GivenUp);
    assert_eq!(done.host, "host-b");
    assert_eq!(job_state(db, job).await, JobState::Cancelled);

    let id = sub.id;
    let (history, log) = db
        .run(move |c| {
            Ok((
                store::history(c, id)?,
                longjobs_replication::merritt::log::lines(c, id)?,
            ))
        })
        .await
        .unwrap();
    let last = history.last().unwrap();
    assert_eq!(last.state, SubmissionState::GivenUp);
    assert_eq!(
        last.note.as_deref(),
        Some("given up by ada: the dataset was withdrawn")
    );
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].kind, "INFO");
    assert!(log[0].message.contains("the dataset was withdrawn"));

    // A given-up submission is not put back by a resend or a restart.
    let moved = db
        .run(move |c| {
            store::requeue(
                c,
                Some(&[id]),
                &[
                    SubmissionState::Errored,
                    SubmissionState::RejectedShuttingDown,
                    SubmissionState::Enqueued,
                    SubmissionState::Processing,
                ],
                "ada",
                "host-b",
            )
        })
        .await
        .unwrap();
    assert!(moved.is_empty());

    // An errored submission whose job was discarded: given up, the job no longer holds the
    // resource's line.
    let (errored, ejob) = submission(db, 2).await;
    let eid = errored.id;
    db.run(move |c| {
        queue::apply_action(c, Action::Discard, &[ejob], "worker", clock::now())?;
        store::record(
            c,
            eid,
            SubmissionState::Errored,
            "host-a",
            Some("final failure"),
            Some("POST answered 400"),
            None,
        )
    })
    .await
    .unwrap();
    let g = give_up(db, eid, "Merritt refuses this version")
        .await
        .unwrap();
    assert_eq!(g.state, SubmissionState::GivenUp);
    assert_eq!(
        g.last_error.as_deref(),
        Some("POST answered 400"),
        "the error stays readable"
    );
    assert_eq!(job_state(db, ejob).await, JobState::Cancelled);
}

async fn give_up_is_refused_where_it_cannot_apply_saying_which_case(t: TestDb) {
    let db = &t.db;
    let missing = give_up(db, 999_999, "r").await;
    assert!(matches!(missing, Err(GiveUpRefused::NotFound(999_999))));

    // Completed.
    let (done, _) = submission(db, 1).await;
    let id = done.id;
    db.run(move |c| {
        store::set_ark(c, id, "ark:/13030/m5x")?;
        store::record(c, id, SubmissionState::Completed, "h", None, None, None)
    })
    .await
    .unwrap();
    let why = conflict(give_up(db, id, "r").await);
    assert!(
        why.contains("completed") && why.contains("ark:/13030/m5x"),
        "{why}"
    );

    // Already given up.
    let (twice, _) = submission(db, 2).await;
    give_up(db, twice.id, "r").await.unwrap();
    let why = conflict(give_up(db, twice.id, "r").await);
    assert!(why.contains("already given up"), "{why}");

    // Accepted by Merritt, the checker waiting.
    let (accepted, _) = submission(db, 3).await;
    let id = accepted.id;
    db.run(move |c| {
        store::record(
            c,
            id,
            SubmissionState::Processing,
            "h",
            Some("attempt 1"),
            None,
            None,
        )?;
        store::record(
            c,
            id,
            SubmissionState::ProvisionalComplete,
            "h",
            Some("accepted as batch b1"),
            None,
            None,
        )
    })
    .await
    .unwrap();
    let why = conflict(give_up(db, id, "r").await);
    assert!(why.contains("provisional_complete"), "{why}");

    // Being deposited now: its job runs.
    let (running, job) = submission(db, 4).await;
    let now = clock::now();
    let claimed = db
        .run(move |c| {
            queue::claim(
                c,
                longjobs_replication::QUEUE_MERRITT,
                10,
                "w",
                now,
                now + chrono::TimeDelta::seconds(60),
            )
        })
        .await
        .unwrap();
    assert!(claimed.iter().any(|j| j.id == job));
    let why = conflict(give_up(db, running.id, "r").await);
    assert!(
        why.contains("depositing") && why.contains(&format!("job #{}", job.0)),
        "{why}"
    );

    // An attempt that may have reached Merritt (its worker died after the POST), the
    // submission waiting for its retry.
    let (maybe, _) = submission(db, 5).await;
    let id = maybe.id;
    db.run(move |c| {
        store::record(c, id, SubmissionState::Processing, "h", Some("attempt 1"), None, None)?;
        store::record(
            c,
            id,
            SubmissionState::Enqueued,
            "h",
            Some("attempt 1 failed; will retry; no answer after sending: Merritt may have accepted it"),
            Some("POST timed out"),
            None,
        )
    })
    .await
    .unwrap();
    let why = conflict(give_up(db, id, "r").await);
    assert!(
        why.contains("may already hold") && why.contains("resend"),
        "{why}"
    );

    // After a refusal Merritt answered, giving up applies.
    let (refused, _) = submission(db, 6).await;
    let id = refused.id;
    db.run(move |c| {
        store::record(
            c,
            id,
            SubmissionState::Processing,
            "h",
            Some("attempt 1"),
            None,
            None,
        )?;
        store::record(
            c,
            id,
            SubmissionState::Enqueued,
            "h",
            Some("attempt 1 failed; will retry"),
            Some("POST answered 503"),
            None,
        )
    })
    .await
    .unwrap();
    assert_eq!(
        give_up(db, id, "r").await.unwrap().state,
        SubmissionState::GivenUp
    );
}

async fn the_request_log_keeps_lines_in_order_without_credentials(t: TestDb) {
    use longjobs_replication::merritt::log::{self, Entry, LOG_LINES_KEPT};
    let db = &t.db;
    let (sub, _) = submission(db, 1).await;
    let id = sub.id;
    let lines = db
        .run(move |c| {
            log::append(
                c,
                id,
                &Entry {
                    kind: "REQUEST",
                    method: Some("POST".into()),
                    url: Some("https://dryad:s3cret@merritt.example.org/object/update".into()),
                    message: "deposit".into(),
                    ..Default::default()
                },
            )?;
            log::append(
                c,
                id,
                &Entry {
                    kind: "RESPONSE",
                    method: Some("POST".into()),
                    url: Some("https://merritt.example.org/object/update".into()),
                    status: Some(200),
                    duration: Some(std::time::Duration::from_millis(1234)),
                    message: "{\"bat:batchState\":{}}".into(),
                },
            )?;
            log::lines(c, id)
        })
        .await
        .unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].kind, "REQUEST");
    assert_eq!(
        lines[0].url.as_deref(),
        Some("https://merritt.example.org/object/update")
    );
    assert_eq!(
        (lines[1].status, lines[1].duration_ms),
        (Some(200), Some(1234))
    );

    // The oldest lines go beyond the limit.
    let extra = LOG_LINES_KEPT + 3;
    let kept = db
        .run(move |c| {
            for n in 0..extra {
                log::append(
                    c,
                    id,
                    &Entry {
                        kind: "INFO",
                        message: format!("line {n}"),
                        ..Default::default()
                    },
                )?;
            }
            log::lines(c, id)
        })
        .await
        .unwrap();
    assert_eq!(i64::try_from(kept.len()).unwrap(), LOG_LINES_KEPT);
    assert_eq!(kept.last().unwrap().message, format!("line {}", extra - 1));
}

//! Notifications against real receivers on loopback (an SMTP server and a webhook) over
//! real databases (PostgreSQL, SQLite, MariaDB/MySQL): digests, per-channel routing and stamping, alert conditions.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use std::collections::HashSet;
use std::time::Duration;

use chrono::TimeDelta;
use diesel::prelude::*;
use longjobs_core::maintenance::{self, HOLD_MERRITT};
use longjobs_core::outbox::{self, Channel, EventKind};
use longjobs_core::queue::{self, EnqueueRequest, StateCount, WorkerRow};
use longjobs_core::schema::jobs;
use longjobs_core::testing::TestDb;
use longjobs_core::with_conn;
use longjobs_core::{Db, JobState, clock};
use longjobs_notify::config::{AlertLimits, SmtpTls};
use longjobs_notify::testing::{SmtpSink, WebhookSink};
use longjobs_notify::{Notifier, NotifyConfig, Sent, conditions};
use serde_json::json;

longjobs_core::on_every_database! {
    threads = 2;
    one_event_is_one_email_and_one_webhook_call_and_never_sent_twice,
    a_storm_of_events_goes_out_as_one_digest_per_channel,
    a_failing_channel_keeps_its_events_and_the_other_channel_does_not_send_twice,
    each_channel_gets_only_the_events_it_is_configured_for,
    alert_conditions_are_told_once_when_they_begin_and_again_when_they_come_back,
    due_work_no_live_worker_would_run_is_an_alert,
    with_every_worker_stopped_the_server_side_watch_tells_it,
    the_status_alerts_count_jobs_in_flight_from_the_counts_they_are_given,
}

const WAIT: Duration = Duration::from_secs(20);
const TOKEN: &str = "hook-secret";

struct Sinks {
    smtp: SmtpSink,
    hook: WebhookSink,
}

async fn sinks() -> Sinks {
    Sinks {
        smtp: SmtpSink::start().await.unwrap(),
        hook: WebhookSink::start().await.unwrap(),
    }
}

fn config(s: &Sinks) -> NotifyConfig {
    let mut settings = NotifyConfig::defaults();
    settings.smtp_host = Some("127.0.0.1".into());
    settings.smtp_port = s.smtp.port();
    settings.smtp_tls = SmtpTls::None;
    settings.smtp_user = None;
    settings.smtp_password = None;
    settings.notify_email_from = "longjobs@example.org".into();
    settings.notify_email_to = vec!["ops@example.org".into(), "oncall@example.org".into()];
    settings.notify_email_events = vec!["all".into()];
    settings.notify_webhook_url = Some(s.hook.url.clone());
    settings.notify_webhook_token = Some(TOKEN.into());
    settings.notify_webhook_events = vec!["all".into()];
    settings.notify_window = Duration::ZERO;
    NotifyConfig::from_settings(&settings).unwrap()
}

async fn copy_failed(db: &Db, copy_id: i64) {
    db.run(move |c| {
        outbox::record(
            c,
            EventKind::CopyError,
            &format!("Zenodo copy #{copy_id} of doi:10.5061/dryad.x (data) failed: answered 400"),
            &json!({ "copy_id": copy_id, "error": "Zenodo answered 400" }),
        )
    })
    .await
    .unwrap();
}

async fn pending(db: &Db, channel: Channel) -> usize {
    db.run(move |c| outbox::pending(c, channel, 10_000))
        .await
        .unwrap()
        .len()
}

async fn one_event_is_one_email_and_one_webhook_call_and_never_sent_twice(t: TestDb) {
    let s = sinks().await;
    copy_failed(&t.db, 7).await;
    let n = Notifier::new(t.db.clone(), config(&s)).unwrap();
    assert_eq!(
        n.send_pending().await.unwrap(),
        Sent {
            email: 1,
            webhook: 1
        }
    );
    let mails = s.smtp.wait_for(1, WAIT).await;
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.from, "longjobs@example.org");
    assert_eq!(mail.to, vec!["ops@example.org", "oncall@example.org"]);
    assert_eq!(
        mail.subject(),
        "[longjobs] Zenodo copy #7 of doi:10.5061/dryad.x (data) failed: answered 400"
    );
    assert!(mail.body().contains("copy_id: 7"), "{}", mail.body());
    let calls = s.hook.wait_for(1, WAIT).await;
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0].authorization.as_deref(),
        Some("Bearer hook-secret")
    );
    assert_eq!(calls[0].body["count"], 1);
    assert_eq!(calls[0].body["events"][0]["kind"], "copy_error");
    assert_eq!(calls[0].body["events"][0]["detail"]["copy_id"], 7);

    // Sent is sent: again, and from a new notifier (a restarted worker), nothing goes out.
    assert_eq!(n.send_pending().await.unwrap(), Sent::default());
    let restarted = Notifier::new(t.db.clone(), config(&s)).unwrap();
    assert_eq!(restarted.send_pending().await.unwrap(), Sent::default());
    assert_eq!(s.smtp.mails().len(), 1);
    assert_eq!(s.hook.calls().len(), 1);
    assert_eq!(pending(&t.db, Channel::Email).await, 0);
    assert_eq!(pending(&t.db, Channel::Webhook).await, 0);
}

async fn a_storm_of_events_goes_out_as_one_digest_per_channel(t: TestDb) {
    let s = sinks().await;
    for id in 1..=40 {
        copy_failed(&t.db, id).await;
    }
    let mut cfg = config(&s);
    // A digest is due once the oldest waiting event is a window old: not yet.
    cfg.window = Duration::from_secs(3600);
    let n = Notifier::new(t.db.clone(), cfg.clone()).unwrap();
    let tick = n.tick().await.unwrap();
    assert!(!tick.scheduled, "a digest was scheduled before its window");
    // Now it is due: one send job is enqueued, and only one however often workers look.
    let n = Notifier::new(t.db.clone(), config(&s)).unwrap();
    assert!(n.tick().await.unwrap().scheduled);
    assert!(!n.tick().await.unwrap().scheduled);
    let jobs: i64 =
        t.db.run(|c| {
            with_conn!(c, |c| jobs::table
                .filter(jobs::kind.eq(longjobs_notify::KIND_NOTIFY_SEND))
                .count()
                .get_result(c))
        })
        .await
        .unwrap();
    assert_eq!(jobs, 1, "exactly one notify.send job");

    assert_eq!(
        n.send_pending().await.unwrap(),
        Sent {
            email: 40,
            webhook: 40
        }
    );
    let mails = s.smtp.wait_for(1, WAIT).await;
    assert_eq!(mails.len(), 1, "one digest, not one e-mail per event");
    assert_eq!(mails[0].subject(), "[longjobs] 40 events: 40 copy_error");
    let body = mails[0].body();
    for id in [1, 17, 40] {
        assert!(
            body.contains(&format!("Zenodo copy #{id} of")),
            "copy {id} missing from the digest:\n{body}"
        );
    }
    let calls = s.hook.wait_for(1, WAIT).await;
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].body["count"], 40);
    let ids: HashSet<i64> = calls[0].body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["detail"]["copy_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, (1..=40).collect());
    assert_eq!(n.send_pending().await.unwrap(), Sent::default());
    assert_eq!(s.smtp.mails().len(), 1);
}

async fn a_failing_channel_keeps_its_events_and_the_other_channel_does_not_send_twice(t: TestDb) {
    let s = sinks().await;
    copy_failed(&t.db, 1).await;
    s.hook.fail_with(Some(503));
    let n = Notifier::new(t.db.clone(), config(&s)).unwrap();
    let err = n.send_pending().await.unwrap_err();
    assert!(format!("{err:#}").contains("503"), "{err:#}");
    assert_eq!(s.smtp.wait_for(1, WAIT).await.len(), 1);
    assert_eq!(pending(&t.db, Channel::Email).await, 0);
    assert_eq!(pending(&t.db, Channel::Webhook).await, 1);

    // A second failure joins the waiting one; the webhook comes back and gets both at once.
    copy_failed(&t.db, 2).await;
    s.hook.fail_with(None);
    assert_eq!(
        n.send_pending().await.unwrap(),
        Sent {
            email: 1,
            webhook: 2
        }
    );
    let calls = s.hook.wait_for(1, WAIT).await;
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].body["count"], 2);
    let mails = s.smtp.wait_for(2, WAIT).await;
    assert_eq!(mails.len(), 2);
    assert!(
        mails[1].subject().contains("copy #2"),
        "the second e-mail repeats the first event: {}",
        mails[1].subject()
    );
}

async fn each_channel_gets_only_the_events_it_is_configured_for(t: TestDb) {
    let s = sinks().await;
    let mut cfg = config(&s);
    cfg.email.as_mut().unwrap().events = HashSet::from([EventKind::WorkerGone]);
    copy_failed(&t.db, 1).await;
    let n = Notifier::new(t.db.clone(), cfg).unwrap();
    assert_eq!(
        n.send_pending().await.unwrap(),
        Sent {
            email: 0,
            webhook: 1
        }
    );
    assert_eq!(s.hook.wait_for(1, WAIT).await.len(), 1);
    assert!(s.smtp.mails().is_empty(), "{:?}", s.smtp.mails());
    // Handled by both channels, so it never comes back to e-mail.
    assert_eq!(pending(&t.db, Channel::Email).await, 0);
}

async fn alert_conditions_are_told_once_when_they_begin_and_again_when_they_come_back(t: TestDb) {
    let s = sinks().await;
    let db = &t.db;
    let limits = AlertLimits {
        hold_max: Some(Duration::from_secs(2 * 3600)),
        in_flight_max: Some(3),
        worker_gone_after: Some(Duration::from_secs(60)),
        merritt_in_flight_max: None,
        unserved_after: None,
    };
    let long_ago = clock::now() - TimeDelta::hours(3);
    db.run(move |c| {
        maintenance::set(c, HOLD_MERRITT, "ops", long_ago)?;
        for _ in 0..5 {
            queue::enqueue(c, &EnqueueRequest::new("reports", "noop"))?;
        }
        queue::register_worker(
            c,
            &WorkerRow {
                id: "host-a:42:abcdef".into(),
                host: "host-a".into(),
                pid: 42,
                queues: "{}".into(),
                kinds: None,
                started_at: long_ago,
                heartbeat_at: long_ago,
                stopped_at: None,
            },
        )
    })
    .await
    .unwrap();
    let l = limits.clone();
    let began = db.run(move |c| conditions::check(c, &l)).await.unwrap();
    let kinds: HashSet<EventKind> = began.iter().map(|h| h.kind).collect();
    assert_eq!(
        kinds,
        HashSet::from([
            EventKind::HoldTooOld,
            EventKind::TooManyInFlight,
            EventKind::WorkerGone
        ]),
        "{began:?}"
    );
    let l = limits.clone();
    assert!(
        db.run(move |c| conditions::check(c, &l))
            .await
            .unwrap()
            .is_empty(),
        "a condition that still holds was told again"
    );

    let n = Notifier::new(db.clone(), config(&s)).unwrap();
    assert_eq!(
        n.send_pending().await.unwrap(),
        Sent {
            email: 3,
            webhook: 3
        }
    );
    let mails = s.smtp.wait_for(1, WAIT).await;
    assert_eq!(
        mails[0].subject(),
        "[longjobs] 3 events: 1 hold_too_old, 1 too_many_in_flight, 1 worker_gone"
    );
    assert!(
        mails[0]
            .body()
            .contains("worker host-a:42:abcdef on host-a is gone")
    );

    // The hold ends, then starts again and grows old: told again. The gone worker is not.
    db.run(|c| maintenance::clear(c, HOLD_MERRITT))
        .await
        .unwrap();
    let l = limits.clone();
    assert!(
        db.run(move |c| conditions::check(c, &l))
            .await
            .unwrap()
            .is_empty()
    );
    db.run(move |c| maintenance::set(c, HOLD_MERRITT, "ops", long_ago).map(|_| ()))
        .await
        .unwrap();
    let l = limits.clone();
    let again = db.run(move |c| conditions::check(c, &l)).await.unwrap();
    assert_eq!(
        again.iter().map(|h| h.kind).collect::<Vec<_>>(),
        vec![EventKind::HoldTooOld]
    );
}

fn worker(id: &str, queues: &str, kinds: Option<&str>) -> WorkerRow {
    let now = clock::now();
    WorkerRow {
        id: id.into(),
        host: "host-a".into(),
        pid: 7,
        queues: queues.into(),
        kinds: kinds.map(Into::into),
        started_at: now,
        heartbeat_at: now,
        stopped_at: None,
    }
}

fn unserved_only() -> AlertLimits {
    AlertLimits {
        hold_max: None,
        in_flight_max: None,
        worker_gone_after: None,
        merritt_in_flight_max: None,
        unserved_after: Some(Duration::from_secs(60)),
    }
}

async fn holding_keys(db: &Db) -> Vec<String> {
    let limits = unserved_only();
    let mut keys: Vec<String> = db
        .run(move |c| conditions::now_holding(c, &limits))
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.key)
        .collect();
    keys.sort();
    keys
}

/// The status pages pass the server's cached counts: the in-flight alert is judged by them,
/// not by a scan of the jobs table (which would find nothing here, and five jobs below).
async fn the_status_alerts_count_jobs_in_flight_from_the_counts_they_are_given(t: TestDb) {
    let limits = AlertLimits {
        hold_max: None,
        in_flight_max: Some(3),
        worker_gone_after: None,
        merritt_in_flight_max: None,
        unserved_after: None,
    };
    let cached = vec![StateCount {
        queue: "reports".into(),
        state: JobState::Available,
        count: 5,
    }];
    let l = limits.clone();
    let holding =
        t.db.run(move |c| conditions::now_holding_counted(c, &l, &cached))
            .await
            .unwrap();
    let subjects: Vec<&str> = holding.iter().map(|h| h.subject.as_str()).collect();
    assert_eq!(
        subjects,
        ["queue reports has 5 unfinished jobs (limit 3)"],
        "{holding:?}"
    );

    t.db.run(|c| {
        for _ in 0..5 {
            queue::enqueue(c, &EnqueueRequest::new("reports", "noop"))?;
        }
        Ok(())
    })
    .await
    .unwrap();
    let holding =
        t.db.run(move |c| conditions::now_holding_counted(c, &limits, &[]))
            .await
            .unwrap();
    assert!(holding.is_empty(), "{holding:?}");
}

async fn due_work_no_live_worker_would_run_is_an_alert(t: TestDb) {
    let db = &t.db;
    let two_min_ago = clock::now() - TimeDelta::minutes(2);
    db.run(move |c| {
        queue::enqueue(
            c,
            &EnqueueRequest::new("reports", "report.build").run_at(two_min_ago),
        )?;
        // Due only just now: not yet "unserved".
        queue::enqueue(c, &EnqueueRequest::new("mail", "mail.send"))
    })
    .await
    .unwrap();
    let limits = unserved_only();
    let began = db
        .run(move |c| conditions::check(c, &limits))
        .await
        .unwrap();
    assert_eq!(
        began
            .iter()
            .map(|h| (h.kind, h.key.as_str()))
            .collect::<Vec<_>>(),
        vec![(EventKind::NoWorker, "no_worker")]
    );
    assert!(
        began[0]
            .subject
            .starts_with("no worker is alive: 1 due jobs wait in reports"),
        "{}",
        began[0].subject
    );

    // A live worker of another queue: the queue is not served.
    db.run(|c| {
        queue::register_worker(
            c,
            &worker("w-default", r#"{"default":2}"#, Some(r#"["report.build"]"#)),
        )
    })
    .await
    .unwrap();
    assert_eq!(holding_keys(db).await, ["unserved_queue:reports"]);

    // A worker of the queue that does not run the kind: the kind is not served.
    db.run(|c| {
        queue::register_worker(
            c,
            &worker("w-reports", r#"{"reports":1}"#, Some(r#"["report.mail"]"#)),
        )
    })
    .await
    .unwrap();
    assert_eq!(
        holding_keys(db).await,
        ["unserved_kind:reports:report.build"]
    );
    let limits = unserved_only();
    let began = db
        .run(move |c| conditions::check(c, &limits))
        .await
        .unwrap();
    assert!(
        began[0]
            .subject
            .contains("no live worker of queue reports runs kind report.build: 1 wait"),
        "{began:?}"
    );

    // A paused queue is not an alert: nobody is meant to work it.
    db.run(|c| queue::set_paused(c, "reports", true, "ops", clock::now()).map(|_| ()))
        .await
        .unwrap();
    assert!(holding_keys(db).await.is_empty());
    db.run(|c| queue::set_paused(c, "reports", false, "ops", clock::now()).map(|_| ()))
        .await
        .unwrap();

    // A worker that did not say its kinds is taken to run them all.
    db.run(|c| queue::register_worker(c, &worker("w-old", r#"{"reports":1}"#, None)))
        .await
        .unwrap();
    assert!(holding_keys(db).await.is_empty());

    // Stopped cleanly, the workers serve nothing: "no worker" again.
    db.run(|c| {
        for id in ["w-default", "w-reports", "w-old"] {
            queue::mark_stopped(c, id, clock::now())?;
        }
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(holding_keys(db).await, ["no_worker"]);
}

async fn with_every_worker_stopped_the_server_side_watch_tells_it(t: TestDb) {
    let s = sinks().await;
    let db = &t.db;
    let long_ago = clock::now() - TimeDelta::minutes(5);
    db.run(move |c| {
        queue::enqueue(
            c,
            &EnqueueRequest::new("zenodo", "zenodo.copy").run_at(long_ago),
        )?;
        let mut w = worker("w-1", r#"{"zenodo":1}"#, None);
        w.stopped_at = Some(clock::now());
        queue::register_worker(c, &w)?;
        queue::mark_stopped(c, "w-1", clock::now())
    })
    .await
    .unwrap();
    let mut cfg = config(&s);
    cfg.alerts = unserved_only();
    let n = Notifier::new(db.clone(), cfg).unwrap();
    let (began, sent) = n.watch().await.unwrap();
    assert_eq!(began.len(), 1, "{began:?}");
    assert_eq!(
        sent,
        Some(Sent {
            email: 1,
            webhook: 1
        }),
        "no worker would run notify.send: the watch sends the digest itself"
    );
    let mails = s.smtp.wait_for(1, WAIT).await;
    assert!(
        mails[0].body().contains("no worker is alive"),
        "{}",
        mails[0].body()
    );
    assert_eq!(s.hook.wait_for(1, WAIT).await.len(), 1);

    // With a worker alive, the watch records but leaves sending to the notify.send job.
    db.run(|c| queue::register_worker(c, &worker("w-2", r#"{"default":1}"#, None)))
        .await
        .unwrap();
    let (_, sent) = n.watch().await.unwrap();
    assert_eq!(sent, None);
}

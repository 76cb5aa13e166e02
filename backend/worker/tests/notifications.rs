//! Notifications on the whole stack: copies fail against the simulator, the worker's
//! notifier sends through a real SMTP server and a real webhook receiver on loopback.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

mod stack;

use std::time::{Duration, Instant};

use longjobs_core::outbox::{self, Channel};
use longjobs_notify::NotifyConfig;
use longjobs_notify::testing::{SmtpSink, WebhookSink};
use longjobs_sim::{FaultPlan, RouteFaults};
use serde_json::json;
use stack::Stack;

longjobs_core::on_every_database! {
    threads = 4, setup = |t| super::Stack::start(t).await;
    a_failed_copy_sends_one_email_and_one_webhook_call,
    a_storm_of_failed_copies_sends_one_digest,
    a_copy_that_fails_then_succeeds_tells_no_one,
    a_failed_merritt_submission_is_told_too,
}

const WAIT: Duration = Duration::from_secs(30);

struct Sinks {
    smtp: SmtpSink,
    hook: WebhookSink,
}

/// Points the stack's next worker at fresh sinks, digests due after `window`, with the
/// sending job in the `zenodo` queue (which the stack's worker works).
async fn notifying(s: &mut Stack, window: Duration) -> Sinks {
    let sinks = Sinks {
        smtp: SmtpSink::start().await.unwrap(),
        hook: WebhookSink::start().await.unwrap(),
    };
    let mut n = stack::notify_off();
    n.smtp_host = Some("127.0.0.1".into());
    n.smtp_port = sinks.smtp.port();
    n.notify_email_to = vec!["ops@example.org".into()];
    n.notify_email_from = "longjobs@example.org".into();
    n.notify_email_events = vec!["all".into()];
    n.notify_webhook_url = Some(sinks.hook.url.clone());
    n.notify_webhook_events = vec!["all".into()];
    n.notify_window = window;
    n.notify_check_interval = Duration::from_millis(100);
    n.notify_queue = "zenodo".into();
    s.notify = NotifyConfig::from_settings(&n).unwrap();
    sinks
}

fn refuse_depositions(s: &Stack) {
    let mut plan = FaultPlan::default();
    plan.routes.insert(
        "zenodo.create".into(),
        RouteFaults {
            error_rate: 1.0,
            status: 400,
            ..Default::default()
        },
    );
    s.sim.set_faults(plan).unwrap();
}

/// Waits until no channel has an event left to handle (the digest went out and was
/// stamped), so counting what arrived after this is final.
async fn wait_until_all_handled(s: &Stack) {
    let deadline = Instant::now() + WAIT;
    loop {
        let left = s.t.db.run(outbox::count_pending).await.unwrap();
        if left == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "{left} events never handled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn a_failed_copy_sends_one_email_and_one_webhook_call(mut s: Stack) {
    s.stop_worker().await;
    let sinks = notifying(&mut s, Duration::ZERO).await;
    s.start_worker();
    refuse_depositions(&s);
    let doi = "doi:10.5061/dryad.n1";
    let id = s
        .request_copy(doi, 1, "data", vec![s.file("a.csv", 100, 1)])
        .await;
    s.wait_state(id, "error").await;

    let mails = sinks.smtp.wait_for(1, WAIT).await;
    let calls = sinks.hook.wait_for(1, WAIT).await;
    wait_until_all_handled(&s).await;
    let subject = mails[0].subject();
    assert!(
        subject.starts_with(&format!(
            "[longjobs] Zenodo copy #{id} of {doi} (data) failed: "
        )),
        "{subject}"
    );
    assert!(subject.contains("400"), "{subject}");
    assert_eq!(mails[0].to, vec!["ops@example.org"]);
    assert_eq!(calls[0].body["count"], 1);
    assert_eq!(calls[0].body["events"][0]["kind"], "copy_error");
    assert_eq!(calls[0].body["events"][0]["detail"]["copy_id"], id);
    assert_eq!(calls[0].body["events"][0]["detail"]["identifier"], doi);

    // Nothing more goes out: the worker goes on ticking, and a restart changes nothing.
    s.stop_worker().await;
    s.start_worker();
    let n = longjobs_notify::Notifier::new(s.t.db.clone(), s.notify.clone()).unwrap();
    assert_eq!(
        n.send_pending().await.unwrap(),
        longjobs_notify::Sent::default()
    );
    s.stop_worker().await;
    assert_eq!(sinks.smtp.mails().len(), 1, "{:?}", sinks.smtp.mails());
    assert_eq!(sinks.hook.calls().len(), 1, "{:?}", sinks.hook.calls());
}

async fn a_storm_of_failed_copies_sends_one_digest(mut s: Stack) {
    // Collect for an hour: the storm happens inside one window.
    s.stop_worker().await;
    let sinks = notifying(&mut s, Duration::from_secs(3600)).await;
    s.start_worker();
    refuse_depositions(&s);
    const N: i64 = 12;
    let mut ids = Vec::new();
    for i in 0..N {
        let doi = format!("doi:10.5061/dryad.storm{i}");
        ids.push(
            s.request_copy(&doi, i + 1, "data", vec![s.file("a.csv", 100, i as u64)])
                .await,
        );
    }
    for &id in &ids {
        s.wait_state(id, "error").await;
    }
    let waiting =
        s.t.db
            .run(|c| outbox::pending(c, Channel::Email, 1_000))
            .await
            .unwrap();
    assert_eq!(waiting.len(), N as usize, "one event per failed copy");
    assert!(
        sinks.smtp.mails().is_empty(),
        "sent before the window closed"
    );

    // The window closes (a worker configured with none left): one digest of all of them.
    s.stop_worker().await;
    notifying_again(&mut s, &sinks);
    s.start_worker();
    let mails = sinks.smtp.wait_for(1, WAIT).await;
    let calls = sinks.hook.wait_for(1, WAIT).await;
    wait_until_all_handled(&s).await;
    s.stop_worker().await;
    assert_eq!(sinks.smtp.mails().len(), 1, "a storm is one e-mail");
    assert_eq!(sinks.hook.calls().len(), 1, "a storm is one webhook call");
    assert_eq!(
        mails[0].subject(),
        format!("[longjobs] {N} events: {N} copy_error")
    );
    let body = mails[0].body();
    for id in &ids {
        assert!(
            body.contains(&format!("Zenodo copy #{id} of")),
            "{id} missing:\n{body}"
        );
    }
    assert_eq!(calls[0].body["count"], N);
}

/// The same sinks, but digests due at once.
fn notifying_again(s: &mut Stack, sinks: &Sinks) {
    let mut n = stack::notify_off();
    n.smtp_host = Some("127.0.0.1".into());
    n.smtp_port = sinks.smtp.port();
    n.notify_email_to = vec!["ops@example.org".into()];
    n.notify_email_events = vec!["all".into()];
    n.notify_webhook_url = Some(sinks.hook.url.clone());
    n.notify_webhook_events = vec!["all".into()];
    n.notify_window = Duration::ZERO;
    n.notify_check_interval = Duration::from_millis(100);
    n.notify_queue = "zenodo".into();
    s.notify = NotifyConfig::from_settings(&n).unwrap();
}

async fn a_copy_that_fails_then_succeeds_tells_no_one(mut s: Stack) {
    s.stop_worker().await;
    let sinks = notifying(&mut s, Duration::ZERO).await;
    s.start_worker();
    // Two 504s, then Zenodo answers: the copy retries and finishes.
    let mut plan = FaultPlan::default();
    plan.routes.insert(
        "zenodo.create".into(),
        RouteFaults {
            storm_next: 2,
            ..Default::default()
        },
    );
    s.sim.set_faults(plan).unwrap();
    let id = s
        .request_copy(
            "doi:10.5061/dryad.n2",
            1,
            "data",
            vec![s.file("a.csv", 100, 1)],
        )
        .await;
    let c = s.wait_state(id, "finished").await;
    assert!(
        c["copy"]["attempts"].as_i64().unwrap() >= 2,
        "{}",
        c["copy"]
    );
    let events =
        s.t.db
            .run(|c| outbox::pending(c, Channel::Webhook, 1_000))
            .await
            .unwrap();
    assert!(events.is_empty(), "a retried attempt was told: {events:?}");
    s.stop_worker().await;
    assert!(sinks.smtp.mails().is_empty());
    assert!(sinks.hook.calls().is_empty());
}

async fn a_failed_merritt_submission_is_told_too(mut s: Stack) {
    s.stop_worker().await;
    let sinks = notifying(&mut s, Duration::ZERO).await;
    s.start_worker();
    let mut plan = FaultPlan::default();
    plan.routes.insert(
        "merritt.update".into(),
        RouteFaults {
            error_rate: 1.0,
            status: 403,
            ..Default::default()
        },
    );
    s.sim.set_faults(plan).unwrap();
    let f = s.file("data.csv", 1_234, 5);
    let doi = "doi:10.5061/dryad.mn1";
    let (st, sub) = s
        .post(
            "/api/merritt/submissions",
            json!({ "resource_id": 9, "identifier": doi, "profile": "dryad_ingest", "submitter": "ops",
                    "files": [{ "url": f["url"], "size": f["size"], "md5": f["md5"], "name": "data.csv" }] }),
        )
        .await;
    assert_eq!(st, 201, "{sub}");
    let id = sub["id"].as_i64().unwrap();
    let mails = sinks.smtp.wait_for(1, WAIT).await;
    let calls = sinks.hook.wait_for(1, WAIT).await;
    wait_until_all_handled(&s).await;
    s.stop_worker().await;
    assert!(
        mails[0].subject().starts_with(&format!(
            "[longjobs] Merritt submission #{id} of {doi} failed: "
        )),
        "{}",
        mails[0].subject()
    );
    assert_eq!(calls[0].body["events"][0]["kind"], "submission_error");
    assert_eq!(calls[0].body["events"][0]["detail"]["submission_id"], id);
    assert_eq!(sinks.smtp.mails().len(), 1);
    assert_eq!(sinks.hook.calls().len(), 1);
    let subs = s.get("/api/merritt/submissions").await["submissions"].clone();
    let me = subs
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id)
        .unwrap();
    assert_eq!(me["state"], "errored", "{me}");
}

//! Events for the host application on the whole stack: copies and submissions end against
//! the simulators, the worker posts each event, signed, to a real webhook receiver on
//! loopback, and `GET /api/events` lists the same bodies after a cursor.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

mod stack;

use std::time::{Duration, Instant};

use longjobs_core::clock;
use longjobs_core::host_events;
use longjobs_notify::NotifyConfig;
use longjobs_notify::hooks::signature;
use longjobs_notify::testing::{Call, WebhookSink};
use longjobs_sim::{FaultPlan, RouteFaults};
use serde_json::{Value, json};
use stack::Stack;

longjobs_core::on_every_database! {
    threads = 4, setup = |t| super::Stack::start(t).await;
    a_finished_copy_and_a_completed_submission_reach_the_host_signed_with_their_doi_and_ark,
    an_event_the_host_refuses_waits_with_its_error_and_nothing_overtakes_it,
    a_copy_that_fails_for_good_is_one_error_event_and_retried_attempts_are_none,
    the_events_api_pages_with_a_cursor_and_refuses_what_it_cannot_filter_by,
}

const WAIT: Duration = Duration::from_secs(30);
const SECRET: &str = "a host's shared secret, long enough to sign";

/// Points the stack's next worker at a fresh receiver for host events (operator
/// notifications stay off), checking every 100 ms, the job in the `zenodo` queue.
async fn host_hook(s: &mut Stack) -> WebhookSink {
    let sink = WebhookSink::start().await.unwrap();
    let mut n = stack::notify_off();
    n.events_webhook_url = Some(sink.url.clone());
    n.events_webhook_secret = Some(SECRET.into());
    n.notify_check_interval = Duration::from_millis(100);
    n.notify_queue = "zenodo".into();
    s.notify = NotifyConfig::from_settings(&n).unwrap();
    s.stop_worker().await;
    s.start_worker();
    sink
}

/// Checks a call's signature as a host would: the MAC over `t` and the raw body.
fn assert_signed(call: &Call) {
    let sig = call
        .signature
        .as_deref()
        .expect("a Longjobs-Signature header");
    let t: i64 = sig
        .strip_prefix("t=")
        .and_then(|r| r.split(',').next())
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no t= in {sig}"));
    assert_eq!(
        sig,
        signature(SECRET, t, &call.raw),
        "signature over the raw body"
    );
    assert!(
        (clock::now().and_utc().timestamp() - t).abs() < 300,
        "t={t} is now"
    );
    assert_eq!(
        call.event_id.as_deref(),
        Some(call.body["id"].to_string().as_str())
    );
    assert_eq!(call.event.as_deref(), call.body["event"].as_str());
}

async fn events(s: &Stack, query: &str) -> Value {
    s.get(&format!("/api/events{query}")).await
}

async fn a_finished_copy_and_a_completed_submission_reach_the_host_signed_with_their_doi_and_ark(
    mut s: Stack,
) {
    let sink = host_hook(&mut s).await;
    let doi = "doi:10.5061/dryad.h1";
    let copy = s
        .request_copy(doi, 1, "data", vec![s.file("a.csv", 100, 1)])
        .await;
    let done = s.wait_state(copy, "finished").await;
    let sub = s.request_submission(doi, 1).await;

    let calls = sink.wait_for(2, WAIT).await;
    for c in &calls {
        assert_signed(c);
    }
    let (c, m) = (&calls[0].body, &calls[1].body);
    assert_eq!(c["event"], "copy.finished");
    assert_eq!(c["copy_id"], copy);
    assert_eq!(c["identifier"], doi);
    assert_eq!(c["copy_type"], "data");
    assert_eq!(c["deposition_id"], done["copy"]["deposition_id"]);
    assert!(c["deposition_id"].as_i64().is_some(), "{c}");
    assert_eq!(c["doi"], done["copy"]["software_doi"]);
    let concept = c["concept_doi"].as_str().expect("a concept DOI");
    assert!(
        concept.ends_with(c["conceptrecid"].as_str().unwrap()),
        "{c}"
    );
    assert_eq!(m["event"], "submission.completed");
    assert_eq!(m["submission_id"], sub);
    assert!(
        m["ark"].as_str().is_some_and(|a| a.starts_with("ark:/")),
        "{m}"
    );
    assert!(c["id"].as_i64() < m["id"].as_i64(), "in order");

    // The API lists the same bodies, delivered (stamped just after the host answered).
    let page = s.wait_events_delivered().await;
    let listed: Vec<&Value> = page["events"].as_array().unwrap().iter().collect();
    assert_eq!(listed.len(), 2, "{page}");
    assert_eq!(listed[0]["body"], *c);
    assert_eq!(listed[1]["body"], *m);
    for e in &listed {
        assert!(e["delivered_at"].is_string(), "{e}");
        assert_eq!(e["delivery_attempts"], 1);
    }
    s.stop_worker().await;
    assert_eq!(sink.calls().len(), 2, "each event once");
}

async fn an_event_the_host_refuses_waits_with_its_error_and_nothing_overtakes_it(mut s: Stack) {
    let sink = host_hook(&mut s).await;
    sink.fail_with(Some(503));
    let first = s
        .request_copy(
            "doi:10.5061/dryad.h2",
            2,
            "data",
            vec![s.file("a.csv", 100, 2)],
        )
        .await;
    s.wait_state(first, "finished").await;
    // The refusal is on the event, readable.
    let deadline = Instant::now() + WAIT;
    let refused = loop {
        let page = events(&s, "").await;
        let e = page["events"][0].clone();
        if e["delivery_attempts"].as_i64().unwrap_or(0) >= 1 {
            break e;
        }
        assert!(Instant::now() < deadline, "never attempted: {page}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(refused["delivered_at"].is_null(), "{refused}");
    let why = refused["last_delivery_error"].as_str().unwrap();
    assert!(why.contains("503"), "{why}");
    assert!(!why.contains("/hook"), "names the host only: {why}");

    // A second event waits behind the first, even once the host takes calls again: the
    // first waits out its backoff (30 s), and nothing overtakes it.
    let second = s
        .request_copy(
            "doi:10.5061/dryad.h3",
            3,
            "data",
            vec![s.file("b.csv", 100, 3)],
        )
        .await;
    s.wait_state(second, "finished").await;
    sink.fail_with(None);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(sink.calls().is_empty(), "{:?}", sink.calls());

    // Time passes (the backoff ends): both go, in order.
    let id = refused["id"].as_i64().unwrap();
    s.t.db
        .run(move |c| host_events::mark_failed(c, id, "the backoff ended", clock::now()))
        .await
        .unwrap();
    let calls = sink.wait_for(2, WAIT).await;
    assert_eq!(calls[0].body["copy_id"], first);
    assert_eq!(calls[1].body["copy_id"], second);
    let page = s.wait_events_delivered().await;
    assert_eq!(page["events"][0]["delivery_attempts"], 3, "{page}");
    assert!(page["events"][0]["last_delivery_error"].is_null(), "{page}");
    s.stop_worker().await;
    assert_eq!(sink.calls().len(), 2);
}

async fn a_copy_that_fails_for_good_is_one_error_event_and_retried_attempts_are_none(mut s: Stack) {
    let sink = host_hook(&mut s).await;
    // Two transient failures (504), then success: no error event, one finished event.
    let mut plan = FaultPlan::default();
    plan.routes.insert(
        "zenodo.create".into(),
        RouteFaults {
            storm_next: 2,
            ..Default::default()
        },
    );
    s.sim.set_faults(plan).unwrap();
    let ok = s
        .request_copy(
            "doi:10.5061/dryad.h4",
            4,
            "data",
            vec![s.file("a.csv", 100, 4)],
        )
        .await;
    s.wait_state(ok, "finished").await;
    // A permanent refusal: one error event with the reason.
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
    let bad = s
        .request_copy(
            "doi:10.5061/dryad.h5",
            5,
            "data",
            vec![s.file("a.csv", 100, 5)],
        )
        .await;
    s.wait_state(bad, "error").await;
    let calls = sink.wait_for(2, WAIT).await;
    assert_eq!(calls[0].body["event"], "copy.finished");
    assert_eq!(calls[0].body["copy_id"], ok);
    assert_eq!(calls[1].body["event"], "copy.error");
    assert_eq!(calls[1].body["copy_id"], bad);
    assert!(
        calls[1].body["error"]
            .as_str()
            .is_some_and(|e| e.contains("400")),
        "{}",
        calls[1].body
    );
    s.stop_worker().await;
    assert_eq!(sink.calls().len(), 2, "{:?}", sink.calls());
}

async fn the_events_api_pages_with_a_cursor_and_refuses_what_it_cannot_filter_by(s: Stack) {
    let mut ids = Vec::new();
    for i in 0..3 {
        let doi = format!("doi:10.5061/dryad.p{i}");
        let id = s
            .request_copy(&doi, 10 + i, "data", vec![s.file("a.csv", 100, i as u64)])
            .await;
        s.wait_state(id, "finished").await;
        ids.push(id);
    }
    let first = events(&s, "?limit=2").await;
    assert_eq!(first["events"].as_array().unwrap().len(), 2, "{first}");
    let cursor = first["next_after"].as_i64().unwrap();
    let rest = events(&s, &format!("?after={cursor}")).await;
    assert_eq!(rest["events"].as_array().unwrap().len(), 1, "{rest}");
    assert_eq!(rest["events"][0]["body"]["copy_id"], ids[2]);
    let end = rest["next_after"].as_i64().unwrap();
    // Nothing newer: the same cursor comes back to poll with.
    let empty = events(&s, &format!("?after={end}")).await;
    assert_eq!(empty["events"], json!([]));
    assert_eq!(empty["next_after"], end);
    // Filters.
    let one = events(&s, "?identifier=doi:10.5061/dryad.p1").await;
    assert_eq!(one["events"].as_array().unwrap().len(), 1, "{one}");
    assert_eq!(one["events"][0]["subject_id"], ids[1]);
    let none = events(&s, "?kind=copy.error").await;
    assert_eq!(none["events"], json!([]));
    // Undelivered without a webhook: no attempt, no error.
    assert_eq!(first["events"][0]["delivery_attempts"], 0);
    assert!(first["events"][0]["delivered_at"].is_null());
    for bad in ["?kind=copy_finished", "?limit=0", "?limit=501", "?after=-1"] {
        let (st, v) = s
            .call(reqwest::Method::GET, &format!("/api/events{bad}"), None)
            .await;
        assert_eq!(st, 400, "{bad}: {v}");
    }
}

//! Fault knobs over HTTP: error rates, 504 storms, checksum corruption, dropped connections,
//! latency, determinism, and the admin API around them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

mod common;

use std::time::{Duration, Instant};

use common::{Harness, link, md5_hex};
use longjobs_sim::{FaultPlan, RouteFaults, SimConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn an_error_rate_of_one_answers_the_configured_status_every_time() {
    let h = Harness::start().await;
    h.set_faults(json!({"routes": {"zenodo.create": {"error_rate": 1.0, "status": 503}}}))
        .await;
    for _ in 0..5 {
        let response = h
            .http
            .post(h.depositions_url())
            .query(&h.token())
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["status"], 503);
    }
    let state = h.state().await;
    assert_eq!(
        state["depositions"],
        json!([]),
        "faulted requests are not carried out"
    );
    assert_eq!(state["requests"]["zenodo.create"], 5);
    assert_eq!(state["faults_injected"]["zenodo.create"], 5);
}

#[tokio::test]
async fn a_storm_of_three_gives_exactly_three_504s_then_success() {
    let h = Harness::start().await;
    let deposition = h.create().await;
    h.set_faults(json!({"routes": {"zenodo.get": {"storm_next": 3}}}))
        .await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let response = h
            .http
            .get(link(&deposition, "self"))
            .query(&h.token())
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [504, 504, 504, 200, 200]);
    let left: Value = h
        .http
        .get(format!("{}/faults", h.sim.admin_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        left["routes"]["zenodo.get"].get("storm_next").is_none(),
        "{left}"
    );
}

#[tokio::test]
async fn a_storm_for_a_duration_ends_when_its_window_closes() {
    let h = Harness::start().await;
    h.set_faults(json!({"routes": {"zenodo.list": {"storm_for_ms": 150}}}))
        .await;
    let list = || h.http.get(h.depositions_url()).query(&h.token()).send();
    assert_eq!(list().await.unwrap().status(), StatusCode::GATEWAY_TIMEOUT);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(list().await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn checksum_corruption_returns_a_wrong_md5_once() {
    let h = Harness::start().await;
    let deposition = h.create().await;
    h.set_faults(json!({"corrupt_checksums": 1})).await;
    let bytes = b"precious data".as_slice();
    let right = format!("md5:{}", md5_hex(bytes));

    let first: Value = h
        .upload(&deposition, "a.txt", bytes)
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(first["checksum"], right);
    let stored = h.get(&link(&deposition, "self")).await;
    assert_ne!(
        stored["files"][0]["checksum"],
        md5_hex(bytes),
        "the stored copy is bad too"
    );

    let retry: Value = h
        .upload(&deposition, "a.txt", bytes)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(retry["checksum"], right);
    let state = h.state().await;
    assert_eq!(state["depositions"][0]["files"][0]["corrupted"], false);
}

#[tokio::test]
async fn a_dropped_connection_surfaces_as_a_request_error_and_the_next_request_succeeds() {
    let h = Harness::start().await;
    let deposition = h.create().await;
    h.set_faults(json!({"routes": {"zenodo.upload": {"drop_next": 1}}}))
        .await;

    let error = h
        .http
        .put(format!("{}/a.txt", link(&deposition, "bucket")))
        .query(&h.token())
        .body(vec![1u8; 10_000])
        .send()
        .await
        .expect_err("the connection is closed without an answer");
    assert!(
        error.is_request() || error.is_connect() || error.is_body(),
        "{error:?}"
    );
    assert_eq!(error.status(), None);

    assert_eq!(
        h.upload(&deposition, "a.txt", b"again").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_latency_knob_delays_only_its_route() {
    let h = Harness::start().await;
    let deposition = h.create().await;
    h.set_faults(json!({"routes": {"zenodo.get": {"latency_ms": 250}}}))
        .await;

    let started = Instant::now();
    h.get(&link(&deposition, "self")).await;
    assert!(started.elapsed() >= Duration::from_millis(250));

    let started = Instant::now();
    let listed = h
        .http
        .get(h.depositions_url())
        .query(&h.token())
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), StatusCode::OK);
    assert!(started.elapsed() < Duration::from_millis(250));
}

#[tokio::test]
async fn commit_then_fail_publishes_behind_a_504() {
    let h = Harness::start().await;
    let deposition = h.draft_with_files(&[("a.txt", b"v1")]).await;
    h.set_faults(
        json!({"routes": {"zenodo.publish": {"storm_next": 1, "commit_then_fail": true}}}),
    )
    .await;
    let timed_out = h.action(&deposition, "publish").await;
    assert_eq!(timed_out.status(), StatusCode::GATEWAY_TIMEOUT);
    let after = h.get(&link(&deposition, "self")).await;
    assert_eq!(
        after["submitted"], true,
        "the publish happened all the same"
    );
    assert_eq!(
        h.action(&deposition, "publish").await.status(),
        StatusCode::BAD_REQUEST,
        "publishing again is refused"
    );
}

async fn statuses_with_seed(h: &Harness, seed: u64) -> Vec<u16> {
    h.set_faults(
        json!({"seed": seed, "routes": {"zenodo.list": {"error_rate": 0.5, "status": 502}}}),
    )
    .await;
    let mut statuses = Vec::new();
    for _ in 0..24 {
        let response = h
            .http
            .get(h.depositions_url())
            .query(&h.token())
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    statuses
}

#[tokio::test]
async fn the_same_seed_gives_the_same_fault_sequence() {
    let h = Harness::start().await;
    let first = statuses_with_seed(&h, 42).await;
    let again = statuses_with_seed(&h, 42).await;
    assert_eq!(first, again);
    assert!(first.contains(&502) && first.contains(&200), "{first:?}");
    assert_ne!(statuses_with_seed(&h, 43).await, first);
}

#[tokio::test]
async fn an_invalid_fault_plan_is_refused_with_the_reason() {
    let h = Harness::start().await;
    let refused = h
        .http
        .put(format!("{}/faults", h.sim.admin_url()))
        .json(&json!({"routes": {"zenodo.uplaod": {"error_rate": 1.0}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let body: Value = refused.json().await.unwrap();
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("zenodo.uplaod") && message.contains("zenodo.upload"),
        "{message}"
    );

    let bad_rate = h
        .http
        .put(format!("{}/faults", h.sim.admin_url()))
        .json(&json!({"routes": {"zenodo.upload": {"error_rate": 2.0}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_rate.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn reset_forgets_everything_and_brings_back_the_start_up_faults() {
    let start_up = FaultPlan {
        routes: [(
            "zenodo.list".to_owned(),
            RouteFaults {
                storm_next: 1,
                ..RouteFaults::default()
            },
        )]
        .into(),
        ..FaultPlan::default()
    };
    let h = Harness::start_with(SimConfig {
        faults: start_up,
        ..SimConfig::for_tests()
    })
    .await;
    let list = || h.http.get(h.depositions_url()).query(&h.token()).send();
    assert_eq!(list().await.unwrap().status(), StatusCode::GATEWAY_TIMEOUT);
    h.create().await;
    assert_eq!(list().await.unwrap().status(), StatusCode::OK);

    let reset = h
        .http
        .post(format!("{}/reset", h.sim.admin_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    let state = h.state().await;
    assert_eq!(state["depositions"], json!([]));
    assert_eq!(state["requests"]["zenodo.create"], 0);
    assert_eq!(list().await.unwrap().status(), StatusCode::GATEWAY_TIMEOUT);
}

#[tokio::test]
async fn faults_set_in_process_act_like_faults_set_over_http() {
    let h = Harness::start().await;
    h.sim
        .set_faults(FaultPlan {
            routes: [(
                "files.get".to_owned(),
                RouteFaults {
                    error_rate: 1.0,
                    status: 429,
                    ..RouteFaults::default()
                },
            )]
            .into(),
            ..FaultPlan::default()
        })
        .unwrap();
    let response = h
        .http
        .get(h.sim.file_url("a.bin", 10, 1))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(h.sim.snapshot().faults_injected["files.get"], 1);
}

#[tokio::test]
async fn a_rate_limit_answers_429_with_retry_after_then_lets_requests_through() {
    let h = Harness::start().await;
    let deposition = h.create().await;
    h.set_faults(json!({"routes": {"zenodo.get": {"rate_limit_next": 2, "retry_after_s": 7}}}))
        .await;
    let mut seen = Vec::new();
    for _ in 0..3 {
        let response = h
            .http
            .get(link(&deposition, "self"))
            .query(&h.token())
            .send()
            .await
            .unwrap();
        seen.push((
            response.status().as_u16(),
            response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string()),
        ));
    }
    assert_eq!(
        seen,
        [
            (429, Some("7".to_string())),
            (429, Some("7".to_string())),
            (200, None)
        ]
    );
}

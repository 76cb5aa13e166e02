//! The file source over HTTP: deterministic bytes, HEAD, and refusals.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

mod common;

use common::{Harness, md5_hex};
use longjobs_sim::expected_md5;
use reqwest::StatusCode;
use reqwest::header::CONTENT_LENGTH;

#[tokio::test]
async fn the_served_bytes_match_expected_md5_and_do_not_change_between_requests() {
    let h = Harness::start().await;
    let size = 300_001;
    let url = h.sim.file_url("big.bin", size, 11);
    let response = h.http.get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[CONTENT_LENGTH],
        size.to_string().as_str()
    );
    let bytes = response.bytes().await.unwrap();
    assert_eq!(bytes.len() as u64, size);
    assert_eq!(md5_hex(&bytes), expected_md5(size, 11));

    let again = h
        .http
        .get(&url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(again, bytes);
    let other_seed = h
        .http
        .get(h.sim.file_url("big.bin", size, 12))
        .send()
        .await
        .unwrap();
    assert_ne!(other_seed.bytes().await.unwrap(), bytes);
}

#[tokio::test]
async fn head_answers_the_length_without_a_body() {
    let h = Harness::start().await;
    let response = h
        .http
        .head(h.sim.file_url("a.csv", 12_345, 0))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_LENGTH], "12345");
    assert!(response.bytes().await.unwrap().is_empty());
    assert_eq!(h.state().await["requests"]["files.get"], 1);
}

#[tokio::test]
async fn a_missing_or_bad_size_is_refused() {
    let h = Harness::start().await;
    let missing = h
        .http
        .get(format!("{}/files/a.bin", h.sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    let bad = h
        .http
        .get(format!("{}/files/a.bin?size=ten", h.sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_stall_pauses_the_body_after_the_given_bytes_and_then_sends_the_rest() {
    let h = Harness::start().await;
    h.set_faults(serde_json::json!({
        "routes": { "files.get": { "stall_ms": 600, "stall_after_bytes": 1000 } }
    }))
    .await;
    let size = 5_000;
    let started = std::time::Instant::now();
    let mut response = h
        .http
        .get(h.sim.file_url("slow.bin", size, 3))
        .send()
        .await
        .unwrap();
    let mut first = Vec::new();
    while first.len() < 1000 {
        first.extend_from_slice(&response.chunk().await.unwrap().unwrap());
    }
    assert_eq!(first.len(), 1000, "the body stops at the stall point");
    let before_rest = started.elapsed();
    let mut rest = Vec::new();
    while let Some(c) = response.chunk().await.unwrap() {
        rest.extend_from_slice(&c);
    }
    assert!(
        started.elapsed() - before_rest >= std::time::Duration::from_millis(500),
        "the rest came without a pause"
    );
    first.extend(rest);
    assert_eq!(
        md5_hex(&first),
        expected_md5(size, 3),
        "no byte lost or added"
    );
}

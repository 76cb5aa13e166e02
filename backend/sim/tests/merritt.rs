//! The simulated Merritt over HTTP: submissions, the delayed object, refusals and failures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

mod common;

use std::time::{Duration, Instant};

use common::Harness;
use longjobs_sim::{BasicAuth, SimConfig, expected_md5};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

const DOI: &str = "doi:10.5061/dryad.sim0001";
/// Longest the tests wait for an object to appear (the test delay is 200 ms).
const WAIT_LIMIT: Duration = Duration::from_secs(3);
const POLL_EVERY: Duration = Duration::from_millis(25);

fn manifest(h: &Harness, files: &[(&str, u64, u64, Option<String>)]) -> String {
    let mut text = String::from(
        "#%checkm_0.7\n\
         #%profile | http://uc3.cdlib.org/registry/ingest/manifest/mrt-ingest-manifest\n\
         #%prefix | mrt: | http://merritt.cdlib.org/terms#\n\
         #%prefix | nfo: | http://www.semanticdesktop.org/ontologies/2007/03/22/nfo#\n\
         #%fields | nfo:fileUrl | nfo:hashAlgorithm | nfo:hashValue | nfo:fileSize | nfo:fileLastModified | nfo:fileName | mrt:mimeType\n",
    );
    for (name, size, seed, md5) in files {
        let (algorithm, value) = md5.as_ref().map_or(("", ""), |md5| ("md5", md5.as_str()));
        text.push_str(&format!(
            "{} | {algorithm} | {value} | {size} | | {name} | application/octet-stream\n",
            h.sim.file_url(name, *size, *seed)
        ));
    }
    text.push_str("#%EOF\n");
    text
}

fn form(manifest: String, local_id: &str) -> Form {
    Form::new()
        .part("file", Part::text(manifest).file_name("manifest.checkm"))
        .text("profile", "dryad_ingest_profile")
        .text("localIdentifier", local_id.to_owned())
        .text("submitter", "longjobs/Long Jobs")
        .text("responseForm", "json")
}

async fn submit(h: &Harness, form: Form) -> reqwest::Response {
    h.http
        .post(format!("{}/object/update", h.sim.merritt_url()))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn search(h: &Harness, local_id: &str) -> (StatusCode, Value) {
    let response = h
        .http
        .get(format!("{}/api/dryad/local_id_search", h.sim.merritt_url()))
        .query(&[("terms", local_id)])
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

/// Polls until the object shows, or gives up after [`WAIT_LIMIT`].
async fn wait_for_object(h: &Harness, local_id: &str) -> Option<Value> {
    let deadline = Instant::now() + WAIT_LIMIT;
    while Instant::now() < deadline {
        let (status, body) = search(h, local_id).await;
        if status == StatusCode::OK {
            return Some(body);
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
    None
}

#[tokio::test]
async fn a_submitted_manifest_becomes_visible_only_after_the_delay() {
    let h = Harness::start().await;
    let md5 = expected_md5(5_000, 3);
    let text = manifest(
        &h,
        &[
            ("data.csv", 5_000, 3, Some(md5.clone())),
            ("README.md", 40, 4, None),
        ],
    );
    let submitted_at = Instant::now();
    let response = submit(&h, form(text, DOI)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let batch: Value = response.json().await.unwrap();
    let state = &batch["bat:batchState"];
    assert!(state["bat:batchID"].as_str().unwrap().starts_with("bid-"));
    assert_eq!(state["bat:batchStatus"], "QUEUED");

    let (status, body) = search(&h, DOI).await;
    assert_eq!(
        (status, body),
        (StatusCode::CREATED, json!({})),
        "not visible yet"
    );

    let object = wait_for_object(&h, DOI).await.expect("the object appears");
    assert!(submitted_at.elapsed() >= Duration::from_millis(200));
    assert!(
        object["ark"]
            .as_str()
            .unwrap()
            .starts_with("ark:/99999/fk4")
    );
    assert_eq!(object["localids"], json!([DOI]));
    let files = object["versions"][0]["files"].as_array().unwrap();
    assert_eq!(files[0]["pathname"], "producer/data.csv");
    assert_eq!(files[0]["digest_value"], md5);
    assert_eq!(
        files[1]["digest_value"],
        expected_md5(40, 4),
        "a missing md5 is computed"
    );

    let (status, _) = search(&h, "10.5061/DRYAD.SIM0001").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "search ignores case and the doi: prefix"
    );
}

#[tokio::test]
async fn a_second_submission_adds_a_version_to_the_same_ark() {
    let h = Harness::start().await;
    let first = submit(&h, form(manifest(&h, &[("a.bin", 10, 1, None)]), DOI)).await;
    assert_eq!(first.status(), StatusCode::OK);
    let v1 = wait_for_object(&h, DOI).await.unwrap();
    let second = submit(&h, form(manifest(&h, &[("a.bin", 20, 2, None)]), DOI)).await;
    assert_eq!(second.status(), StatusCode::OK);
    let deadline = Instant::now() + WAIT_LIMIT;
    let v2 = loop {
        let (_, body) = search(&h, DOI).await;
        if body["version_number"] == 2 || Instant::now() > deadline {
            break body;
        }
        tokio::time::sleep(POLL_EVERY).await;
    };
    assert_eq!(v2["version_number"], 2);
    assert_eq!(v2["ark"], v1["ark"]);
    assert_eq!(v2["versions"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn an_empty_or_malformed_manifest_is_refused_with_400() {
    let h = Harness::start().await;
    for bad in [
        "#%checkm_0.7\n#%EOF\n".to_owned(),
        String::new(),
        "not-a-url | md5 | 123 | 4 | | x.txt |\n".to_owned(),
        format!(
            "{} | md5 | xyz | 4 | | x.txt |\n",
            h.sim.file_url("x.txt", 4, 0)
        ),
    ] {
        let response = submit(&h, form(bad.clone(), DOI)).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["exc:exception"]["exc:statusCode"], 400);
    }
    assert_eq!(h.state().await["merritt_submissions"], json!([]));
}

#[tokio::test]
async fn missing_form_fields_are_refused() {
    let h = Harness::start().await;
    let without_local_id = Form::new()
        .part("file", Part::text(manifest(&h, &[("a", 1, 1, None)])))
        .text("profile", "p")
        .text("submitter", "s");
    let response = submit(&h, without_local_id).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["exc:exception"]["exc:statusDescription"]
            .as_str()
            .unwrap()
            .contains("localIdentifier")
    );
}

#[tokio::test]
async fn basic_auth_is_enforced_when_configured() {
    let h = Harness::start_with(SimConfig {
        merritt_auth: Some(BasicAuth {
            user: "dryad".to_owned(),
            password: "secret".to_owned(),
        }),
        ..SimConfig::for_tests()
    })
    .await;
    let text = manifest(&h, &[("a", 1, 1, None)]);
    let anonymous = submit(&h, form(text.clone(), DOI)).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let authorized = h
        .http
        .post(format!("{}/object/update", h.sim.merritt_url()))
        .basic_auth("dryad", Some("secret"))
        .multipart(form(text, DOI))
        .send()
        .await
        .unwrap();
    assert_eq!(authorized.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_ingest_whose_file_does_not_match_its_manifest_never_appears() {
    let h = Harness::start().await;
    let wrong = Some("0".repeat(32));
    let response = submit(&h, form(manifest(&h, &[("a.bin", 100, 1, wrong)]), DOI)).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "Merritt accepts first and checks later"
    );
    h.set_faults(json!({"merritt_fail_next": 1})).await;
    let other = "doi:10.5061/dryad.other";
    let faulted = submit(&h, form(manifest(&h, &[("b.bin", 10, 1, None)]), other)).await;
    assert_eq!(faulted.status(), StatusCode::OK);

    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(search(&h, DOI).await.0, StatusCode::CREATED);
    assert_eq!(search(&h, other).await.0, StatusCode::CREATED);
    let state = h.state().await;
    let statuses: Vec<&Value> = state["merritt_submissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["status"])
        .collect();
    assert_eq!(statuses, [&json!("FAILED"), &json!("FAILED")]);
    assert!(
        state["merritt_submissions"][0]["failure"]
            .as_str()
            .unwrap()
            .contains("does not match")
    );
}

//! Shared helpers of the integration tests: a simulator on loopback and a reqwest client.

#![allow(dead_code)] // each test binary uses its own subset

use longjobs_sim::{SimConfig, SimHandle, serve};
use md5::{Digest, Md5};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

/// A running simulator and a client for it.
pub struct Harness {
    pub sim: SimHandle,
    pub http: Client,
}

impl Harness {
    /// A simulator with [`SimConfig::for_tests`].
    pub async fn start() -> Self {
        Self::start_with(SimConfig::for_tests()).await
    }

    /// A simulator with `config`.
    pub async fn start_with(config: SimConfig) -> Self {
        let sim = serve(config).await.expect("the simulator starts");
        Self {
            sim,
            http: Client::new(),
        }
    }

    /// `…/zenodo/api/deposit/depositions`.
    pub fn depositions_url(&self) -> String {
        format!("{}/api/deposit/depositions", self.sim.zenodo_url())
    }

    /// The `access_token` query pair.
    pub fn token(&self) -> [(&'static str, String); 1] {
        [("access_token", self.sim.zenodo_token().to_owned())]
    }

    /// Creates a deposition asking for a pre-reserved DOI; asserts 201.
    pub async fn create(&self) -> Value {
        let response = self
            .http
            .post(self.depositions_url())
            .query(&self.token())
            .json(&json!({"metadata": {"prereserve_doi": true}}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    /// `GET url?access_token=…` as JSON; asserts 200.
    pub async fn get(&self, url: &str) -> Value {
        let response = self
            .http
            .get(url)
            .query(&self.token())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "GET {url}");
        response.json().await.unwrap()
    }

    /// `PUT links.self` with `{"metadata": metadata}`.
    pub async fn put_metadata(&self, deposition: &Value, metadata: Value) -> Response {
        self.http
            .put(link(deposition, "self"))
            .query(&self.token())
            .json(&json!({ "metadata": metadata }))
            .send()
            .await
            .unwrap()
    }

    /// `PUT links.bucket/name` with `bytes` as raw body.
    pub async fn upload(&self, deposition: &Value, name: &str, bytes: &[u8]) -> Response {
        self.http
            .put(format!("{}/{name}", link(deposition, "bucket")))
            .query(&self.token())
            .body(bytes.to_vec())
            .send()
            .await
            .unwrap()
    }

    /// `POST links.<action>` (publish, edit, newversion, discard).
    pub async fn action(&self, deposition: &Value, action: &str) -> Response {
        self.http
            .post(link(deposition, action))
            .query(&self.token())
            .send()
            .await
            .unwrap()
    }

    /// A created deposition with complete metadata and the given files, not yet published.
    pub async fn draft_with_files(&self, files: &[(&str, &[u8])]) -> Value {
        let deposition = self.create().await;
        let saved = self
            .put_metadata(&deposition, complete_metadata("A dataset"))
            .await;
        assert_eq!(saved.status(), StatusCode::OK);
        for (name, bytes) in files {
            assert_eq!(
                self.upload(&deposition, name, bytes).await.status(),
                StatusCode::OK
            );
        }
        deposition
    }

    /// A published deposition with the given files.
    pub async fn published_with_files(&self, files: &[(&str, &[u8])]) -> Value {
        let deposition = self.draft_with_files(files).await;
        let published = self.action(&deposition, "publish").await;
        assert_eq!(published.status(), StatusCode::ACCEPTED);
        published.json().await.unwrap()
    }

    /// `PUT /admin/faults` with `plan`; asserts 200.
    pub async fn set_faults(&self, plan: Value) {
        let response = self
            .http
            .put(format!("{}/faults", self.sim.admin_url()))
            .json(&plan)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }

    /// `GET /admin/state`.
    pub async fn state(&self) -> Value {
        self.http
            .get(format!("{}/state", self.sim.admin_url()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

/// `links.<name>` of a deposition.
pub fn link(deposition: &Value, name: &str) -> String {
    deposition["links"][name]
        .as_str()
        .unwrap_or_else(|| panic!("links.{name} in {deposition}"))
        .to_owned()
}

/// Metadata Zenodo accepts.
pub fn complete_metadata(title: &str) -> Value {
    json!({
        "title": title,
        "upload_type": "dataset",
        "description": "Simulated data",
        "creators": [{"name": "Doe, Jane", "affiliation": "UC"}],
    })
}

/// Lowercase hex md5.
pub fn md5_hex(bytes: &[u8]) -> String {
    hex::encode(Md5::digest(bytes))
}

/// The field paths of a Zenodo error body.
pub fn error_fields(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

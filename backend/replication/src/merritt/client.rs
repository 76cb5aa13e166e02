//! The Merritt client: deposit a manifest with `object/update`, look an object up with
//! `local_id_search`; each request, answer and error goes to the submission's request log.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::log::{BODY_EXCERPT, Entry, RequestLog};
use super::model::SubmissionRequest;
use crate::source::SourcePolicy;
use crate::zenodo::client::error_chain;

pub const CALL_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Debug, Clone)]
pub struct MerrittConfig {
    /// e.g. `https://merritt.cdlib.org`.
    pub base_url: String,
    pub collection: String,
    pub user: Option<String>,
    pub password: Option<String>,
    /// File URLs Merritt is given must pass it as the worker's own fetches do: Merritt
    /// fetches them from its network, on a request's word.
    pub sources: SourcePolicy,
}

/// A failed call: `transient` when retrying may help.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct MerrittError {
    pub transient: bool,
    pub message: String,
    /// The deposit may have reached Merritt though no good answer came back (a timeout or a
    /// connection lost after sending, a gateway's 504): never post it again blindly.
    pub maybe_sent: bool,
}

pub struct MerrittClient {
    pub http: reqwest::Client,
    pub cfg: MerrittConfig,
    /// The submission's request log (none: calls are not logged).
    pub log: Option<RequestLog>,
}

impl MerrittClient {
    async fn log(&self, e: Entry) {
        if let Some(log) = &self.log {
            log.write(e).await;
        }
    }

    async fn log_request(&self, method: &str, url: &str, message: String) {
        self.log(Entry {
            kind: "REQUEST",
            method: Some(method.into()),
            url: Some(url.into()),
            message,
            ..Default::default()
        })
        .await;
    }

    async fn log_answer(&self, method: &str, url: &str, status: u16, took: Duration, body: &str) {
        self.log(Entry {
            kind: "RESPONSE",
            method: Some(method.into()),
            url: Some(url.into()),
            status: Some(i32::from(status)),
            duration: Some(took),
            message: longjobs_core::job::truncate(body.to_string(), BODY_EXCERPT),
        })
        .await;
    }

    async fn log_error(&self, method: &str, url: &str, took: Duration, message: &str) {
        self.log(Entry {
            kind: "ERROR",
            method: Some(method.into()),
            url: Some(url.into()),
            duration: Some(took),
            message: message.to_string(),
            ..Default::default()
        })
        .await;
    }

    fn auth(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.cfg.user {
            Some(u) => req.basic_auth(u, self.cfg.password.as_deref()),
            None => req,
        }
    }

    /// Deposits; returns the batch id Merritt gives.
    pub async fn submit(&self, doi: &str, req: &SubmissionRequest) -> Result<String, MerrittError> {
        let refused = |message: String| MerrittError {
            maybe_sent: false,
            transient: false,
            message,
        };
        for (i, f) in req.files.iter().enumerate() {
            self.cfg
                .sources
                .check_str(&f.url)
                .map_err(|e| refused(format!("files[{i}].url: {e}")))?;
        }
        let manifest = req.manifest().map_err(|e| refused(e.to_string()))?;
        let manifest = reqwest::multipart::Part::text(manifest)
            .file_name("manifest.checkm")
            .mime_str("text/plain")
            .map_err(|e| MerrittError {
                maybe_sent: false,
                transient: false,
                message: e.to_string(),
            })?;
        let form = reqwest::multipart::Form::new()
            .part("file", manifest)
            .text("profile", req.profile.clone())
            .text("localIdentifier", doi.to_string())
            .text("submitter", req.submitter.clone())
            .text("responseForm", "json");
        let url = format!("{}/object/update", self.cfg.base_url.trim_end_matches('/'));
        self.log_request(
            "POST",
            &url,
            format!(
                "deposit {doi}: {} file(s), profile {}",
                req.files.len(),
                req.profile
            ),
        )
        .await;
        let started = Instant::now();
        let sent = self
            .auth(self.http.post(&url).multipart(form).timeout(CALL_TIMEOUT))
            .send()
            .await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) => {
                let err = MerrittError {
                    // Only a connection never made is sure to have sent nothing.
                    maybe_sent: !e.is_connect(),
                    transient: true,
                    message: format!("POST {url}: network error: {}", error_chain(&e)),
                };
                self.log_error("POST", &url, started.elapsed(), &err.message)
                    .await;
                return Err(err);
            }
        };
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        self.log_answer("POST", &url, status.as_u16(), started.elapsed(), &text)
            .await;
        if !status.is_success() {
            return Err(MerrittError {
                maybe_sent: status == reqwest::StatusCode::GATEWAY_TIMEOUT,
                transient: status.is_server_error(),
                message: format!(
                    "POST {url} answered {}: {}",
                    status.as_u16(),
                    longjobs_core::job::truncate(text, 1000)
                ),
            });
        }
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        Ok(v["bat:batchState"]["bat:batchID"]
            .as_str()
            .unwrap_or("unknown")
            .to_string())
    }

    /// The object's ark once Merritt shows a version holding `req`'s files (names and
    /// md5s; any version when Merritt lists no files), `None` before.
    pub async fn find(
        &self,
        doi: &str,
        req: Option<&SubmissionRequest>,
    ) -> Result<Option<String>, MerrittError> {
        let url = format!(
            "{}/api/{}/local_id_search",
            self.cfg.base_url.trim_end_matches('/'),
            self.cfg.collection
        );
        let logged_url = reqwest::Url::parse_with_params(&url, &[("terms", doi)])
            .map_or_else(|_| url.clone(), |u| u.to_string());
        self.log_request("GET", &logged_url, format!("is {doi} in Merritt?"))
            .await;
        let started = Instant::now();
        let sent = self
            .auth(
                self.http
                    .get(&url)
                    .query(&[("terms", doi)])
                    .timeout(CALL_TIMEOUT),
            )
            .send()
            .await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) => {
                let err = MerrittError {
                    maybe_sent: false,
                    transient: true,
                    message: format!("GET {url}: network error: {}", error_chain(&e)),
                };
                self.log_error("GET", &logged_url, started.elapsed(), &err.message)
                    .await;
                return Err(err);
            }
        };
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        self.log_answer(
            "GET",
            &logged_url,
            status.as_u16(),
            started.elapsed(),
            &text,
        )
        .await;
        if status.as_u16() == 404 {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(MerrittError {
                maybe_sent: false,
                transient: status.is_server_error(),
                message: format!("GET {url} answered {}: {text}", status.as_u16()),
            });
        }
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let ark = v["ark"]
            .as_str()
            .filter(|a| !a.is_empty())
            .map(str::to_string);
        Ok(ark.filter(|_| req.is_none_or(|r| holds_version(&v, r))))
    }
}

/// Whether a `local_id_search` answer lists a version with exactly `req`'s files (name and
/// md5); true when it lists no version files at all (nothing to compare).
fn holds_version(object: &Value, req: &SubmissionRequest) -> bool {
    let Some(versions) = object["versions"].as_array() else {
        return true;
    };
    let mut want: Vec<(String, String)> = req
        .files
        .iter()
        .map(|f| (f.name.clone(), f.md5.to_lowercase()))
        .collect();
    want.sort();
    let listed: Vec<Vec<(String, String)>> = versions
        .iter()
        .filter_map(|v| v["files"].as_array())
        .map(|files| {
            let mut have: Vec<(String, String)> = files
                .iter()
                .map(|f| {
                    let path = f["pathname"].as_str().unwrap_or_default();
                    (
                        path.strip_prefix("producer/").unwrap_or(path).to_string(),
                        f["digest_value"]
                            .as_str()
                            .unwrap_or_default()
                            .to_lowercase(),
                    )
                })
                .collect();
            have.sort();
            have
        })
        .collect();
    listed.is_empty() || listed.contains(&want)
}

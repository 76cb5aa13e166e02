//! The Zenodo deposit API client (reqwest). Every call is logged to the copy's request log
//! with the access token redacted; errors say whether retrying can help.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use longjobs_core::Db;
use md5::{Digest, Md5};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

use super::store;

/// How long one call may take before it counts as a network failure.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(120);
/// Longest response body quoted in the log.
const LOGGED_BODY: usize = 1_000;

/// Where Zenodo is and how to authenticate.
#[derive(Debug, Clone)]
pub struct ZenodoConfig {
    /// e.g. `https://zenodo.org` (the API is under `/api`).
    pub base_url: String,
    pub token: String,
}

/// A failed call: `transient` when retrying may help (network, 5xx, 429, bad JSON).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ZenodoError {
    pub transient: bool,
    pub message: String,
}

impl ZenodoError {
    fn transient(message: String) -> Self {
        ZenodoError {
            transient: true,
            message,
        }
    }
    fn permanent(message: String) -> Self {
        ZenodoError {
            transient: false,
            message,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Links {
    pub bucket: Option<String>,
    pub latest_draft: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DepositionFile {
    pub filename: String,
    #[serde(default)]
    pub filesize: i64,
    #[serde(default)]
    pub checksum: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Deposition {
    pub id: i64,
    #[serde(default)]
    pub conceptrecid: Value,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub submitted: bool,
    pub links: Links,
    #[serde(default)]
    pub metadata: Value,
    #[serde(default)]
    pub files: Vec<DepositionFile>,
}

impl Deposition {
    pub fn concept(&self) -> Option<String> {
        match &self.conceptrecid {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    pub fn reserved_doi(&self) -> Option<String> {
        self.metadata["prereserve_doi"]["doi"]
            .as_str()
            .map(str::to_string)
    }

    pub fn is_published(&self) -> bool {
        self.submitted && self.state == "done"
    }
}

/// A client bound to one copy's log.
pub struct ZenodoClient {
    http: reqwest::Client,
    cfg: ZenodoConfig,
    db: Db,
    copy_id: i64,
}

impl ZenodoClient {
    pub fn new(http: reqwest::Client, cfg: ZenodoConfig, db: Db, copy_id: i64) -> Self {
        ZenodoClient {
            http,
            cfg,
            db,
            copy_id,
        }
    }

    pub async fn log(&self, kind: &str, message: String) {
        let (id, kind) = (self.copy_id, kind.to_string());
        if let Err(e) = self
            .db
            .run(move |c| store::log(c, id, &kind, &message))
            .await
        {
            tracing::warn!(copy.id = id, error = %e, "cannot write the copy's request log");
        }
    }

    fn api(&self, path: &str) -> String {
        format!("{}/api{path}", self.cfg.base_url.trim_end_matches('/'))
    }

    /// Sends a JSON call, logs request and response, and classifies failures.
    async fn call(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<(StatusCode, Value), ZenodoError> {
        let mut req = self
            .http
            .request(method.clone(), url)
            .query(&[("access_token", &self.cfg.token)])
            .timeout(CALL_TIMEOUT);
        if let Some(b) = body {
            req = req.json(b);
        }
        let request = req
            .build()
            .map_err(|e| ZenodoError::permanent(format!("{method} {url}: {e}")))?;
        // The URL as sent, with the token redacted by the log.
        let sent = format!(
            "{method} {}{}",
            request.url(),
            body.map(|b| format!(" {}", cut(&b.to_string())))
                .unwrap_or_default()
        );
        self.log("REQUEST", sent).await;
        let resp = match self.http.execute(request).await {
            Ok(r) => r,
            Err(e) => {
                let msg = format!("{method} {url}: network error: {}", error_chain(&e));
                self.log("ERROR", msg.clone()).await;
                return Err(ZenodoError::transient(msg));
            }
        };
        let status = resp.status();
        let text = match resp.text().await {
            Ok(t) => t,
            Err(e) => {
                let msg = format!(
                    "{method} {url}: reading the answer failed: {}",
                    error_chain(&e)
                );
                self.log("ERROR", msg.clone()).await;
                return Err(ZenodoError::transient(msg));
            }
        };
        self.log("RESPONSE", format!("{} {}", status.as_u16(), cut(&text)))
            .await;
        if !status.is_success() {
            let msg = format!(
                "{method} {url} answered {}: {}",
                status.as_u16(),
                cut(&text)
            );
            return Err(
                if status.is_server_error()
                    || status == StatusCode::TOO_MANY_REQUESTS
                    || status == StatusCode::REQUEST_TIMEOUT
                {
                    ZenodoError::transient(msg)
                } else {
                    ZenodoError::permanent(msg)
                },
            );
        }
        let value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).map_err(|e| {
                ZenodoError::transient(format!("{method} {url}: answer is not JSON: {e}"))
            })?
        };
        Ok((status, value))
    }

    fn parse<T: serde::de::DeserializeOwned>(v: Value, what: &str) -> Result<T, ZenodoError> {
        serde_json::from_value(v)
            .map_err(|e| ZenodoError::transient(format!("unexpected {what} answer: {e}")))
    }

    pub async fn create(&self, prereserve_doi: bool) -> Result<Deposition, ZenodoError> {
        let body = if prereserve_doi {
            json!({ "metadata": { "prereserve_doi": true } })
        } else {
            json!({})
        };
        let (_, v) = self
            .call(Method::POST, &self.api("/deposit/depositions"), Some(&body))
            .await?;
        Self::parse(v, "create")
    }

    pub async fn get(&self, id: i64) -> Result<Deposition, ZenodoError> {
        let (_, v) = self
            .call(
                Method::GET,
                &self.api(&format!("/deposit/depositions/{id}")),
                None,
            )
            .await?;
        Self::parse(v, "get")
    }

    pub async fn get_url(&self, url: &str) -> Result<Deposition, ZenodoError> {
        let (_, v) = self.call(Method::GET, url, None).await?;
        Self::parse(v, "get")
    }

    pub async fn update_metadata(
        &self,
        id: i64,
        metadata: &Value,
    ) -> Result<Deposition, ZenodoError> {
        let (_, v) = self
            .call(
                Method::PUT,
                &self.api(&format!("/deposit/depositions/{id}")),
                Some(&json!({ "metadata": metadata })),
            )
            .await?;
        Self::parse(v, "metadata")
    }

    pub async fn action(&self, id: i64, action: &str) -> Result<Value, ZenodoError> {
        let (_, v) = self
            .call(
                Method::POST,
                &self.api(&format!("/deposit/depositions/{id}/actions/{action}")),
                None,
            )
            .await?;
        Ok(v)
    }

    /// Deletes an unpublished deposition (a draft); a missing one is fine.
    pub async fn delete_deposition(&self, id: i64) -> Result<(), ZenodoError> {
        match self
            .call(
                Method::DELETE,
                &self.api(&format!("/deposit/depositions/{id}")),
                None,
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.message.contains("answered 404") => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Deletes a file from the bucket; a missing file is fine.
    pub async fn delete_file(&self, bucket: &str, name: &str) -> Result<(), ZenodoError> {
        match self
            .call(Method::DELETE, &format!("{bucket}/{name}"), None)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.message.contains("answered 404") => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Streams `source` into the bucket with its declared length; returns the MD5 the bucket
    /// reports and the MD5 of the bytes that went through.
    pub async fn upload(
        &self,
        bucket: &str,
        name: &str,
        source: &str,
        size: i64,
    ) -> Result<(String, String), ZenodoError> {
        let src = self
            .http
            .get(source)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| {
                ZenodoError::transient(format!("fetching {source}: {}", error_chain(&e)))
            })?;
        let hasher = Arc::new(Mutex::new(Md5::new()));
        let h = hasher.clone();
        let stream = src.bytes_stream().map(move |chunk| {
            if let Ok(bytes) = &chunk
                && let Ok(mut h) = h.lock()
            {
                h.update(bytes);
            }
            chunk
        });
        let url = format!("{bucket}/{name}");
        self.log("REQUEST", format!("PUT {url} ({size} bytes from {source})"))
            .await;
        let resp = self
            .http
            .put(&url)
            .query(&[("access_token", &self.cfg.token)])
            .header(reqwest::header::CONTENT_LENGTH, size)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(reqwest::Body::wrap_stream(stream))
            .send()
            .await;
        let resp = match resp {
            Ok(r) => r,
            Err(e) => {
                let msg = format!("PUT {url}: network error: {}", error_chain(&e));
                self.log("ERROR", msg.clone()).await;
                return Err(ZenodoError::transient(msg));
            }
        };
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        self.log("RESPONSE", format!("{} {}", status.as_u16(), cut(&text)))
            .await;
        if !status.is_success() {
            let msg = format!("PUT {url} answered {}: {}", status.as_u16(), cut(&text));
            return Err(if status.is_server_error() {
                ZenodoError::transient(msg)
            } else {
                ZenodoError::permanent(msg)
            });
        }
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| ZenodoError::transient(format!("upload answer is not JSON: {e}")))?;
        let remote = v["checksum"]
            .as_str()
            .unwrap_or_default()
            .trim_start_matches("md5:")
            .to_string();
        let local = hasher
            .lock()
            .map(|h| hex::encode(h.clone().finalize()))
            .unwrap_or_default();
        Ok((remote, local))
    }
}

fn cut(s: &str) -> String {
    longjobs_core::job::truncate(s.to_string(), LOGGED_BODY)
}

/// The error with its causes, e.g. "error sending request: connection closed".
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(c) = src {
        s.push_str(": ");
        s.push_str(&c.to_string());
        src = c.source();
    }
    store::redact(&s)
}

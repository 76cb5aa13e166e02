//! The Zenodo deposit API client (reqwest). Every call is logged to the copy's request log
//! with the access token redacted; errors say whether retrying can help.

use std::time::Duration;

use longjobs_core::Db;
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

use super::file_name::bucket_file_url;
use super::model::ManifestFile;
use super::store;
use crate::source::{FetchError, SourceFetcher, Transfer};

/// How long one call may take before it counts as a network failure.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(120);
/// Longest response body quoted in the log.
const LOGGED_BODY: usize = 1_000;

/// Where Zenodo is, how to authenticate, and where files may be fetched from.
#[derive(Debug, Clone)]
pub struct ZenodoConfig {
    /// e.g. `https://zenodo.org` (the API is under `/api`).
    pub base_url: String,
    pub token: String,
    /// The client for file sources, bound to the source policy and the idle timeout.
    pub sources: SourceFetcher,
}

/// A failed call: `transient` when retrying may help (network, 5xx, 429, bad JSON).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ZenodoError {
    pub transient: bool,
    pub message: String,
    /// Zenodo answered 429 with `Retry-After`: wait at least this long before calling again.
    pub retry_after: Option<Duration>,
}

impl ZenodoError {
    /// Whether Zenodo answered 404 (a deposition or file that does not exist).
    pub fn not_found(&self) -> bool {
        !self.transient && self.message.contains(" answered 404")
    }

    fn transient(message: String) -> Self {
        ZenodoError {
            retry_after: None,
            transient: true,
            message,
        }
    }
    fn permanent(message: String) -> Self {
        ZenodoError {
            retry_after: None,
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
    /// The DOI of a published deposition (absent while a draft).
    #[serde(default)]
    pub doi: Option<String>,
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

    /// The DOI this deposition has (published) or will have (its reserved DOI).
    pub fn doi(&self) -> Option<String> {
        self.doi
            .clone()
            .filter(|d| !d.is_empty())
            .or_else(|| self.reserved_doi())
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
        let retry_after = retry_after(&resp);
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
            return Err(classify(status, msg, retry_after));
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

    /// Creates a deposition whose metadata carries `marker` in `notes` until the copy's
    /// metadata replaces it: a create whose answer was lost is found again by it
    /// ([`ZenodoClient::drafts`]).
    pub async fn create(
        &self,
        prereserve_doi: bool,
        marker: &str,
    ) -> Result<Deposition, ZenodoError> {
        let mut metadata = json!({ "notes": marker });
        if prereserve_doi {
            metadata["prereserve_doi"] = json!(true);
        }
        let (_, v) = self
            .call(
                Method::POST,
                &self.api("/deposit/depositions"),
                Some(&json!({ "metadata": metadata })),
            )
            .await?;
        Self::parse(v, "create")
    }

    /// The account's most recent unpublished depositions, newest first (REST API
    /// documentation, "Deposit › List": `status=draft`, `sort=mostrecent`, `size`).
    pub async fn drafts(&self, size: usize) -> Result<Vec<Deposition>, ZenodoError> {
        let url = format!(
            "{}?status=draft&sort=mostrecent&size={size}",
            self.api("/deposit/depositions")
        );
        let (_, v) = self.call(Method::GET, &url, None).await?;
        Self::parse(v, "list")
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
        let url = bucket_file_url(bucket, name).map_err(ZenodoError::permanent)?;
        match self.call(Method::DELETE, url.as_str(), None).await {
            Ok(_) => Ok(()),
            Err(e) if e.message.contains("answered 404") => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Streams a file from its source into the bucket and returns the MD5 the bucket
    /// reports. The source is read under the source policy and checked on the way (length
    /// first, then every byte against the manifest's size and MD5: a file whose bytes
    /// differ never arrives whole). A transfer where no byte moves, in either direction,
    /// for the idle timeout fails as transient.
    pub async fn upload(&self, bucket: &str, file: &ManifestFile) -> Result<String, ZenodoError> {
        let url = bucket_file_url(bucket, &file.name).map_err(ZenodoError::permanent)?;
        let size = u64::try_from(file.size)
            .ok()
            .filter(|s| *s > 0)
            .ok_or_else(|| {
                ZenodoError::permanent(format!(
                    "{}: the manifest's size {} is not a positive number",
                    file.name, file.size
                ))
            })?;
        let sources = &self.cfg.sources;
        let idle = sources.idle_timeout();
        let source = match sources.open(&file.url, size, &file.md5).await {
            Ok(source) => source,
            Err(e) => return Err(self.source_failed(&file.name, e).await),
        };
        self.log(
            "REQUEST",
            format!("PUT {url} ({size} bytes from {})", file.url),
        )
        .await;
        let transfer = source.transfer.clone();
        transfer.touch();
        let put = self
            .http
            .put(url.clone())
            .query(&[("access_token", &self.cfg.token)])
            .header(reqwest::header::CONTENT_LENGTH, size)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(reqwest::Body::wrap_stream(source.body))
            .send();
        let resp = match while_moving(put, &transfer, idle).await {
            Some(Ok(r)) => r,
            Some(Err(e)) => {
                if let Some(f) = transfer.failure() {
                    return Err(self.source_failed(&file.name, f).await);
                }
                let msg = format!("PUT {url}: network error: {}", error_chain(&e));
                self.log("ERROR", msg.clone()).await;
                return Err(ZenodoError::transient(msg));
            }
            None => {
                if let Some(f) = transfer.failure() {
                    return Err(self.source_failed(&file.name, f).await);
                }
                let msg = format!(
                    "PUT {url}: Zenodo took no bytes and sent no answer for {} s",
                    idle.as_secs_f64()
                );
                self.log("ERROR", msg.clone()).await;
                return Err(ZenodoError::transient(msg));
            }
        };
        let status = resp.status();
        let retry_after = retry_after(&resp);
        let text = match tokio::time::timeout(idle, resp.text()).await {
            Ok(Ok(text)) => text,
            Ok(Err(e)) => {
                let msg = format!("PUT {url}: reading the answer failed: {}", error_chain(&e));
                self.log("ERROR", msg.clone()).await;
                return Err(ZenodoError::transient(msg));
            }
            Err(_) => {
                let msg = format!("PUT {url}: the answer stopped for {} s", idle.as_secs_f64());
                self.log("ERROR", msg.clone()).await;
                return Err(ZenodoError::transient(msg));
            }
        };
        self.log("RESPONSE", format!("{} {}", status.as_u16(), cut(&text)))
            .await;
        if !status.is_success() {
            let msg = format!("PUT {url} answered {}: {}", status.as_u16(), cut(&text));
            return Err(classify(status, msg, retry_after));
        }
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| ZenodoError::transient(format!("upload answer is not JSON: {e}")))?;
        Ok(v["checksum"]
            .as_str()
            .unwrap_or_default()
            .trim_start_matches("md5:")
            .to_string())
    }

    /// Logs why a file's source could not be read and turns it into the copy's error.
    async fn source_failed(&self, name: &str, e: FetchError) -> ZenodoError {
        let message = format!("{name}: {e}");
        self.log("ERROR", message.clone()).await;
        ZenodoError {
            retry_after: None,
            transient: e.transient(),
            message,
        }
    }
}

/// A failed answer as an error: 5xx, 408 and 429 are transient, other 4xx permanent; a 429
/// keeps its `Retry-After` (Zenodo REST API documentation, "Rate limiting").
fn classify(status: StatusCode, msg: String, retry_after: Option<Duration>) -> ZenodoError {
    if status == StatusCode::TOO_MANY_REQUESTS {
        return ZenodoError {
            retry_after,
            ..ZenodoError::transient(msg)
        };
    }
    if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT {
        ZenodoError::transient(msg)
    } else {
        ZenodoError::permanent(msg)
    }
}

/// Longest `Retry-After` honoured as asked; a longer one is cut to this (and still waited).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// The wait a 429 answer asks for: `Retry-After` in seconds or as an HTTP date.
fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    if resp.status() != StatusCode::TOO_MANY_REQUESTS {
        return None;
    }
    let value = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    let wait = match value.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => {
            let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
            (at.with_timezone(&chrono::Utc) - chrono::Utc::now())
                .to_std()
                .unwrap_or(Duration::ZERO)
        }
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

/// Runs `fut` while bytes keep moving: `None` once `transfer` has seen none for longer
/// than `idle` (the source side's own timeout, at `idle`, usually speaks first).
async fn while_moving<F: std::future::Future>(
    fut: F,
    transfer: &Transfer,
    idle: Duration,
) -> Option<F::Output> {
    let tick = (idle / 4).max(Duration::from_millis(10));
    tokio::pin!(fut);
    loop {
        tokio::select! {
            out = &mut fut => return Some(out),
            _ = tokio::time::sleep(tick) => {
                if transfer.idle_for() > idle + tick {
                    return None;
                }
            }
        }
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

//! Fetching a file from its source URL under the source policy: the URL and every redirect
//! hop checked, addresses checked at resolution and pinned, no proxy (a proxy would resolve
//! the name itself, out of reach of the check), the answer within the idle timeout, and its
//! announced length compared with the manifest before a byte goes anywhere.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt};

use super::body::{Expected, Transfer, checked};
use super::policy::{MAX_REDIRECTS, SourcePolicy, SourceRefusal};
use super::resolve::{CheckedResolver, Lookup, SystemLookup};
use crate::zenodo::client::error_chain;

/// Default longest wait for a byte of a source, or for Zenodo to take or answer an upload.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest wait for a connection to a source.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a source could not be read as the manifest describes it. Only a refusal is
/// permanent: the rest may heal (a source back up, a file finished copying).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: refused: {refusal}")]
    Refused { url: String, refusal: SourceRefusal },
    #[error("{url}: {message}")]
    Failed { url: String, message: String },
    #[error("{url}: the source announces {announced} bytes, the manifest says {expected}")]
    Length {
        url: String,
        announced: u64,
        expected: u64,
    },
    #[error("{url}: the source sent nothing for {} s", idle.as_secs_f64())]
    Stalled { url: String, idle: Duration },
    #[error("{url}: the source sent more than the manifest's {expected} bytes")]
    TooLong { url: String, expected: u64 },
    #[error("{url}: the source ended after {got} of the manifest's {expected} bytes")]
    TooShort {
        url: String,
        got: u64,
        expected: u64,
    },
    #[error("{url}: the bytes the source sent do not match the manifest's md5 {expected}")]
    Digest { url: String, expected: String },
}

impl FetchError {
    /// Whether trying again later may help.
    pub fn transient(&self) -> bool {
        !matches!(self, FetchError::Refused { .. })
    }
}

/// An open source: its checked bytes and the transfer state they report to.
pub struct Source {
    pub body: BoxStream<'static, Result<Bytes, FetchError>>,
    pub transfer: Arc<Transfer>,
}

/// The HTTP client for file sources, bound to a policy.
#[derive(Debug, Clone)]
pub struct SourceFetcher {
    http: reqwest::Client,
    policy: Arc<SourcePolicy>,
    idle: Duration,
}

impl SourceFetcher {
    /// A fetcher resolving names with the system resolver.
    pub fn new(policy: SourcePolicy, idle: Duration) -> Result<Self, reqwest::Error> {
        Self::with_lookup(policy, idle, Arc::new(SystemLookup))
    }

    /// A fetcher resolving names with `lookup` (tests use it to play a rebinding name).
    pub fn with_lookup(
        policy: SourcePolicy,
        idle: Duration,
        lookup: Arc<dyn Lookup>,
    ) -> Result<Self, reqwest::Error> {
        let policy = Arc::new(policy);
        let hops = policy.clone();
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > MAX_REDIRECTS {
                return attempt.error(SourceRefusal::TooManyRedirects);
            }
            match hops.check_url(attempt.url()) {
                Ok(()) => attempt.follow(),
                Err(refusal) => attempt.error(refusal),
            }
        });
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(redirects)
            .dns_resolver(CheckedResolver {
                policy: policy.clone(),
                lookup,
            })
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("longjobs/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(SourceFetcher { http, policy, idle })
    }

    pub fn policy(&self) -> &SourcePolicy {
        &self.policy
    }

    /// How long a transfer may go without a byte moving.
    pub fn idle_timeout(&self) -> Duration {
        self.idle
    }

    /// Opens `url` for a file of `size` bytes with MD5 `md5`: refused unless the policy
    /// allows it; the answer's headers must come within the idle timeout, with a success
    /// status and (when the source announces one) the manifest's length.
    pub async fn open(&self, url: &str, size: u64, md5: &str) -> Result<Source, FetchError> {
        let refused = |refusal| FetchError::Refused {
            url: url.to_string(),
            refusal,
        };
        let checked_url = self.policy.check_str(url).map_err(refused)?;
        let resp = match tokio::time::timeout(self.idle, self.http.get(checked_url).send()).await {
            Err(_) => {
                return Err(FetchError::Stalled {
                    url: url.to_string(),
                    idle: self.idle,
                });
            }
            Ok(Err(e)) => {
                return Err(match refusal_in(&e) {
                    Some(refusal) => refused(refusal),
                    None => FetchError::Failed {
                        url: url.to_string(),
                        message: error_chain(&e),
                    },
                });
            }
            Ok(Ok(resp)) => resp,
        };
        let status = resp.status();
        if !status.is_success() {
            return Err(FetchError::Failed {
                url: url.to_string(),
                message: format!("answered {}", status.as_u16()),
            });
        }
        if let Some(announced) = resp.content_length()
            && announced != size
        {
            return Err(FetchError::Length {
                url: url.to_string(),
                announced,
                expected: size,
            });
        }
        let transfer = Arc::new(Transfer::new());
        let expected = Expected {
            url: url.to_string(),
            size,
            md5: md5.to_ascii_lowercase(),
            idle: self.idle,
        };
        Ok(Source {
            body: checked(resp.bytes_stream().boxed(), expected, transfer.clone()),
            transfer,
        })
    }
}

/// The policy's refusal inside a failed request (from the resolver or the redirect policy).
fn refusal_in(e: &reqwest::Error) -> Option<SourceRefusal> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(r) = c.downcast_ref::<SourceRefusal>() {
            return Some(r.clone());
        }
        cause = c.source();
    }
    None
}

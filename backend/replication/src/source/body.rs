//! The bytes of a source on their way to Zenodo, checked as they pass: no gap longer than
//! the idle timeout, no byte beyond the manifest's size, no early end, and the manifest's
//! MD5 — checked before the last chunk is let through, so that a file whose bytes differ
//! never arrives whole. Nothing of what the source sent (not even its digest) is reported.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt};
use md5::{Digest, Md5};

use super::fetch::FetchError;

/// What the two ends of one transfer share: when a byte last moved, and why the source side
/// failed (so that the upload reports the source's problem, not the aborted request's).
#[derive(Debug)]
pub struct Transfer {
    started: Instant,
    /// Milliseconds after `started` that a chunk last went through.
    last_ms: AtomicU64,
    failure: Mutex<Option<FetchError>>,
}

impl Transfer {
    pub fn new() -> Self {
        Transfer {
            started: Instant::now(),
            last_ms: AtomicU64::new(0),
            failure: Mutex::new(None),
        }
    }

    /// A chunk went through now.
    pub fn touch(&self) {
        let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    /// How long since a chunk last went through (or since the start).
    pub fn idle_for(&self) -> Duration {
        self.started
            .elapsed()
            .saturating_sub(Duration::from_millis(self.last_ms.load(Ordering::Relaxed)))
    }

    /// Why the source side failed, if it did.
    pub fn failure(&self) -> Option<FetchError> {
        self.failure.lock().ok().and_then(|f| f.clone())
    }

    fn fail(&self, e: FetchError) -> FetchError {
        if let Ok(mut slot) = self.failure.lock() {
            slot.get_or_insert_with(|| e.clone());
        }
        e
    }
}

impl Default for Transfer {
    fn default() -> Self {
        Transfer::new()
    }
}

/// What the stream checks the bytes against.
#[derive(Debug, Clone)]
pub struct Expected {
    pub url: String,
    pub size: u64,
    /// Lowercase hex.
    pub md5: String,
    pub idle: Duration,
}

struct State {
    inner: BoxStream<'static, reqwest::Result<Bytes>>,
    hasher: Md5,
    seen: u64,
    done: bool,
}

/// `inner` checked against `expected`; failures are also recorded in `transfer`.
pub fn checked(
    inner: BoxStream<'static, reqwest::Result<Bytes>>,
    expected: Expected,
    transfer: std::sync::Arc<Transfer>,
) -> BoxStream<'static, Result<Bytes, FetchError>> {
    let state = State {
        inner,
        hasher: Md5::new(),
        seen: 0,
        done: false,
    };
    futures_util::stream::unfold(state, move |mut st| {
        let (expected, transfer) = (expected.clone(), transfer.clone());
        async move {
            if st.done {
                return None;
            }
            let fail = |st: State, e: FetchError| {
                let e = transfer.fail(e);
                Some((Err(e), State { done: true, ..st }))
            };
            let url = expected.url.clone();
            match tokio::time::timeout(expected.idle, st.inner.next()).await {
                Err(_) => fail(
                    st,
                    FetchError::Stalled {
                        url,
                        idle: expected.idle,
                    },
                ),
                Ok(Some(Err(e))) => fail(
                    st,
                    FetchError::Failed {
                        url,
                        message: format!(
                            "reading failed: {}",
                            crate::zenodo::client::error_chain(&e)
                        ),
                    },
                ),
                Ok(None) if st.seen < expected.size => {
                    let got = st.seen;
                    fail(
                        st,
                        FetchError::TooShort {
                            url,
                            got,
                            expected: expected.size,
                        },
                    )
                }
                Ok(None) => None,
                Ok(Some(Ok(chunk))) => {
                    st.seen = st.seen.saturating_add(chunk.len() as u64);
                    if st.seen > expected.size {
                        return fail(
                            st,
                            FetchError::TooLong {
                                url,
                                expected: expected.size,
                            },
                        );
                    }
                    st.hasher.update(&chunk);
                    if st.seen == expected.size {
                        let md5 = hex::encode(st.hasher.clone().finalize());
                        if md5 != expected.md5 {
                            return fail(
                                st,
                                FetchError::Digest {
                                    url,
                                    expected: expected.md5.clone(),
                                },
                            );
                        }
                    }
                    transfer.touch();
                    Some((Ok(chunk), st))
                }
            }
        }
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn run(
        chunks: Vec<&'static [u8]>,
        size: u64,
        md5_of: &[u8],
    ) -> (Vec<Result<Bytes, FetchError>>, Arc<Transfer>) {
        let inner = futures_util::stream::iter(
            chunks
                .into_iter()
                .map(|c| Ok::<_, reqwest::Error>(Bytes::from_static(c))),
        )
        .boxed();
        let transfer = Arc::new(Transfer::new());
        let expected = Expected {
            url: "http://src/f".into(),
            size,
            md5: hex::encode(Md5::digest(md5_of)),
            idle: Duration::from_secs(5),
        };
        let out = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
            .block_on(checked(inner, expected, transfer.clone()).collect::<Vec<_>>());
        (out, transfer)
    }

    #[test]
    fn matching_bytes_pass_unchanged() {
        let (out, t) = run(vec![b"hello ", b"world"], 11, b"hello world");
        let bytes: Vec<u8> = out.into_iter().flat_map(|c| c.unwrap().to_vec()).collect();
        assert_eq!(bytes, b"hello world");
        assert!(t.failure().is_none());
    }

    #[test]
    fn the_last_chunk_of_mismatching_bytes_is_held_back_and_no_digest_of_them_is_told() {
        let (out, t) = run(vec![b"hello ", b"earth"], 11, b"hello world");
        assert!(out[0].is_ok());
        let err = out[1].as_ref().unwrap_err().to_string();
        assert_eq!(out.len(), 2, "nothing after the failure");
        let sent = hex::encode(Md5::digest(b"hello earth"));
        assert!(!err.contains(&sent), "{err}");
        assert!(err.contains("do not match the manifest's md5"), "{err}");
        assert!(t.failure().is_some());
    }

    #[test]
    fn more_or_fewer_bytes_than_the_manifest_says_fail() {
        let (out, _) = run(vec![b"hello ", b"world!"], 11, b"hello world!");
        assert!(matches!(out[1], Err(FetchError::TooLong { .. })));
        let (out, _) = run(vec![b"hello"], 11, b"hello");
        assert!(matches!(
            out.last(),
            Some(Err(FetchError::TooShort { got: 5, .. }))
        ));
    }
}

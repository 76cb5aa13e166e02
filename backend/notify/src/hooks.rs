//! Delivers the host application's events (`longjobs_core::host_events`) to its webhook:
//! one JSON POST per event, strictly in id order, signed with HMAC-SHA256 so the host can
//! tell them from forgeries. An event the host does not take (no answer, or not 2xx) waits
//! with backoff, and the ones after it wait behind it: the host sees events in order, each
//! at least once (`Longjobs-Event-Id` lets it drop a repeat).
//!
//! Headers of each POST:
//! - `Longjobs-Event`: the kind (`copy.finished`, `copy.error`, `submission.completed`,
//!   `submission.error`);
//! - `Longjobs-Event-Id`: the event's id, the same as the body's `id`;
//! - `Longjobs-Signature`: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the
//!   shared secret>`. A host checks the MAC over the raw body and refuses old `t` values.

use std::time::Duration;

use longjobs_core::host_events::{self, HostEvent};
use longjobs_core::{Db, clock};
use sha2::{Digest, Sha256};

use crate::config::HostHookConfig;

/// The job kind that delivers events.
pub const KIND_EVENTS_DELIVER: &str = "events.deliver";
/// Held by the one live delivery job, so events go out one at a time, in order.
pub const DELIVER_UNIQUE_KEY: &str = "events.deliver";
/// Longest wait for the host's answer.
pub const HOOK_TIMEOUT: Duration = Duration::from_secs(30);
/// The wait after an event's first failed delivery; it doubles with each failure.
pub const RETRY_FIRST: Duration = Duration::from_secs(30);
/// The longest wait between attempts at one event.
pub const RETRY_MAX: Duration = Duration::from_secs(60 * 60);
/// Most events one delivery job sends; the next job goes on.
pub const MAX_PER_RUN: usize = 1_000;

/// What one delivery run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivered {
    /// Events the host took.
    pub delivered: usize,
    /// The event the host did not take, with why (the run stopped there).
    pub failed: Option<(i64, String)>,
}

/// HMAC-SHA256 (RFC 2104) of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// The `Longjobs-Signature` header value for `body` sent at unix time `t`.
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    let mac = hmac_sha256(secret.as_bytes(), format!("{t}.{body}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac))
}

/// The wait before attempt `failures + 1` at one event.
pub fn backoff(failures: i32) -> Duration {
    let doublings = failures.saturating_sub(1).clamp(0, 20) as u32;
    RETRY_FIRST
        .saturating_mul(2u32.saturating_pow(doublings))
        .min(RETRY_MAX)
}

/// Sends the due events in id order until one is not taken, none is due, or
/// [`MAX_PER_RUN`] went out.
pub async fn deliver_pending(
    db: &Db,
    cfg: &HostHookConfig,
    http: &reqwest::Client,
) -> anyhow::Result<Delivered> {
    let mut out = Delivered::default();
    while out.delivered < MAX_PER_RUN {
        let batch = db.run(|c| host_events::undelivered(c, 100)).await?;
        if batch.is_empty() {
            break;
        }
        for event in batch {
            if event.next_attempt_at > clock::now() {
                return Ok(out);
            }
            match post(http, cfg, &event).await {
                Ok(()) => {
                    let id = event.id;
                    db.run(move |c| host_events::mark_delivered(c, id, clock::now()))
                        .await?;
                    out.delivered += 1;
                }
                Err(why) => {
                    let (id, failures) = (event.id, event.attempts + 1);
                    let next = clock::now() + clock::delta(backoff(failures));
                    let error = why.clone();
                    db.run(move |c| host_events::mark_failed(c, id, &error, next))
                        .await?;
                    tracing::warn!(event.id = id, attempts = failures, error = %why, "the host's event webhook did not take an event; it waits and is sent again");
                    out.failed = Some((id, why));
                    return Ok(out);
                }
            }
        }
    }
    Ok(out)
}

/// POSTs one event; any answer but 2xx is an error naming the host only (webhook URLs often
/// carry a secret in their path).
async fn post(
    http: &reqwest::Client,
    cfg: &HostHookConfig,
    event: &HostEvent,
) -> Result<(), String> {
    let body = event.body().to_string();
    let t = clock::now().and_utc().timestamp();
    let host = reqwest::Url::parse(&cfg.url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    let resp = http
        .post(&cfg.url)
        .timeout(HOOK_TIMEOUT)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("Longjobs-Event", event.kind.as_str())
        .header("Longjobs-Event-Id", event.id.to_string())
        .header("Longjobs-Signature", signature(&cfg.secret, t, &body))
        .body(body)
        .send()
        .await
        .map_err(|e| format!("calling the event webhook at {host}: {}", e.without_url()))?;
    let status = resp.status();
    if status.is_success() {
        return Ok(());
    }
    let text = resp.text().await.unwrap_or_default();
    Err(format!(
        "the event webhook at {host} answered {status}: {}",
        text.chars().take(300).collect::<String>()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231, test cases 1, 2 and 6 (a key longer than the block).
    #[test]
    fn hmac_matches_the_rfc_4231_vectors() {
        let case1 = hmac_sha256(&[0x0b; 20], b"Hi There");
        assert_eq!(
            hex::encode(case1),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        let case2 = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(case2),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let case6 = hmac_sha256(
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First",
        );
        assert_eq!(
            hex::encode(case6),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn the_signature_covers_time_and_body() {
        let s = signature("k", 1_700_000_000, "{}");
        assert!(s.starts_with("t=1700000000,v1="), "{s}");
        assert_ne!(s, signature("k", 1_700_000_001, "{}"));
        assert_ne!(s, signature("k", 1_700_000_000, "{ }"));
        assert_ne!(s, signature("l", 1_700_000_000, "{}"));
    }

    #[test]
    fn backoff_doubles_from_thirty_seconds_to_an_hour() {
        assert_eq!(backoff(1), Duration::from_secs(30));
        assert_eq!(backoff(2), Duration::from_secs(60));
        assert_eq!(backoff(5), Duration::from_secs(480));
        assert_eq!(backoff(20), RETRY_MAX);
        assert_eq!(backoff(i32::MAX), RETRY_MAX);
    }
}

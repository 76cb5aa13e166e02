//! The `notify.send` job: one digest per channel of every event that channel has not
//! handled, then each event stamped as handled by that channel.

use longjobs_core::outbox::{self, Channel, Event};
use longjobs_core::{Db, clock};

use crate::config::{MAX_EVENTS_PER_DIGEST, NotifyConfig};
use crate::{digest, email, webhook};

/// How many events each channel's digest listed (0: it sent nothing).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sent {
    pub email: usize,
    pub webhook: usize,
}

/// Sends one digest per channel and stamps what it covered. Events a channel is not
/// configured for are stamped without being sent. A channel that fails keeps its events
/// for the next try and the error is returned; the other channel's work stands.
pub async fn send_pending(
    db: &Db,
    cfg: &NotifyConfig,
    http: &reqwest::Client,
) -> anyhow::Result<Sent> {
    let mut sent = Sent::default();
    let mut errors = Vec::new();
    for channel in Channel::ALL {
        let pending = db
            .run(move |c| outbox::pending(c, channel, MAX_EVENTS_PER_DIGEST))
            .await?;
        if pending.is_empty() {
            continue;
        }
        let routed: Vec<&Event> = pending
            .iter()
            .filter(|e| match channel {
                Channel::Email => cfg
                    .email
                    .as_ref()
                    .is_some_and(|m| m.events.contains(&e.kind)),
                Channel::Webhook => cfg
                    .webhook
                    .as_ref()
                    .is_some_and(|w| w.events.contains(&e.kind)),
            })
            .collect();
        if !routed.is_empty() {
            let delivered = match (channel, &cfg.email, &cfg.webhook) {
                (Channel::Email, Some(m), _) => {
                    email::send(
                        m,
                        &digest::email_subject(&routed),
                        digest::email_body(&routed),
                    )
                    .await
                }
                (Channel::Webhook, _, Some(w)) => {
                    webhook::post(http, w, &digest::webhook_body(&routed)).await
                }
                _ => Ok(()),
            };
            if let Err(e) = delivered {
                tracing::warn!(channel = channel.as_str(), events = routed.len(), error = %format!("{e:#}"), "notification not delivered; will try again");
                errors.push(format!("{}: {e:#}", channel.as_str()));
                continue;
            }
            tracing::info!(
                channel = channel.as_str(),
                events = routed.len(),
                "notification digest sent"
            );
            match channel {
                Channel::Email => sent.email = routed.len(),
                Channel::Webhook => sent.webhook = routed.len(),
            }
        }
        let ids: Vec<i64> = pending.iter().map(|e| e.id).collect();
        db.run(move |c| outbox::mark_sent(c, channel, &ids, clock::now()))
            .await?;
    }
    if errors.is_empty() {
        Ok(sent)
    } else {
        anyhow::bail!("{}", errors.join("; "))
    }
}

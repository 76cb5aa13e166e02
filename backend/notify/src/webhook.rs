//! Posts one digest as JSON to the configured webhook.

use std::time::Duration;

use serde_json::Value;

use crate::config::WebhookConfig;

/// Longest wait for the webhook's answer.
pub const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(30);

/// POSTs `body`; any answer but 2xx is an error (the digest is sent again later).
pub async fn post(http: &reqwest::Client, cfg: &WebhookConfig, body: &Value) -> anyhow::Result<()> {
    let mut req = http.post(&cfg.url).json(body).timeout(WEBHOOK_TIMEOUT);
    if let Some(token) = &cfg.token {
        req = req.bearer_auth(token);
    }
    // Webhook URLs often carry a secret in the path: errors name the host only.
    let host = reqwest::Url::parse(&cfg.url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    let resp = req
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("calling the webhook at {host}: {}", e.without_url()))?;
    let status = resp.status();
    if !status.is_success() {
        let text = resp.text().await.unwrap_or_default();
        anyhow::bail!(
            "the webhook at {host} answered {status}: {}",
            text.chars().take(300).collect::<String>()
        );
    }
    Ok(())
}

//! Notification settings: where e-mail and webhooks go, which events each gets, the digest
//! window and the alert limits. Every flag has a `LONGJOBS_*` variable; see
//! docs/configuration.md.

use std::collections::HashSet;
use std::time::Duration;

use longjobs_core::clock::parse_duration;
use longjobs_core::outbox::EventKind;

/// Events are collected this long (from the oldest waiting) before one digest goes out.
pub const DEFAULT_WINDOW: &str = "5m";
/// How often a worker checks the alert conditions and whether a digest is due.
pub const DEFAULT_CHECK_INTERVAL: &str = "30s";
/// The queue the sending job runs in.
pub const DEFAULT_QUEUE: &str = "default";
/// SMTP port when none is given: 25 (plain or STARTTLS); 465 is usual for `tls`.
pub const DEFAULT_SMTP_PORT: u16 = 25;
/// A maintenance switch on longer than this is an alert (`0` turns the alert off).
pub const DEFAULT_HOLD_MAX: &str = "2h";
/// More unfinished jobs than this in one queue is an alert (`0` turns it off).
pub const DEFAULT_IN_FLIGHT_MAX: i64 = 10_000;
/// A worker whose heartbeat is older than this, and that did not stop cleanly, is gone
/// (`0` turns the alert off).
pub const DEFAULT_WORKER_GONE_AFTER: &str = "1m";
/// More Merritt submissions in flight (enqueued, processing, provisional) than this is an
/// alert (`0` turns it off): the system longjobs replaces warned at 10.
pub const DEFAULT_MERRITT_IN_FLIGHT_MAX: i64 = 10;
/// Due jobs that no live worker would run (no worker at all, none serving their queue, or
/// none running their kind) for longer than this are an alert (`0` turns it off).
pub const DEFAULT_UNSERVED_AFTER: &str = "1m";
/// Events every channel handled are deleted after this long.
pub const EVENT_RETENTION: Duration = Duration::from_secs(30 * 24 * 60 * 60);
/// Most events listed in one digest; more wait for the next one.
pub const MAX_EVENTS_PER_DIGEST: i64 = 500;

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SmtpTls {
    /// Plain SMTP (a relay on this host or a test sink).
    None,
    /// Plain connection upgraded with STARTTLS, which the server must offer.
    Starttls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

/// The flags and variables, as given.
#[derive(clap::Args, Debug, Clone)]
pub struct NotifySettings {
    /// SMTP server for e-mail notifications; e-mail is off when unset.
    #[arg(long, env = "LONGJOBS_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// SMTP port.
    #[arg(long, env = "LONGJOBS_SMTP_PORT", default_value_t = DEFAULT_SMTP_PORT)]
    pub smtp_port: u16,
    /// SMTP connection security: none, starttls or tls.
    #[arg(long, env = "LONGJOBS_SMTP_TLS", value_enum, default_value = "none")]
    pub smtp_tls: SmtpTls,
    /// SMTP user (needs --smtp-tls starttls or tls).
    #[arg(long, env = "LONGJOBS_SMTP_USER")]
    pub smtp_user: Option<String>,
    /// SMTP password.
    #[arg(long, env = "LONGJOBS_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,
    /// Sender address of notification e-mail.
    #[arg(
        long,
        env = "LONGJOBS_NOTIFY_EMAIL_FROM",
        default_value = "longjobs@localhost"
    )]
    pub notify_email_from: String,
    /// Recipients of notification e-mail (comma-separated); e-mail is off when empty.
    #[arg(long, env = "LONGJOBS_NOTIFY_EMAIL_TO", value_delimiter = ',')]
    pub notify_email_to: Vec<String>,
    /// Events e-mailed (comma-separated kinds, or `all`).
    #[arg(
        long,
        env = "LONGJOBS_NOTIFY_EMAIL_EVENTS",
        value_delimiter = ',',
        default_value = "all"
    )]
    pub notify_email_events: Vec<String>,
    /// URL that receives a JSON POST per digest; webhooks are off when unset.
    #[arg(long, env = "LONGJOBS_NOTIFY_WEBHOOK_URL")]
    pub notify_webhook_url: Option<String>,
    /// Sent as `Authorization: Bearer <token>` with every webhook call.
    #[arg(long, env = "LONGJOBS_NOTIFY_WEBHOOK_TOKEN", hide_env_values = true)]
    pub notify_webhook_token: Option<String>,
    /// Events posted to the webhook (comma-separated kinds, or `all`).
    #[arg(
        long,
        env = "LONGJOBS_NOTIFY_WEBHOOK_EVENTS",
        value_delimiter = ',',
        default_value = "all"
    )]
    pub notify_webhook_events: Vec<String>,
    /// URL of the host application that receives one signed JSON POST per copy or
    /// submission that ended (finished, completed or failed for good); off when unset.
    #[arg(long, env = "LONGJOBS_EVENTS_WEBHOOK_URL")]
    pub events_webhook_url: Option<String>,
    /// Secret the host shares to verify `Longjobs-Signature` (HMAC-SHA256), at least 32
    /// characters; needed with LONGJOBS_EVENTS_WEBHOOK_URL.
    #[arg(long, env = "LONGJOBS_EVENTS_WEBHOOK_SECRET", hide_env_values = true)]
    pub events_webhook_secret: Option<String>,
    /// Collect events this long (from the oldest waiting) into one digest.
    #[arg(long, env = "LONGJOBS_NOTIFY_WINDOW", value_parser = parse_duration, default_value = DEFAULT_WINDOW)]
    pub notify_window: Duration,
    /// How often to check the alert conditions and whether a digest is due.
    #[arg(long, env = "LONGJOBS_NOTIFY_CHECK_INTERVAL", value_parser = parse_duration, default_value = DEFAULT_CHECK_INTERVAL)]
    pub notify_check_interval: Duration,
    /// The queue the sending job (`notify.send`) runs in; some worker must work it.
    #[arg(long, env = "LONGJOBS_NOTIFY_QUEUE", default_value = DEFAULT_QUEUE)]
    pub notify_queue: String,
    /// Alert when a maintenance switch has been on longer than this (0: never).
    #[arg(long, env = "LONGJOBS_ALERT_HOLD_MAX", value_parser = parse_duration, default_value = DEFAULT_HOLD_MAX)]
    pub alert_hold_max: Duration,
    /// Alert when a queue has more unfinished jobs than this (0: never).
    #[arg(long, env = "LONGJOBS_ALERT_IN_FLIGHT_MAX", default_value_t = DEFAULT_IN_FLIGHT_MAX)]
    pub alert_in_flight_max: i64,
    /// Alert when a worker has not heart-beaten for this long without stopping (0: never).
    #[arg(long, env = "LONGJOBS_ALERT_WORKER_GONE_AFTER", value_parser = parse_duration, default_value = DEFAULT_WORKER_GONE_AFTER)]
    pub alert_worker_gone_after: Duration,
    /// Alert when more Merritt submissions than this are in flight (0: never).
    #[arg(long, env = "LONGJOBS_ALERT_MERRITT_IN_FLIGHT_MAX", default_value_t = DEFAULT_MERRITT_IN_FLIGHT_MAX)]
    pub alert_merritt_in_flight_max: i64,
    /// Alert when due jobs have waited this long with no live worker to run them: no worker
    /// alive, none serving their queue, or none running their kind (0: never).
    #[arg(long, env = "LONGJOBS_ALERT_UNSERVED_AFTER", value_parser = parse_duration, default_value = DEFAULT_UNSERVED_AFTER)]
    pub alert_unserved_after: Duration,
}

/// Where e-mail goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub credentials: Option<(String, String)>,
    pub from: String,
    pub to: Vec<String>,
    pub events: HashSet<EventKind>,
}

/// Where webhook calls go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookConfig {
    pub url: String,
    pub token: Option<String>,
    pub events: HashSet<EventKind>,
}

/// Where the host application's event webhook goes (`crate::hooks`).
#[derive(Clone, PartialEq, Eq)]
pub struct HostHookConfig {
    pub url: String,
    pub secret: String,
}

impl std::fmt::Debug for HostHookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostHookConfig")
            .field("url", &self.url)
            .field("secret", &"<hidden>")
            .finish()
    }
}

/// Shortest secret accepted for signing host events.
pub const MIN_HOOK_SECRET_CHARS: usize = 32;

/// Alert limits; `None` turns that alert off. One set, read from the same settings by the
/// server (the status pages' alerts) and the workers (notifications).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertLimits {
    pub hold_max: Option<Duration>,
    pub in_flight_max: Option<i64>,
    pub worker_gone_after: Option<Duration>,
    pub merritt_in_flight_max: Option<i64>,
    pub unserved_after: Option<Duration>,
}

impl AlertLimits {
    pub fn from_settings(s: &NotifySettings) -> Self {
        let nonzero = |d: Duration| (!d.is_zero()).then_some(d);
        let positive = |n: i64| (n > 0).then_some(n);
        AlertLimits {
            hold_max: nonzero(s.alert_hold_max),
            in_flight_max: positive(s.alert_in_flight_max),
            worker_gone_after: nonzero(s.alert_worker_gone_after),
            merritt_in_flight_max: positive(s.alert_merritt_in_flight_max),
            unserved_after: nonzero(s.alert_unserved_after),
        }
    }
}

impl Default for AlertLimits {
    /// The limits when no setting is given.
    fn default() -> Self {
        AlertLimits::from_settings(&NotifyConfig::defaults())
    }
}

/// The checked configuration the notifier runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyConfig {
    pub email: Option<EmailConfig>,
    pub webhook: Option<WebhookConfig>,
    pub host_hook: Option<HostHookConfig>,
    pub window: Duration,
    pub check_interval: Duration,
    pub queue: String,
    pub alerts: AlertLimits,
}

/// A setting that cannot work, with what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

impl NotifyConfig {
    /// Checks the settings once, at start-up.
    pub fn from_settings(s: &NotifySettings) -> Result<Self, ConfigError> {
        let to: Vec<String> = s
            .notify_email_to
            .iter()
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect();
        let email = match (non_empty(&s.smtp_host), to.is_empty()) {
            (Some(host), false) => {
                let credentials = match (non_empty(&s.smtp_user), non_empty(&s.smtp_password)) {
                    (Some(u), Some(p)) => Some((u.to_string(), p.to_string())),
                    (None, None) => None,
                    _ => {
                        return Err(ConfigError(
                            "LONGJOBS_SMTP_USER and LONGJOBS_SMTP_PASSWORD go together".into(),
                        ));
                    }
                };
                if credentials.is_some() && s.smtp_tls == SmtpTls::None {
                    return Err(ConfigError(
                        "SMTP credentials would be sent in clear: set LONGJOBS_SMTP_TLS=starttls or tls".into(),
                    ));
                }
                for addr in to.iter().chain([&s.notify_email_from]) {
                    addr.parse::<lettre::Address>().map_err(|e| {
                        ConfigError(format!("{addr:?} is not an e-mail address: {e}"))
                    })?;
                }
                Some(EmailConfig {
                    host: host.to_string(),
                    port: s.smtp_port,
                    tls: s.smtp_tls,
                    credentials,
                    from: s.notify_email_from.clone(),
                    to,
                    events: parse_events(&s.notify_email_events, "LONGJOBS_NOTIFY_EMAIL_EVENTS")?,
                })
            }
            (Some(_), true) => {
                return Err(ConfigError(
                    "LONGJOBS_SMTP_HOST is set but LONGJOBS_NOTIFY_EMAIL_TO names no recipient"
                        .into(),
                ));
            }
            (_, false) => {
                return Err(ConfigError(
                    "LONGJOBS_NOTIFY_EMAIL_TO is set but LONGJOBS_SMTP_HOST is not".into(),
                ));
            }
            (None, true) => None,
        };
        let webhook = match non_empty(&s.notify_webhook_url) {
            Some(url) => {
                let parsed = reqwest::Url::parse(url).map_err(|e| {
                    ConfigError(format!("LONGJOBS_NOTIFY_WEBHOOK_URL {url:?}: {e}"))
                })?;
                if !matches!(parsed.scheme(), "http" | "https") {
                    return Err(ConfigError(format!(
                        "LONGJOBS_NOTIFY_WEBHOOK_URL {url:?} must be http or https"
                    )));
                }
                Some(WebhookConfig {
                    url: url.to_string(),
                    token: non_empty(&s.notify_webhook_token).map(str::to_string),
                    events: parse_events(
                        &s.notify_webhook_events,
                        "LONGJOBS_NOTIFY_WEBHOOK_EVENTS",
                    )?,
                })
            }
            None => None,
        };
        let host_hook = match (
            non_empty(&s.events_webhook_url),
            s.events_webhook_secret.as_deref(),
        ) {
            (None, None) => None,
            (None, Some(_)) => {
                return Err(ConfigError(
                    "LONGJOBS_EVENTS_WEBHOOK_SECRET is set but LONGJOBS_EVENTS_WEBHOOK_URL is not"
                        .into(),
                ));
            }
            (Some(url), secret) => {
                let parsed = reqwest::Url::parse(url).map_err(|e| {
                    ConfigError(format!("LONGJOBS_EVENTS_WEBHOOK_URL {url:?}: {e}"))
                })?;
                if !matches!(parsed.scheme(), "http" | "https") {
                    return Err(ConfigError(format!(
                        "LONGJOBS_EVENTS_WEBHOOK_URL {url:?} must be http or https"
                    )));
                }
                let secret = secret.unwrap_or("");
                if secret.trim().chars().count() < MIN_HOOK_SECRET_CHARS {
                    return Err(ConfigError(format!(
                        "LONGJOBS_EVENTS_WEBHOOK_SECRET must be at least {MIN_HOOK_SECRET_CHARS} characters (not blank): the host verifies every event with it"
                    )));
                }
                Some(HostHookConfig {
                    url: url.to_string(),
                    secret: secret.to_string(),
                })
            }
        };
        if s.notify_check_interval.is_zero() {
            return Err(ConfigError(
                "LONGJOBS_NOTIFY_CHECK_INTERVAL must be more than 0".into(),
            ));
        }
        Ok(NotifyConfig {
            email,
            webhook,
            host_hook,
            window: s.notify_window,
            check_interval: s.notify_check_interval,
            queue: s.notify_queue.clone(),
            alerts: AlertLimits::from_settings(s),
        })
    }

    /// Whether any channel is configured (else nothing is checked or sent).
    pub fn enabled(&self) -> bool {
        self.email.is_some() || self.webhook.is_some()
    }

    /// Settings as if no flag and no variable were given (notifications off).
    pub fn defaults() -> NotifySettings {
        #[derive(clap::Parser)]
        struct Only {
            #[command(flatten)]
            s: NotifySettings,
        }
        <Only as clap::Parser>::parse_from(["notify"]).s
    }
}

/// The value unless it is missing or blank (an empty variable in an environment file means
/// "not set").
fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// `all`, or a comma-separated list of event kinds; blank means `all` (the default).
fn parse_events(names: &[String], var: &str) -> Result<HashSet<EventKind>, ConfigError> {
    if names.iter().all(|n| n.trim().is_empty()) {
        return Ok(EventKind::ALL.iter().copied().collect());
    }
    let mut out = HashSet::new();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        if name == "all" {
            out.extend(EventKind::ALL.iter().copied());
        } else {
            out.insert(
                name.parse::<EventKind>()
                    .map_err(|e| ConfigError(format!("{var}: {e}")))?,
            );
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> NotifySettings {
        let mut s = NotifyConfig::defaults();
        // The defaults read the environment; pin what these tests rely on.
        s.smtp_host = None;
        s.smtp_user = None;
        s.smtp_password = None;
        s.smtp_tls = SmtpTls::None;
        s.notify_email_to = vec![];
        s.notify_webhook_url = None;
        s.notify_email_events = vec!["all".into()];
        s.notify_webhook_events = vec!["all".into()];
        s
    }

    #[test]
    fn nothing_configured_means_notifications_are_off() {
        let c = NotifyConfig::from_settings(&settings()).unwrap();
        assert!(!c.enabled());
    }

    #[test]
    fn blank_values_from_an_environment_file_mean_unset() {
        let mut s = settings();
        s.smtp_host = Some(" ".into());
        s.smtp_user = Some(String::new());
        s.smtp_password = Some(String::new());
        s.notify_email_to = vec![String::new()];
        s.notify_webhook_url = Some(String::new());
        s.notify_webhook_token = Some(String::new());
        let c = NotifyConfig::from_settings(&s).unwrap();
        assert!(!c.enabled());
        s.notify_webhook_url = Some("http://127.0.0.1:9/hook".into());
        s.notify_webhook_events = vec![String::new()];
        let c = NotifyConfig::from_settings(&s).unwrap();
        let hook = c.webhook.unwrap();
        assert_eq!(hook.token, None);
        assert_eq!(hook.events.len(), EventKind::ALL.len());
    }

    #[test]
    fn each_channel_gets_the_events_it_names() {
        let mut s = settings();
        s.smtp_host = Some("127.0.0.1".into());
        s.notify_email_to = vec!["ops@example.org".into()];
        s.notify_email_events = vec!["copy_error".into(), "worker_gone".into()];
        s.notify_webhook_url = Some("http://127.0.0.1:9/hook".into());
        let c = NotifyConfig::from_settings(&s).unwrap();
        let email = c.email.unwrap();
        assert_eq!(
            email.events,
            HashSet::from([EventKind::CopyError, EventKind::WorkerGone])
        );
        assert_eq!(c.webhook.unwrap().events.len(), EventKind::ALL.len());
    }

    #[test]
    fn settings_that_cannot_work_are_refused_with_the_variable_to_fix() {
        let mut s = settings();
        s.notify_email_to = vec!["ops@example.org".into()];
        let e = NotifyConfig::from_settings(&s).unwrap_err();
        assert!(e.0.contains("LONGJOBS_SMTP_HOST"), "{e}");

        s.smtp_host = Some("mail.example.org".into());
        s.smtp_user = Some("u".into());
        s.smtp_password = Some("p".into());
        let e = NotifyConfig::from_settings(&s).unwrap_err();
        assert!(e.0.contains("in clear"), "{e}");

        s.smtp_tls = SmtpTls::Starttls;
        s.notify_email_events = vec!["copy_eror".into()];
        let e = NotifyConfig::from_settings(&s).unwrap_err();
        assert!(e.0.contains("LONGJOBS_NOTIFY_EMAIL_EVENTS"), "{e}");

        let mut s = settings();
        s.notify_webhook_url = Some("ftp://example.org/x".into());
        assert!(NotifyConfig::from_settings(&s).is_err());
    }
}

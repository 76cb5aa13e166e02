//! Sends one e-mail over SMTP (plain, STARTTLS or TLS) with lettre.

use std::time::Duration;

use anyhow::Context;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{EmailConfig, SmtpTls};

/// Longest wait for the SMTP server at each step.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Sends `subject` and `body` (plain text) to every recipient in one message.
pub async fn send(cfg: &EmailConfig, subject: &str, body: String) -> anyhow::Result<()> {
    let mut message = Message::builder()
        .from(cfg.from.parse().context("the sender address")?)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN);
    for to in &cfg.to {
        message = message.to(to.parse().with_context(|| format!("recipient {to:?}"))?);
    }
    let message = message.body(body).context("building the e-mail")?;
    let builder = match cfg.tls {
        SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.host),
        SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&cfg.host)
            .context("setting up STARTTLS")?,
        SmtpTls::Tls => {
            AsyncSmtpTransport::<Tokio1Executor>::relay(&cfg.host).context("setting up TLS")?
        }
    };
    let mut builder = builder.port(cfg.port).timeout(Some(SMTP_TIMEOUT));
    if let Some((user, password)) = &cfg.credentials {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    builder
        .build()
        .send(message)
        .await
        .with_context(|| format!("sending e-mail through {}:{}", cfg.host, cfg.port))?;
    Ok(())
}

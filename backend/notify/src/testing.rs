//! Real receivers on loopback for tests: a small SMTP server that keeps every message it is
//! given, and a webhook endpoint that keeps every call (and can be told to fail).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use poem::http::StatusCode;
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::{EndpointExt, Request, Route, Server, handler, post};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::Notify;

/// One message as the SMTP server received it.
#[derive(Debug, Clone, PartialEq)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    /// Headers and body as sent (dot-stuffing undone).
    pub data: String,
}

impl Mail {
    /// The value of a header (first match, unfolded).
    pub fn header(&self, name: &str) -> Option<String> {
        let (head, _) = self.data.split_once("\r\n\r\n")?;
        let mut value: Option<String> = None;
        for line in head.split("\r\n") {
            if let Some(v) = value.as_mut() {
                if line.starts_with([' ', '\t']) {
                    v.push_str(line);
                    continue;
                }
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case(name)
            {
                value = Some(v.trim().to_string());
            }
        }
        value
    }

    pub fn subject(&self) -> String {
        self.header("Subject").unwrap_or_default()
    }

    /// The body, decoded when it was sent quoted-printable.
    pub fn body(&self) -> String {
        let body = self
            .data
            .split_once("\r\n\r\n")
            .map(|(_, b)| b)
            .unwrap_or("");
        let qp = self
            .header("Content-Transfer-Encoding")
            .is_some_and(|e| e.eq_ignore_ascii_case("quoted-printable"));
        if qp {
            decode_quoted_printable(body)
        } else {
            body.to_string()
        }
    }
}

fn decode_quoted_printable(s: &str) -> String {
    let joined = s.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && let Some(hex) = joined.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An SMTP server on 127.0.0.1 that accepts every message (no TLS, no authentication).
#[derive(Clone)]
pub struct SmtpSink {
    pub addr: SocketAddr,
    mails: Arc<Mutex<Vec<Mail>>>,
    arrived: Arc<Notify>,
}

impl SmtpSink {
    pub async fn start() -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let sink = SmtpSink {
            addr: listener.local_addr()?,
            mails: Arc::default(),
            arrived: Arc::new(Notify::new()),
        };
        let s = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = s.session(stream).await;
                });
            }
        });
        Ok(sink)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Every message received so far.
    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Waits until at least `n` messages arrived and returns them all; panics if they
    /// have not within `within`.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Mail> {
        let wait = async {
            loop {
                let notified = self.arrived.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                let mails = self.mails();
                if mails.len() >= n {
                    return mails;
                }
                notified.await;
            }
        };
        match tokio::time::timeout(within, wait).await {
            Ok(mails) => mails,
            Err(_) => panic!(
                "{} of {n} e-mails arrived within {within:?}: {:?}",
                self.mails().len(),
                self.mails()
            ),
        }
    }

    async fn session(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 sink.test ESMTP ready\r\n").await?;
        let (mut from, mut to) = (String::new(), Vec::new());
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let cmd = line.trim_end().to_string();
            let upper = cmd.to_ascii_uppercase();
            let reply: &[u8] = if upper.starts_with("EHLO") {
                b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
            } else if upper.starts_with("HELO") {
                b"250 sink.test\r\n"
            } else if upper.starts_with("MAIL FROM:") {
                from = address(&cmd["MAIL FROM:".len()..]);
                to.clear();
                b"250 OK\r\n"
            } else if upper.starts_with("RCPT TO:") {
                to.push(address(&cmd["RCPT TO:".len()..]));
                b"250 OK\r\n"
            } else if upper == "DATA" {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                self.mails
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(Mail {
                        from: from.clone(),
                        to: std::mem::take(&mut to),
                        data,
                    });
                self.arrived.notify_waiters();
                b"250 OK queued\r\n"
            } else if upper == "QUIT" {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else if upper.starts_with("RSET") || upper.starts_with("NOOP") {
                b"250 OK\r\n"
            } else {
                b"502 command not implemented\r\n"
            };
            write.write_all(reply).await?;
        }
    }
}

/// `<a@b> SIZE=…` → `a@b`.
fn address(arg: &str) -> String {
    let arg = arg.trim();
    match (arg.find('<'), arg.find('>')) {
        (Some(a), Some(b)) if a < b => arg[a + 1..b].to_string(),
        _ => arg.split_whitespace().next().unwrap_or("").to_string(),
    }
}

/// One call the webhook received.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub authorization: Option<String>,
    pub body: Value,
    /// The body as sent (what a signature covers).
    pub raw: String,
    /// `Longjobs-Event`, `Longjobs-Event-Id` and `Longjobs-Signature`, when sent.
    pub event: Option<String>,
    pub event_id: Option<String>,
    pub signature: Option<String>,
}

#[derive(Default)]
struct HookState {
    calls: Mutex<Vec<Call>>,
    /// Answer this status instead of 204 while set.
    failing: Mutex<Option<u16>>,
    arrived: Notify,
}

/// A webhook receiver at `http://127.0.0.1:PORT/hook`.
#[derive(Clone)]
pub struct WebhookSink {
    pub url: String,
    state: Arc<HookState>,
}

#[handler]
async fn hook(req: &Request, raw: String) -> StatusCode {
    let Ok(body) = serde_json::from_str::<Value>(&raw) else {
        return StatusCode::BAD_REQUEST;
    };
    let Some(state) = req.data::<Arc<HookState>>() else {
        return StatusCode::INTERNAL_SERVER_ERROR;
    };
    let failing = *state.failing.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(code) = failing {
        return StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    state
        .calls
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(Call {
            authorization: req.header("authorization").map(str::to_string),
            body,
            raw,
            event: req.header("longjobs-event").map(str::to_string),
            event_id: req.header("longjobs-event-id").map(str::to_string),
            signature: req.header("longjobs-signature").map(str::to_string),
        });
    state.arrived.notify_waiters();
    StatusCode::NO_CONTENT
}

impl WebhookSink {
    pub async fn start() -> std::io::Result<Self> {
        let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await?;
        let addr = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().copied())
            .ok_or_else(|| std::io::Error::other("no TCP address"))?;
        let state = Arc::new(HookState::default());
        let app = Route::new().at("/hook", post(hook)).data(state.clone());
        tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
        Ok(WebhookSink {
            url: format!("http://{addr}/hook"),
            state,
        })
    }

    /// Every accepted call so far (refused ones are not kept).
    pub fn calls(&self) -> Vec<Call> {
        self.state
            .calls
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Refuse calls with `status` (`None`: accept again).
    pub fn fail_with(&self, status: Option<u16>) {
        *self.state.failing.lock().unwrap_or_else(|p| p.into_inner()) = status;
    }

    /// Waits until at least `n` calls were accepted and returns them all; panics if they
    /// have not within `within`.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Call> {
        let wait = async {
            loop {
                let notified = self.state.arrived.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                let calls = self.calls();
                if calls.len() >= n {
                    return calls;
                }
                notified.await;
            }
        };
        match tokio::time::timeout(within, wait).await {
            Ok(calls) => calls,
            Err(_) => panic!(
                "{} of {n} webhook calls arrived within {within:?}: {:?}",
                self.calls().len(),
                self.calls()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_printable_bodies_decode() {
        assert_eq!(
            decode_quoted_printable("a=3Db and a long=\r\n line"),
            "a=b and a long line"
        );
    }
}

//! The listener against clients that hold connections open: half-sent request heads are
//! closed after the header-read timeout, connections over the cap are answered 503 at
//! once, a stalled body fails, and `X-Forwarded-For` counts only from trusted proxies —
//! over real TCP connections.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use longjobs_core::testing::TestDb;
use longjobs_server::auth::AuthConfig;
use longjobs_server::serve::{ServeOptions, serve};
use longjobs_server::{AppState, HttpOptions, app};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

mod common;
use common::SECRET;

async fn start(
    t: &TestDb,
    limits: ServeOptions,
    trusted: &[&str],
    body_idle: Option<Duration>,
) -> SocketAddr {
    let mut auth = AuthConfig::new(SECRET.to_vec(), Duration::from_secs(600));
    auth.trusted_proxies = longjobs_server::auth::parse_trusted_proxies(
        &trusted.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
    )
    .unwrap();
    let state = AppState::new(t.db.clone(), auth, Default::default());
    let opts = HttpOptions {
        body_idle_timeout: body_idle,
        ..Default::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let ep = app(state, &opts);
    tokio::spawn(serve(listener, ep, limits, std::future::pending()));
    addr
}

/// Sends `raw` on a new connection and reads until the server closes it (or `wait` passes).
async fn exchange(addr: SocketAddr, raw: &str, wait: Duration) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(raw.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(wait, s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).to_string()
}

async fn healthz(addr: SocketAddr) -> String {
    exchange(
        addr,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        Duration::from_secs(10),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_requests_are_closed_and_connections_over_the_cap_get_503() {
    let t = TestDb::sqlite().await.unwrap();
    let limits = ServeOptions {
        header_read_timeout: Duration::from_secs(1),
        max_connections: 4,
        shutdown_grace: Duration::from_secs(1),
    };
    let addr = start(&t, limits, &[], None).await;
    assert!(healthz(addr).await.starts_with("HTTP/1.1 200"));

    // Four clients that never finish their request head take every slot …
    let mut stalled = Vec::new();
    for _ in 0..4 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .unwrap();
        stalled.push(s);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    // … so one more is answered 503 at once, not left waiting.
    let started = Instant::now();
    let busy = healthz(addr).await;
    assert!(busy.starts_with("HTTP/1.1 503"), "{busy}");
    assert!(started.elapsed() < Duration::from_secs(1));
    // The header-read timeout closes the stalled ones …
    for mut s in stalled {
        let mut buf = Vec::new();
        let got = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut buf)).await;
        assert!(got.is_ok(), "a half-sent request was still open after 5 s");
    }
    // … and the server answers again.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let ok = healthz(addr).await;
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");

    // An idle kept-alive connection is closed after the same timeout.
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let got = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut buf)).await;
    assert!(got.is_ok(), "an idle kept-alive connection stayed open");
    assert!(String::from_utf8_lossy(&buf).starts_with("HTTP/1.1 200"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_request_body_fails_after_the_idle_timeout() {
    let t = TestDb::sqlite().await.unwrap();
    let addr = start(
        &t,
        ServeOptions::default(),
        &[],
        Some(Duration::from_secs(1)),
    )
    .await;
    let started = Instant::now();
    let got = exchange(
        addr,
        "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: 100\r\nConnection: close\r\n\r\n{\"username\":",
        Duration::from_secs(10),
    )
    .await;
    assert!(got.starts_with("HTTP/1.1 400"), "{got}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

async fn guesses(addr: SocketAddr, forwarded: impl Fn(usize) -> String) -> usize {
    let mut limited = 0;
    for i in 0..25 {
        let body = format!(r#"{{"username":"u{i}","password":"guess"}}"#);
        let raw = format!(
            "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
             X-Forwarded-For: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            forwarded(i),
            body.len()
        );
        let got = exchange(addr, &raw, Duration::from_secs(10)).await;
        if got.starts_with("HTTP/1.1 429") {
            limited += 1;
        }
    }
    limited
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_for_counts_only_from_trusted_proxies() {
    // Not trusted: a client writing a new X-Forwarded-For each time is still one client.
    let t = TestDb::sqlite().await.unwrap();
    let addr = start(&t, ServeOptions::default(), &[], None).await;
    assert!(guesses(addr, |i| format!("198.51.100.{i}")).await > 0);
    // Behind a trusted proxy (this loopback peer), each forwarded client counts apart …
    let t = TestDb::sqlite().await.unwrap();
    let addr = start(&t, ServeOptions::default(), &["127.0.0.1"], None).await;
    assert_eq!(guesses(addr, |i| format!("198.51.100.{i}")).await, 0);
    // … and one forwarded client is limited like any other.
    let t = TestDb::sqlite().await.unwrap();
    let addr = start(&t, ServeOptions::default(), &["127.0.0.1"], None).await;
    assert!(guesses(addr, |_| "198.51.100.7".to_string()).await > 0);
}

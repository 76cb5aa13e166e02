//! The source fetcher against real sockets on loopback: a name is resolved once and the
//! connection goes to the address that was checked, every address of a name must pass,
//! redirects end, and a source that never answers fails after the idle timeout.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use longjobs_replication::source::{
    FetchError, Lookup, SourceFetcher, SourcePolicy, SourceRefusal,
};
use md5::{Digest, Md5};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A resolver that answers from a script (the last answer repeats) and counts its calls.
struct Scripted {
    answers: Vec<Vec<IpAddr>>,
    calls: AtomicUsize,
}

impl Lookup for Scripted {
    fn lookup(&self, _host: String) -> BoxFuture<'static, io::Result<Vec<IpAddr>>> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        let answer = self.answers[n.min(self.answers.len() - 1)].clone();
        Box::pin(async move { Ok(answer) })
    }
}

fn scripted(answers: &[&[&str]]) -> Arc<Scripted> {
    Arc::new(Scripted {
        answers: answers
            .iter()
            .map(|a| a.iter().map(|ip| ip.parse().unwrap()).collect())
            .collect(),
        calls: AtomicUsize::new(0),
    })
}

enum Answer {
    Body(&'static [u8]),
    RedirectToSelf,
    Nothing,
}

/// An HTTP/1.1 server on loopback answering every request the same way; counts connections.
async fn server(answer: Answer) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let seen = connections.clone();
    let answer = Arc::new(answer);
    tokio::spawn(async move {
        loop {
            let (mut sock, _) = listener.accept().await.unwrap();
            seen.fetch_add(1, Ordering::SeqCst);
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut req = Vec::new();
                let mut buf = [0u8; 1024];
                while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => req.extend_from_slice(&buf[..n]),
                    }
                }
                let head = match &*answer {
                    Answer::Body(body) => {
                        let head = format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        );
                        let mut out = head.into_bytes();
                        out.extend_from_slice(body);
                        out
                    }
                    Answer::RedirectToSelf => format!(
                        "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{}/again\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                        addr.port()
                    )
                    .into_bytes(),
                    Answer::Nothing => {
                        tokio::time::sleep(Duration::from_secs(60)).await;
                        return;
                    }
                };
                let _ = sock.write_all(&head).await;
            });
        }
    });
    (addr, connections)
}

fn policy(hosts: &[String], networks: &[&str]) -> SourcePolicy {
    SourcePolicy::from_settings(
        hosts,
        &networks.iter().map(|n| n.to_string()).collect::<Vec<_>>(),
    )
    .unwrap()
}

fn md5(b: &[u8]) -> String {
    hex::encode(Md5::digest(b))
}

#[tokio::test]
async fn a_rebinding_name_is_resolved_once_and_the_checked_address_is_the_one_connected() {
    const BODY: &[u8] = b"the bytes of the checked address";
    let (addr, connections) = server(Answer::Body(BODY)).await;
    // First answer: the allowed loopback address; any later one: a private address the
    // policy refuses. A fetch that resolved again after its check would meet the second.
    let lookup = scripted(&[&["127.0.0.1"], &["10.255.255.1"]]);
    let fetcher = SourceFetcher::with_lookup(
        policy(&[format!("rebind.test:{}", addr.port())], &["127.0.0.1/32"]),
        Duration::from_secs(5),
        lookup.clone(),
    )
    .unwrap();
    let url = format!("http://rebind.test:{}/f", addr.port());
    let source = fetcher
        .open(&url, BODY.len() as u64, &md5(BODY))
        .await
        .unwrap();
    let got: Vec<u8> = source.body.map(|c| c.unwrap().to_vec()).concat().await;
    assert_eq!(got, BODY);
    assert_eq!(lookup.calls.load(Ordering::SeqCst), 1, "resolved again");
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_name_with_one_private_address_among_public_ones_is_refused_before_any_connection() {
    let (addr, connections) = server(Answer::Body(b"x")).await;
    let lookup = scripted(&[&["93.184.216.34", "127.0.0.1"]]);
    let fetcher = SourceFetcher::with_lookup(
        policy(&[format!("mixed.test:{}", addr.port())], &[]),
        Duration::from_secs(5),
        lookup,
    )
    .unwrap();
    let err = fetcher
        .open(
            &format!("http://mixed.test:{}/f", addr.port()),
            1,
            &md5(b"x"),
        )
        .await
        .err()
        .unwrap();
    match &err {
        FetchError::Refused {
            refusal: SourceRefusal::NotPublic { ip, kind, .. },
            ..
        } => assert_eq!((ip.to_string().as_str(), *kind), ("127.0.0.1", "loopback")),
        other => panic!("{other:?}"),
    }
    assert!(!err.transient(), "a refusal is not worth retrying");
    assert_eq!(connections.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_redirect_loop_ends_after_five_hops() {
    let (addr, connections) = server(Answer::RedirectToSelf).await;
    let fetcher = SourceFetcher::new(
        policy(&[addr.to_string()], &["127.0.0.1/32"]),
        Duration::from_secs(5),
    )
    .unwrap();
    let err = fetcher
        .open(&format!("http://{addr}/f"), 1, &md5(b"x"))
        .await
        .err()
        .unwrap();
    assert!(
        matches!(
            err,
            FetchError::Refused {
                refusal: SourceRefusal::TooManyRedirects,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        connections.load(Ordering::SeqCst),
        6,
        "the first request and five hops"
    );
}

#[tokio::test]
async fn a_source_that_never_answers_fails_after_the_idle_timeout() {
    let (addr, _) = server(Answer::Nothing).await;
    let fetcher = SourceFetcher::new(
        policy(&[addr.to_string()], &["127.0.0.1/32"]),
        Duration::from_millis(300),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let err = fetcher
        .open(&format!("http://{addr}/f"), 1, &md5(b"x"))
        .await
        .err()
        .unwrap();
    assert!(matches!(err, FetchError::Stalled { .. }), "{err:?}");
    assert!(err.transient());
    assert!(started.elapsed() < Duration::from_secs(5));
}

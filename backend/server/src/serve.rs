//! The HTTP listener: poem's endpoint served by hyper with limits an unauthenticated client
//! cannot wear out.
//!
//! - **Header-read timeout**: a request's head (request line and headers) must arrive
//!   within [`ServeOptions::header_read_timeout`], and a kept-alive connection that sends
//!   no next request within that time is closed — half-sent requests do not hold a
//!   connection for minutes.
//! - **Connection cap**: at most [`ServeOptions::max_connections`] connections at once; one
//!   more is answered `503` and closed at once, so descriptors never run out (the systemd
//!   units raise `LimitNOFILE` well above the cap).
//! - A request body that stalls is cut by [`crate::app`] (`HttpOptions::body_idle_timeout`).
//!
//! On shutdown it stops accepting, lets requests in flight finish for up to
//! [`ServeOptions::shutdown_grace`], then returns.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use poem::http::uri::Scheme;
use poem::web::{LocalAddr, RemoteAddr};
use poem::{Addr, Endpoint, EndpointExt, Response};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

type BoxBody = http_body_util::combinators::BoxBody<Bytes, std::io::Error>;

/// Limits of the listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeOptions {
    pub header_read_timeout: Duration,
    pub max_connections: usize,
    pub shutdown_grace: Duration,
}

/// The header-read timeout by default.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections at once by default.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\n\
content-length: 37\r\nconnection: close\r\nretry-after: 1\r\n\r\ntoo many connections; try again soon\n";

/// Serves `ep` on `listener` until `shutdown` completes.
pub async fn serve<E>(
    listener: TcpListener,
    ep: E,
    opts: ServeOptions,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()>
where
    E: Endpoint + 'static,
{
    let ep = Arc::new(ep.map_to_response().boxed());
    let local = listener.local_addr()?;
    let slots = Arc::new(Semaphore::new(opts.max_connections.max(1)));
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    let mut refused_logged = false;
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors or a connection reset before accept: keep going.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            if !refused_logged {
                tracing::warn!(
                    max = opts.max_connections,
                    "connection cap reached: refusing new connections with 503"
                );
                refused_logged = true;
            }
            let _ = stream.try_write(BUSY);
            drop(stream);
            continue;
        };
        refused_logged = false;
        let _ = stream.set_nodelay(true);
        let ep = ep.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let _permit = permit;
            serve_connection(stream, local, peer, ep, opts, &mut stop).await;
        });
    }
    tracing::info!("stopping: finishing requests in flight");
    let _ = stop_tx.send(true);
    // Every connection holds a slot: having them all back means every connection ended.
    let all = u32::try_from(opts.max_connections.max(1)).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(opts.shutdown_grace, slots.acquire_many(all)).await;
    Ok(())
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    local: SocketAddr,
    peer: SocketAddr,
    ep: Arc<poem::endpoint::BoxEndpoint<'static, Response>>,
    opts: ServeOptions,
    stop: &mut watch::Receiver<bool>,
) {
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let ep = ep.clone();
        async move {
            let req: poem::Request = (
                req,
                LocalAddr(Addr::SocketAddr(local)),
                RemoteAddr(Addr::SocketAddr(peer)),
                Scheme::HTTP,
            )
                .into();
            let resp: hyper::Response<BoxBody> = ep.get_response(req).await.into();
            Ok::<_, Infallible>(resp)
        }
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(opts.header_read_timeout);
    builder.http2().timer(TokioTimer::new());
    let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = &mut conn => return,
        _ = stop.wait_for(|s| *s) => {}
    }
    conn.as_mut().graceful_shutdown();
    let _ = conn.await;
}

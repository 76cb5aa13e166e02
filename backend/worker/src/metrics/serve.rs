//! The worker's small HTTP listener: `/metrics` for the scraper and `/healthz` beside it.

use std::net::SocketAddr;
use std::sync::Arc;

use poem::listener::{Acceptor, Listener, TcpListener};
use poem::{EndpointExt, Response, Route, Server, get, handler};

use super::WorkerMetrics;

/// The content type of the OpenMetrics text format Prometheus scrapes.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[handler]
fn healthz() -> &'static str {
    "ok"
}

/// Serves `/metrics` and `/healthz` on `addr` until the task is aborted; returns the
/// address bound (so `127.0.0.1:0` works in tests).
pub async fn serve(
    addr: &str,
    metrics: Arc<WorkerMetrics>,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<std::io::Result<()>>)> {
    let acceptor = TcpListener::bind(addr.to_string()).into_acceptor().await?;
    let bound = acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().copied())
        .ok_or_else(|| std::io::Error::other(format!("{addr} gave no TCP address")))?;
    let route = Route::new()
        .at(
            "/metrics",
            get(poem::endpoint::make_sync(
                |req: poem::Request| -> Response {
                    let metrics = req
                        .data::<Arc<WorkerMetrics>>()
                        .map(|m| m.render())
                        .unwrap_or_default();
                    Response::builder().content_type(CONTENT_TYPE).body(metrics)
                },
            )),
        )
        .at("/healthz", get(healthz))
        .data(metrics);
    let task = tokio::spawn(Server::new_with_acceptor(acceptor).run(route));
    Ok((bound, task))
}

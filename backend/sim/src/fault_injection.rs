//! The poem middleware that counts each request of a route and injects its faults.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use poem::http::StatusCode;
use poem::{Body, Endpoint, IntoResponse, Middleware, Request, Response, Result};

use crate::faults::{Fault, STORM_STATUS};
use crate::state::Sim;

/// Wraps one endpoint: `endpoint.with(FaultInjection::new(routes::ZENODO_GET, &sim))`.
pub struct FaultInjection {
    route: &'static str,
    sim: Arc<Sim>,
}

impl FaultInjection {
    /// Faults of `route` (one of [`crate::routes::ALL`]).
    pub fn new(route: &'static str, sim: &Arc<Sim>) -> Self {
        Self {
            route,
            sim: Arc::clone(sim),
        }
    }
}

impl<E: Endpoint> Middleware<E> for FaultInjection {
    type Output = FaultInjectionEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        FaultInjectionEndpoint {
            route: self.route,
            sim: Arc::clone(&self.sim),
            inner,
        }
    }
}

/// The endpoint [`FaultInjection`] makes.
pub struct FaultInjectionEndpoint<E> {
    route: &'static str,
    sim: Arc<Sim>,
    inner: E,
}

impl<E: Endpoint> Endpoint for FaultInjectionEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        let decision = self.sim.begin_request(self.route);
        let peer = req.remote_addr().as_socket_addr().copied();
        if !decision.latency.is_zero() {
            tokio::time::sleep(decision.latency).await;
        }
        let Some(fault) = decision.fault else {
            let resp = self
                .inner
                .call(req)
                .await
                .map(IntoResponse::into_response)?;
            return Ok(match decision.stall {
                Some((after, pause)) => stalled(resp, after, pause),
                None => resp,
            });
        };
        if decision.commit_first {
            // The request is carried out; its answer, good or bad, is what the fault hides.
            let hidden = self.inner.call(req).await.map(IntoResponse::into_response);
            tracing::debug!(
                route = self.route,
                hidden_status = hidden.as_ref().map_or(0, |r| r.status().as_u16()),
                "answer replaced by a fault"
            );
        }
        tracing::debug!(route = self.route, ?fault, "fault injected");
        if fault == Fault::Drop
            && let Some(peer) = peer
            && self.sim.connections.kill(peer)
        {
            // The connection fails on hyper's first write of this answer: nothing is sent.
            return Ok(Response::builder().finish());
        }
        Ok(fault_response(fault, decision.retry_after))
    }
}

/// `resp` with its body paused for `pause` once `after` bytes of it are sent.
fn stalled(resp: Response, after: u64, pause: Duration) -> Response {
    let (parts, body) = resp.into_parts();
    let mut sent = 0u64;
    let mut paused = false;
    let chunks = body.into_bytes_stream().flat_map(move |chunk| {
        let mut pieces: Vec<Piece> = Vec::new();
        match chunk {
            Err(e) => pieces.push(Piece::Bytes(Err(e))),
            Ok(mut bytes) => {
                if !paused && sent + bytes.len() as u64 >= after {
                    let head = usize::try_from(after - sent).unwrap_or(usize::MAX);
                    let tail = bytes.split_off(head.min(bytes.len()));
                    if !bytes.is_empty() {
                        pieces.push(Piece::Bytes(Ok(bytes)));
                    }
                    pieces.push(Piece::Pause);
                    paused = true;
                    bytes = tail;
                }
                sent += bytes.len() as u64;
                if !bytes.is_empty() {
                    pieces.push(Piece::Bytes(Ok(bytes)));
                }
            }
        }
        futures_util::stream::iter(pieces)
    });
    let chunks = chunks.then(move |piece| async move {
        match piece {
            Piece::Bytes(b) => Some(b),
            Piece::Pause => {
                tokio::time::sleep(pause).await;
                None
            }
        }
    });
    let chunks = chunks.filter_map(futures_util::future::ready);
    Response::from_parts(parts, Body::from_bytes_stream(chunks))
}

/// A piece of a stalled body: bytes, or the pause.
enum Piece {
    Bytes(Result<Bytes, io::Error>),
    Pause,
}

fn fault_response(fault: Fault, retry_after: Option<u64>) -> Response {
    match fault {
        Fault::Drop => failing_body(),
        Fault::Respond(STORM_STATUS) => Response::builder()
            .status(StatusCode::GATEWAY_TIMEOUT)
            .content_type("text/html")
            .body(
                "<html><head><title>504 Gateway Time-out</title></head><body>\
                 <center><h1>504 Gateway Time-out</h1></center></body></html>\n",
            ),
        Fault::Respond(status) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = serde_json::json!({
                "status": status.as_u16(),
                "message": format!("Simulated fault: {status}"),
            });
            let mut resp = Response::builder()
                .status(status)
                .content_type("application/json");
            if status == StatusCode::TOO_MANY_REQUESTS {
                // Zenodo's REST API documentation, "Rate Limiting"
                // (https://developers.zenodo.org/#rate-limiting): answers carry the policy
                // (`X-RateLimit-Limit`, 100 a minute for authenticated users), what is left of
                // it (`X-RateLimit-Remaining`) and when it resets (`X-RateLimit-Reset`, epoch
                // seconds). `Retry-After` (RFC 9110, section 10.2.3) says when to come back.
                let wait = retry_after.unwrap_or(60);
                let reset = chrono::Utc::now().timestamp().saturating_add_unsigned(wait);
                resp = resp
                    .header("X-RateLimit-Limit", "100")
                    .header("X-RateLimit-Remaining", "0")
                    .header("X-RateLimit-Reset", reset.to_string());
            }
            if let Some(secs) = retry_after {
                resp = resp.header("Retry-After", secs.to_string());
            }
            resp.body(body.to_string())
        }
    }
}

/// The fallback drop for a connection the registry does not know: an answer whose body fails,
/// so the client gets a status line and then a body that ends abruptly.
fn failing_body() -> Response {
    let failing = futures_util::stream::once(async {
        Err::<Bytes, io::Error>(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "simulated dropped connection",
        ))
    });
    Response::builder().body(Body::from_bytes_stream(failing))
}

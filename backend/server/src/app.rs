//! The HTTP application: the API, its spec, Swagger UI at `/docs`, Prometheus `/metrics`,
//! and the middleware every answer passes through (problem+json errors, size limit,
//! headers, CORS).

use std::sync::Arc;

use poem::http::{StatusCode, header};
use poem::middleware::{Cors, SetHeader};
use poem::web::Redirect;
use poem::{Body, Endpoint, EndpointExt, IntoResponse, Request, Response, Route, handler};
use tokio::io::AsyncReadExt;

use crate::api;
use crate::error::to_problem;
use crate::metrics;
use crate::state::AppState;

/// Largest request body accepted (413 above it).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Where the generated spec is served.
pub const SPEC_PATH: &str = "/api/openapi.json";

/// Options of the HTTP layer.
#[derive(Debug, Clone, Default)]
pub struct HttpOptions {
    /// Origins allowed to call the API from a browser; none when empty (CORS closed).
    pub cors_origins: Vec<String>,
    /// The built console (index.html, wasm, js, css); served at `/` when set.
    pub console_dir: Option<std::path::PathBuf>,
    /// Serve `/metrics` without a token (else it needs a bearer token of any role).
    pub metrics_public: bool,
    /// Cut a request body when no byte of it arrives for this long (none: never).
    pub body_idle_timeout: Option<std::time::Duration>,
}

/// The whole application as one endpoint.
pub fn app(state: AppState, opts: &HttpOptions) -> impl Endpoint + 'static {
    let service = api::service(state.clone());
    let spec = crate::spec::render(&service);
    let allowed = Arc::new(crate::allow::AllowedMethods::from_spec(&spec));
    let swagger = Arc::new(
        utoipa_swagger_ui::Config::new([SPEC_PATH])
            .persist_authorization(true)
            .try_it_out_enabled(true),
    );
    let metrics_public = opts.metrics_public;
    let route = Route::new()
        .at(SPEC_PATH, spec_endpoint(spec))
        .at(
            metrics::METRICS_PATH,
            poem::get(poem::endpoint::make(move |req: Request| async move {
                match req.data::<AppState>() {
                    Some(state) => metrics::scrape(&req, state, metrics_public).await,
                    None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
                }
            })),
        )
        .at("/docs", poem::get(docs_redirect))
        .at("/docs/", swagger_endpoint(swagger.clone()))
        .at("/docs/*path", swagger_endpoint(swagger))
        .nest("/", service);
    let cors = (!opts.cors_origins.is_empty()).then(|| {
        opts.cors_origins
            .iter()
            .fold(Cors::new(), |c, o| c.allow_origin(o.as_str()))
            .allow_credentials(false)
    });
    let console = opts.console_dir.clone().map(Arc::new);
    let body_idle = opts.body_idle_timeout;
    route
        .around(move |next, req| {
            let console = console.clone();
            async move { console_fallback(next, req, console).await }
        })
        .around(move |next, req| limit_body(next, req, body_idle))
        .around(crate::request_text::refuse_undecodable)
        .catch_all_error(to_problem)
        .around(no_store_for_auth)
        .around(move |next, req| {
            let allowed = allowed.clone();
            async move { crate::allow::add_allow(next, req, allowed).await }
        })
        // Boxed: the optional CORS layer holds the whole stack in each of its two branches,
        // and the type of it all outgrew the compiler's query depth in a clean build.
        .boxed()
        .with_if(cors.is_some(), cors.unwrap_or_default())
        .with(
            SetHeader::new()
                .overriding("X-Content-Type-Options", "nosniff")
                .overriding("X-Frame-Options", "DENY")
                .overriding("Referrer-Policy", "no-referrer"),
        )
        .around(default_policy)
        .data(state)
}

/// Sets [`crate::console::DEFAULT_POLICY`] on every answer that has no policy of its own
/// (the console's page carries one naming its boot script's hash).
async fn default_policy<E: Endpoint>(next: Arc<E>, req: Request) -> poem::Result<Response> {
    let mut resp = next.call(req).await?.into_response();
    if !resp.headers().contains_key(crate::console::CSP) {
        resp.headers_mut().insert(
            crate::console::CSP,
            poem::http::HeaderValue::from_static(crate::console::DEFAULT_POLICY),
        );
    }
    Ok(resp)
}

fn spec_endpoint(spec: String) -> impl Endpoint {
    poem::get(poem::endpoint::make_sync(move |_| {
        Response::builder()
            .content_type("application/json")
            .body(spec.clone())
    }))
}

#[handler]
fn docs_redirect() -> Redirect {
    Redirect::permanent("/docs/")
}

fn swagger_endpoint(config: Arc<utoipa_swagger_ui::Config<'static>>) -> impl Endpoint {
    poem::get(poem::endpoint::make(move |req| {
        let config = config.clone();
        async move {
            let tail = req.path_params::<String>().unwrap_or_default();
            let tail = if tail.is_empty() {
                "index.html".to_string()
            } else {
                tail
            };
            match utoipa_swagger_ui::serve(&tail, config) {
                Ok(Some(file)) => Response::builder()
                    .content_type(file.content_type)
                    .header(header::CACHE_CONTROL, "no-cache")
                    .body(file.bytes.to_vec()),
                Ok(None) => StatusCode::NOT_FOUND.into_response(),
                Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
            }
        }
    }))
}

/// 413 for a declared body over [`MAX_BODY_BYTES`]; an undeclared (chunked) body is cut
/// there, so it fails to parse rather than fill memory. With `idle`, a body that stalls
/// that long fails to read.
async fn limit_body<E: Endpoint>(
    next: Arc<E>,
    mut req: Request,
    idle: Option<std::time::Duration>,
) -> poem::Result<Response> {
    let declared = req
        .header(header::CONTENT_LENGTH)
        .and_then(|v| v.trim().parse::<u64>().ok());
    match declared {
        Some(len) if len > MAX_BODY_BYTES as u64 => {
            return Err(poem::Error::from_string(
                format!("the request body is {len} bytes; at most {MAX_BODY_BYTES} are accepted"),
                StatusCode::PAYLOAD_TOO_LARGE,
            ));
        }
        Some(_) => {
            if let Some(idle) = idle {
                let body = req.take_body().into_async_read();
                req.set_body(Body::from_async_read(crate::idle::IdleRead::new(
                    body, idle,
                )));
            }
        }
        None => {
            let body = req.take_body().into_async_read();
            let body = body.take(MAX_BODY_BYTES as u64 + 1);
            match idle {
                Some(idle) => req.set_body(Body::from_async_read(crate::idle::IdleRead::new(
                    body, idle,
                ))),
                None => req.set_body(Body::from_async_read(body)),
            }
        }
    }
    next.call(req).await.map(IntoResponse::into_response)
}

/// Answers under `/api/auth/` (a login's token, who the caller is) are never stored by a
/// browser or a proxy.
async fn no_store_for_auth<E: Endpoint>(next: Arc<E>, req: Request) -> poem::Result<Response> {
    let auth = req.uri().path().starts_with("/api/auth/");
    let mut resp = next.call(req).await.map(IntoResponse::into_response)?;
    if auth {
        resp.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
    }
    Ok(resp)
}

/// Serves the console for GET and HEAD requests no API route answered (see
/// [`crate::console::serve`]). `/api/…` and `/docs/…` keep their 404.
async fn console_fallback<E: Endpoint>(
    next: Arc<E>,
    req: Request,
    console: Option<Arc<std::path::PathBuf>>,
) -> poem::Result<Response> {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    // Only what choosing the file needs, and only when there is a console to serve.
    let headers = console.as_ref().map(|_| {
        let mut h = poem::http::HeaderMap::new();
        for name in [header::ACCEPT_ENCODING, header::IF_NONE_MATCH] {
            if let Some(v) = req.headers().get(&name) {
                h.insert(name, v.clone());
            }
        }
        h
    });
    let result = next.call(req).await.map(IntoResponse::into_response);
    let (Some(dir), Some(headers)) = (console, headers) else {
        return result;
    };
    let not_found = match &result {
        Err(e) => e.status() == StatusCode::NOT_FOUND,
        Ok(r) => r.status() == StatusCode::NOT_FOUND,
    };
    if !not_found || path.starts_with("/api/") || path == "/api" || path.starts_with("/docs") {
        return result;
    }
    match crate::console::serve(&dir, &method, &path, &headers).await {
        Some(resp) => Ok(resp),
        None => result,
    }
}

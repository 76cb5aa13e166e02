//! The HTTP application: the API, its spec, Swagger UI at `/docs`, and the middleware
//! every answer passes through (problem+json errors, size limit, headers, CORS).

use std::sync::Arc;

use poem::http::{StatusCode, header};
use poem::middleware::{Cors, SetHeader};
use poem::web::Redirect;
use poem::{Body, Endpoint, EndpointExt, IntoResponse, Request, Response, Route, handler};
use tokio::io::AsyncReadExt;

use crate::api;
use crate::error::to_problem;
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
}

/// The whole application as one endpoint.
pub fn app(state: AppState, opts: &HttpOptions) -> impl Endpoint + 'static {
    let service = api::service(state.clone());
    let spec = service.spec();
    let swagger = Arc::new(
        utoipa_swagger_ui::Config::new([SPEC_PATH])
            .persist_authorization(true)
            .try_it_out_enabled(true),
    );
    let route = Route::new()
        .at(SPEC_PATH, spec_endpoint(spec))
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
    route
        .around(limit_body)
        .catch_all_error(to_problem)
        .with_if(cors.is_some(), cors.unwrap_or_default())
        .with(
            SetHeader::new()
                .overriding("X-Content-Type-Options", "nosniff")
                .overriding("X-Frame-Options", "DENY")
                .overriding("Referrer-Policy", "no-referrer"),
        )
        .data(state)
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
/// there, so it fails to parse rather than fill memory.
async fn limit_body<E: Endpoint>(next: Arc<E>, mut req: Request) -> poem::Result<Response> {
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
        Some(_) => {}
        None => {
            let body = req.take_body().into_async_read();
            req.set_body(Body::from_async_read(body.take(MAX_BODY_BYTES as u64 + 1)));
        }
    }
    next.call(req).await.map(IntoResponse::into_response)
}

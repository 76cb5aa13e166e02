//! One API error type, answered as RFC 7807 `application/problem+json`, and the catcher
//! that turns every other error (bad parameters, unknown routes) into the same shape.

use longjobs_core::DbError;
use longjobs_openapi::Problem;
use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::payload::Json;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Every error an operation can answer with.
#[derive(Debug, ApiResponse)]
pub enum ApiError {
    /// The request is malformed or a value in it is invalid.
    #[oai(status = 400, content_type = "application/problem+json")]
    BadRequest(Json<Problem>),
    /// No valid credentials: missing, expired, forged or revoked token, or a failed login.
    #[oai(status = 401, content_type = "application/problem+json")]
    Unauthorized(Json<Problem>),
    /// The credentials are valid but their role may not do this.
    #[oai(status = 403, content_type = "application/problem+json")]
    Forbidden(Json<Problem>),
    /// The thing asked for does not exist.
    #[oai(status = 404, content_type = "application/problem+json")]
    NotFound(Json<Problem>),
    /// The request conflicts with the current state.
    #[oai(status = 409, content_type = "application/problem+json")]
    Conflict(Json<Problem>),
    /// The request body is larger than the server accepts.
    #[oai(status = 413, content_type = "application/problem+json")]
    TooLarge(Json<Problem>),
    /// The request body is not JSON: `Content-Type: application/json` is missing or other.
    #[oai(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Json<Problem>),
    /// Too many attempts; wait and try again.
    #[oai(status = 429, content_type = "application/problem+json")]
    TooManyRequests(Json<Problem>),
    /// The database is unreachable; try again later.
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<Problem>),
    /// An unexpected failure; the detail says what.
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
}

fn problem(status: StatusCode, kind: &str, detail: impl Into<String>) -> Json<Problem> {
    Json(Problem {
        kind: format!("/problems/{kind}"),
        title: status.canonical_reason().unwrap_or("Error").to_string(),
        status: status.as_u16(),
        detail: detail.into(),
    })
}

impl ApiError {
    pub fn bad_request(detail: impl Into<String>) -> Self {
        ApiError::BadRequest(problem(StatusCode::BAD_REQUEST, "validation", detail))
    }
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        ApiError::Unauthorized(problem(StatusCode::UNAUTHORIZED, "unauthorized", detail))
    }
    pub fn forbidden(detail: impl Into<String>) -> Self {
        ApiError::Forbidden(problem(StatusCode::FORBIDDEN, "forbidden", detail))
    }
    pub fn not_found(detail: impl Into<String>) -> Self {
        ApiError::NotFound(problem(StatusCode::NOT_FOUND, "not-found", detail))
    }
    pub fn conflict(detail: impl Into<String>) -> Self {
        ApiError::Conflict(problem(StatusCode::CONFLICT, "conflict", detail))
    }
    pub fn too_large(detail: impl Into<String>) -> Self {
        ApiError::TooLarge(problem(StatusCode::PAYLOAD_TOO_LARGE, "too-large", detail))
    }
    pub fn unsupported_media_type(detail: impl Into<String>) -> Self {
        ApiError::UnsupportedMediaType(problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            detail,
        ))
    }
    pub fn too_many(detail: impl Into<String>) -> Self {
        ApiError::TooManyRequests(problem(
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            detail,
        ))
    }
    pub fn unavailable(detail: impl Into<String>) -> Self {
        ApiError::Unavailable(problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            detail,
        ))
    }
    pub fn internal(detail: impl Into<String>) -> Self {
        ApiError::Internal(problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            detail,
        ))
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        if e.is_unavailable() {
            tracing::warn!(error = %e, "database unavailable");
            ApiError::unavailable(format!("the database is not reachable right now: {e}"))
        } else {
            tracing::error!(error = %e, "database error");
            ApiError::internal(format!("database error: {e}"))
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Turns any error response that is not already problem+json into one, keeping its
/// status and using its text as the detail. Installed around the whole application.
pub async fn to_problem(err: poem::Error) -> Response {
    let resp = err.into_response();
    let is_problem = resp
        .headers()
        .get(poem::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON));
    if is_problem {
        return resp;
    }
    let status = resp.status();
    let text = resp.into_body().into_string().await.unwrap_or_default();
    let detail = if status == StatusCode::UNAUTHORIZED && text.trim() == "authorization error" {
        "this needs `Authorization: Bearer <token>`: sign in with POST /api/auth/login or use an API token".to_string()
    } else if text.trim().is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        text
    };
    // The two statuses the spec documents for any operation that takes a body.
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => return ApiError::too_large(detail).into_response(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            return ApiError::unsupported_media_type(detail).into_response();
        }
        _ => {}
    }
    let kind = match status {
        StatusCode::NOT_FOUND => "not-found",
        StatusCode::METHOD_NOT_ALLOWED => "method-not-allowed",
        StatusCode::UNAUTHORIZED => "unauthorized",
        s if s.is_client_error() => "validation",
        _ => "internal",
    };
    let body = problem(status, kind, detail).0;
    Response::builder()
        .status(status)
        .content_type(PROBLEM_JSON)
        .body(serde_json::to_vec(&body).unwrap_or_default())
}

impl From<crate::service::ServiceError> for ApiError {
    fn from(e: crate::service::ServiceError) -> Self {
        use crate::service::ServiceError;
        match e {
            ServiceError::BadRequest(why) => ApiError::bad_request(why),
            ServiceError::NotFound(why) => ApiError::not_found(why),
            ServiceError::Conflict(why) => ApiError::conflict(why),
            ServiceError::Internal(why) => ApiError::internal(why),
            ServiceError::Db(e) => e.into(),
        }
    }
}

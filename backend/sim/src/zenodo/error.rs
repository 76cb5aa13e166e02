//! Zenodo's error answers: `{"status": 400, "message": "...", "errors": [{"field", "message", "code"}]}`.

use poem::error::ResponseError;
use poem::http::StatusCode;
use poem::{Body, Response};
use serde::Serialize;

/// Zenodo's `message` for field validation failures (clients match on it).
pub const VALIDATION_MESSAGE: &str = "Validation error.";
/// The `code` Zenodo puts on validation errors.
pub const VALIDATION_CODE: u16 = 10;
/// Zenodo's `message` for a missing or wrong access token (Flask's standard text).
pub const UNAUTHORIZED_MESSAGE: &str = "The server could not verify that you are authorized to access the URL requested. You either supplied the wrong credentials (e.g. a bad password), or your browser doesn't understand how to supply the credentials required.";
/// `message` of an unknown deposition id.
pub const PID_NOT_FOUND_MESSAGE: &str = "PID does not exist.";
/// `message` of a publish whose files equal an earlier version's.
pub const SAME_FILES_MESSAGE: &str = "New version's files must differ from all previous versions.";

/// One entry of `errors`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Dotted path of the offending field (`metadata.title`); absent for whole-record errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
    pub code: u16,
}

impl FieldError {
    /// A validation error about `field`.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.into()),
            message: message.into(),
            code: VALIDATION_CODE,
        }
    }

    /// A validation error about the deposition as a whole.
    pub fn record(message: impl Into<String>) -> Self {
        Self {
            field: None,
            message: message.into(),
            code: VALIDATION_CODE,
        }
    }
}

/// An error answer of the simulated Zenodo, rendered the way Zenodo renders it.
#[derive(Debug, thiserror::Error)]
#[error("{status}: {message}")]
pub struct ZenodoError {
    pub status: StatusCode,
    pub message: String,
    pub errors: Vec<FieldError>,
}

impl ZenodoError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            errors: Vec::new(),
        }
    }

    /// 401: no or wrong `access_token`.
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, UNAUTHORIZED_MESSAGE)
    }

    /// 404 with `message`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 404 for an unknown deposition id.
    pub fn no_such_deposition() -> Self {
        Self::not_found(PID_NOT_FOUND_MESSAGE)
    }

    /// 400 "Validation error." listing what is wrong.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        Self {
            errors,
            ..Self::new(StatusCode::BAD_REQUEST, VALIDATION_MESSAGE)
        }
    }

    /// 400 with `message` and no field list.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 403 with `message`.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    /// 411: an upload without `Content-Length`.
    pub fn length_required() -> Self {
        Self::new(
            StatusCode::LENGTH_REQUIRED,
            "A Content-Length header is required.",
        )
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    status: u16,
    message: &'a str,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    errors: &'a [FieldError],
}

impl ResponseError for ZenodoError {
    fn status(&self) -> StatusCode {
        self.status
    }

    fn as_response(&self) -> Response {
        let body = ErrorBody {
            status: self.status.as_u16(),
            message: &self.message,
            errors: &self.errors,
        };
        let json = serde_json::to_vec(&body).unwrap_or_else(|error| {
            // Serializing two strings and integers cannot fail; keep a readable answer anyway.
            format!("{{\"status\":500,\"message\":\"{error}\"}}").into_bytes()
        });
        Response::builder()
            .status(self.status)
            .content_type("application/json")
            .body(Body::from(json))
    }
}
